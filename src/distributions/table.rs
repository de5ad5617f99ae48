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
/// `SHIFT` as the vector shift intrinsics take it.
#[cfg(target_arch = "x86_64")]
const SHIFT_I32: i32 = SHIFT as i32;
// `map_avx2` finds a cell with a 32-bit unsigned min on 64-bit lanes,
// which needs every key (`bits >> SHIFT`) to fit in 32 bits.
const _: () = assert!(SHIFT >= 32);
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
    /// cells for s = u and an `EXACT` cell, then the same for s = 1 - u.
    /// One array, so the side is chosen by arithmetic rather than by an
    /// unpredictable branch; each side's `EXACT` cell past its end is where
    /// every s out of its range lands, so that finding a cell is a `min`.
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
        all.push(EXACT);
        all.extend(side(&upper, -1.0));
        all.push(EXACT);
        QuantileTable {
            base,
            side_len: cells,
            cells: all,
        }
    }

    /// The cell index for u: branch-free, always in bounds (out-of-range u,
    /// including NaN, gets its side's `EXACT` cell), and the position t in
    /// [0, 1) within the cell.
    #[inline(always)]
    fn locate(&self, u: f64) -> (usize, f64) {
        // min and arithmetic rather than `if`: the compiler turned the
        // obvious form into a branch that random u mispredicts half the time.
        let s = u.min(1.0 - u);
        let side = usize::from(u > 0.5) * (self.side_len + 1);
        let bits = s.to_bits();
        // s below the table, zero, negative or NaN: the offset wraps or is
        // past the side, and `min` sends it to the side's `EXACT` cell.
        let offset = ((bits >> SHIFT).wrapping_sub(self.base) as usize).min(self.side_len);
        (
            offset + side,
            (bits & FRACTION_MASK) as f64 * FRACTION_SCALE,
        )
    }

    #[inline(always)]
    fn cubic(&self, index: usize, t: f64) -> f64 {
        // `index` is at most 2 * side_len + 1, the last cell; `min` lets the
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
    /// (and, with AVX2, runs four lookups at a time); the rare values that
    /// need `exact` are fixed in a second pass.
    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64], exact: impl Fn(f64) -> f64) {
        let n = us.len().min(out.len());
        #[cfg(target_arch = "x86_64")]
        let (mut any_exact, done) = if crate::simd::wide_available() {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.map_avx2(&us[..n], &mut out[..n]) }
        } else {
            (false, 0)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let (mut any_exact, done) = (false, 0);
        any_exact |= self.map_portable(&us[done..n], &mut out[done..n]);
        if any_exact {
            for (o, &u) in out.iter_mut().zip(us) {
                if o.is_nan() {
                    *o = exact(u);
                }
            }
        }
    }

    /// The first pass of `map`, one value at a time; true if a value needs
    /// the exact quantile.
    #[inline(always)]
    fn map_portable(&self, us: &[f64], out: &mut [f64]) -> bool {
        let mut any_exact = false;
        for (o, &u) in out.iter_mut().zip(us) {
            let (index, t) = self.locate(u);
            let x = self.cubic(index, t);
            any_exact |= x.is_nan();
            *o = x;
        }
        any_exact
    }

    /// The first pass of `map` four values at a time, for the whole groups
    /// of four: the same operations as `locate` and `cubic` in the same
    /// order (no fused multiply-add), so the same bits. Each lane's cell is
    /// one 32-byte load and the four are transposed, which is cheaper than
    /// four gathers. Returns whether a value needs the exact quantile and
    /// how many values were done.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn map_avx2(&self, us: &[f64], out: &mut [f64]) -> (bool, usize) {
        use std::arch::x86_64::*;
        let groups = us.len() / 4;
        let side_len = self.side_len as i64;
        let one = _mm256_set1_pd(1.0);
        let half = _mm256_set1_pd(0.5);
        let base = _mm256_set1_epi64x(self.base as i64);
        let side_len_v = _mm256_set1_epi64x(side_len);
        let upper_side = _mm256_set1_epi64x(side_len + 1);
        let mask = _mm256_set1_epi64x(FRACTION_MASK as i64);
        // 2^52, whose bits are also the exponent field of 2^52.
        let two52 = _mm256_set1_pd(4_503_599_627_370_496.0);
        let scale = _mm256_set1_pd(FRACTION_SCALE);
        let mut nan = _mm256_setzero_pd();
        let cells = self.cells.as_ptr();
        for g in 0..groups {
            // SAFETY: g * 4 + 3 < us.len() = out.len() (callers pass equal lengths).
            let u = unsafe { _mm256_loadu_pd(us.as_ptr().add(g * 4)) };
            // s = min(u, 1 - u): vminpd returns its second operand when either
            // is NaN, which is NaN here whenever u is: as f64::min gives.
            let s = _mm256_min_pd(u, _mm256_sub_pd(one, u));
            let side = _mm256_and_si256(
                _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_GT_OQ>(u, half)),
                upper_side,
            );
            let bits = _mm256_castpd_si256(s);
            // As `locate`: the offset, at most side_len. AVX2 has no 64-bit
            // unsigned min, but a 32-bit one does: `bits >> SHIFT` is below
            // 2^17, so the offset is either in [0, 2^17) (high half zero)
            // or wrapped from [-2^17, 0) (high half all ones, low half at
            // least 2^32 - 2^17). Against side_len (high half zero, low
            // half below 2^17) each half's min then gives the 64-bit min.
            let offset = _mm256_min_epu32(
                _mm256_sub_epi64(_mm256_srli_epi64::<SHIFT_I32>(bits), base),
                side_len_v,
            );
            // In bytes (a cell is 32), shifted four at a time here rather
            // than one by one in the address arithmetic below.
            let index = _mm256_slli_epi64::<5>(_mm256_add_epi64(offset, side));
            // The fraction is below 2^47: exact through the exponent of 2^52.
            let fraction = _mm256_sub_pd(
                _mm256_or_pd(_mm256_castsi256_pd(_mm256_and_si256(bits, mask)), two52),
                two52,
            );
            let t = _mm256_mul_pd(fraction, scale);
            let mut lanes = [0i64; 4];
            // SAFETY: 4 i64 = 32 writable bytes.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), index) };
            // SAFETY: every lane is a byte offset of at most (2 * side_len +
            // 1) * 32, the last cell's (`cells` has 2 * side_len + 2 cells of
            // 32 bytes).
            let [r0, r1, r2, r3] = lanes.map(|i| unsafe {
                _mm256_loadu_pd(cells.cast::<u8>().add(i as usize).cast::<f64>())
            });
            let (t0, t1) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
            let c0 = _mm256_permute2f128_pd::<0x20>(t0, t2);
            let c1 = _mm256_permute2f128_pd::<0x20>(t1, t3);
            let c2 = _mm256_permute2f128_pd::<0x31>(t0, t2);
            let c3 = _mm256_permute2f128_pd::<0x31>(t1, t3);
            // c0 + t (c1 + t (c2 + t c3)), as `cubic`.
            let x = _mm256_add_pd(
                c0,
                _mm256_mul_pd(
                    t,
                    _mm256_add_pd(
                        c1,
                        _mm256_mul_pd(t, _mm256_add_pd(c2, _mm256_mul_pd(t, c3))),
                    ),
                ),
            );
            nan = _mm256_or_pd(nan, _mm256_cmp_pd::<_CMP_UNORD_Q>(x, x));
            // SAFETY: as the load above.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(g * 4), x) };
        }
        (_mm256_movemask_pd(nan) != 0, groups * 4)
    }
}

