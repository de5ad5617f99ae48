//! Fast quantile functions: a cubic Hermite table of the exact quantile.
//!
//! Cells are laid out on the distance `s` of `u` from the nearer end of
//! (0, 1): `s = u` below one half, `s = 1 - u` above (exact in f64 for a
//! 53-bit u). Each power of two of `s` down to 2^-40 is split into
//! `2^CELL_BITS` equal cells, so cells shrink geometrically toward the tails,
//! where quantile functions bend most. A cell is found by shifting the bits
//! of `s`, and the position within it is the remaining mantissa bits: no
//! search, no division. Each cell holds the Hermite cubic through the exact
//! quantile and its exact slope (1 / density) at both ends. Beyond 2^-40
//! (probability 1.8e-12 per draw) the exact quantile is computed.
//!
//! Accuracy is measured, not assumed: `tests` bounds the error against the
//! exact quantile for every family on a dense grid and in the tails.

/// Cells per power of two of `s`.
const CELL_BITS: u32 = 5;
const SHIFT: u32 = 52 - CELL_BITS;
/// The smallest tabulated `s` is 2^-MIN_OCTAVE.
const MIN_OCTAVE: i32 = 40;
/// Mask of the mantissa bits that give the position within a cell.
const FRACTION_MASK: u64 = (1 << SHIFT) - 1;
const FRACTION_SCALE: f64 = 1.0 / (1u64 << SHIFT) as f64;

fn smallest() -> f64 {
    2f64.powi(-MIN_OCTAVE)
}

fn key(s: f64) -> u64 {
    s.to_bits() >> SHIFT
}

/// A cell whose values must come from the exact quantile: NaN coefficients
/// evaluate to NaN, which the second pass of `map` recognises.
const EXACT: [f64; 4] = [f64::NAN; 4];

/// A tabulated quantile function.
#[derive(Clone)]
pub struct QuantileTable {
    base: u64,
    /// Cells per side.
    side_len: usize,
    /// Cubic coefficients (in the position t within the cell): `side_len`
    /// cells for s = u, then `side_len` for s = 1 - u. One array, so the
    /// side is chosen by arithmetic rather than by an unpredictable branch.
    cells: Vec<[f64; 4]>,
}

/// Tables are equal when their cells are bit for bit (NaN cells included).
impl PartialEq for QuantileTable {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base
            && self.side_len == other.side_len
            && self.cells.len() == other.cells.len()
            && self
                .cells
                .iter()
                .zip(&other.cells)
                .all(|(a, b)| a.map(f64::to_bits) == b.map(f64::to_bits))
    }
}

/// A summary: thousands of coefficients help nobody in an assertion message.
impl std::fmt::Debug for QuantileTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QuantileTable({} cells)", self.cells.len())
    }
}

impl QuantileTable {
    /// Tabulates a quantile function given by `lower(s)` = Q(s),
    /// `upper(s)` = Q(1 - s) (each accurate for small s) and the density.
    /// The density must be smooth: no cubic follows a kink in the quantile.
    pub fn build(
        lower: impl Fn(f64) -> f64,
        upper: impl Fn(f64) -> f64,
        density: impl Fn(f64) -> f64,
    ) -> Self {
        let base = key(smallest());
        // One cell past 0.5 holds s = 0.5 exactly.
        let cells = (key(0.5) - base + 1) as usize;
        let knot = |i: usize| f64::from_bits((base + i as u64) << SHIFT);
        let side = |q: &dyn Fn(f64) -> f64, sign: f64| -> Vec<[f64; 4]> {
            let xs: Vec<f64> = (0..=cells).map(|i| q(knot(i))).collect();
            let slopes: Vec<f64> = xs.iter().map(|&x| sign / density(x)).collect();
            (0..cells)
                .map(|i| {
                    let width = knot(i + 1) - knot(i);
                    let (x0, x1) = (xs[i], xs[i + 1]);
                    let (m0, m1) = (slopes[i] * width, slopes[i + 1] * width);
                    let cubic = [
                        x0,
                        m0,
                        3.0 * (x1 - x0) - 2.0 * m0 - m1,
                        2.0 * (x0 - x1) + m0 + m1,
                    ];
                    if cubic.iter().all(|c| c.is_finite()) {
                        cubic
                    } else if x0.is_finite() && x1.is_finite() {
                        // Infinite slope at a knot (zero density): linear is safe.
                        [x0, x1 - x0, 0.0, 0.0]
                    } else {
                        EXACT
                    }
                })
                .collect()
        };
        let mut all = side(&lower, 1.0);
        all.extend(side(&upper, -1.0));
        // Past the last cell: where out-of-range u lands.
        all.push(EXACT);
        QuantileTable {
            base,
            side_len: cells,
            cells: all,
        }
    }

    /// The cell index for u: branch-free, always in bounds (out-of-range u,
    /// including NaN, gets the trailing `EXACT` cell), and the position t in
    /// [0, 1) within the cell.
    #[inline(always)]
    fn locate(&self, u: f64) -> (usize, f64) {
        // min and arithmetic rather than `if`: the compiler turned the
        // obvious form into a branch that random u mispredicts half the time.
        let s = u.min(1.0 - u);
        let side = usize::from(u > 0.5) * self.side_len;
        let bits = s.to_bits();
        let offset = (bits >> SHIFT).wrapping_sub(self.base) as usize;
        let in_range = usize::from(offset < self.side_len);
        // Out of range, `offset + side` may wrap; it is then multiplied by 0.
        let index =
            in_range.wrapping_mul(offset.wrapping_add(side)) + (1 - in_range) * 2 * self.side_len;
        (index, (bits & FRACTION_MASK) as f64 * FRACTION_SCALE)
    }

    #[inline(always)]
    fn cubic(&self, index: usize, t: f64) -> f64 {
        // `index` is at most 2 * side_len, the last cell; `min` lets the
        // compiler see that and drop the bounds check.
        let c = &self.cells[index.min(self.cells.len() - 1)];
        c[0] + t * (c[1] + t * (c[2] + t * c[3]))
    }

    /// Q(u) for one u in (0, 1).
    #[inline(always)]
    pub fn quantile(&self, u: f64, exact: impl Fn(f64) -> f64) -> f64 {
        let (index, t) = self.locate(u);
        let x = self.cubic(index, t);
        if x.is_nan() { exact(u) } else { x }
    }

    /// `out[i] = Q(us[i])`. The first pass has no branches, so it pipelines
    /// (and can vectorise); the rare values that need `exact` are fixed in a
    /// second pass.
    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64], exact: impl Fn(f64) -> f64) {
        let mut any_exact = false;
        for (o, &u) in out.iter_mut().zip(us) {
            let (index, t) = self.locate(u);
            let x = self.cubic(index, t);
            any_exact |= x.is_nan();
            *o = x;
        }
        if any_exact {
            for (o, &u) in out.iter_mut().zip(us) {
                if o.is_nan() {
                    *o = exact(u);
                }
            }
        }
    }
}