impl QuantileTable {
    /// The bytes of its cells.
    pub(crate) fn heap_bytes(&self) -> u64 {
        super::heap::vec_bytes(&self.cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 lookup gives the portable one's bits, edges included.
    #[test]
    fn the_vector_lookup_gives_the_portable_bits() {
        let table = QuantileTable::build(|s| -(-s).ln_1p(), |s| -s.ln(), |x| (-x).exp());
        let mut us: Vec<f64> = (0..20_000).map(|i| (i as f64 + 0.5) / 20_000.0).collect();
        us.extend([
            0.0,
            -0.0,
            1.0,
            0.5,
            0.5 + f64::EPSILON / 2.0,
            f64::EPSILON / 2.0,
            1.0 - f64::EPSILON / 2.0,
            1e-12,
            1e-13,
            1.0 - 1e-12,
            5e-324,
            f64::MIN_POSITIVE,
            -0.25,
            1.25,
            2.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]);
        let mut k = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            k = k.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            us.push(f64::from_bits(k));
            us.push((k >> 11) as f64 / (1u64 << 53) as f64);
        }
        for len in [us.len(), us.len() - 1, 7, 3] {
            let mut wide = vec![0.0; len];
            table.map(&us[..len], &mut wide, |_| 42.0);
            let mut portable = vec![0.0; len];
            table.map_portable(&us[..len], &mut portable);
            for (i, (w, p)) in wide.iter().zip(&portable).enumerate() {
                let p = if p.is_nan() { 42.0 } else { *p };
                assert_eq!(w.to_bits(), p.to_bits(), "u = {:e}", us[i]);
            }
        }
    }
}
