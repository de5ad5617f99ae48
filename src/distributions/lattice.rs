//! Shared inverse transform for the counting families (`poisson`,
//! `binomial`): the smallest whole number whose CDF reaches u.
//!
//! The CDF is read from the regularised incomplete gamma or beta function,
//! not summed term by term from 0: summing from 0 costs O(mean) per draw
//! and, for a mean above about 745, starts from exp(-mean), which underflows
//! to 0. Below one half the test is `cdf(k) >= u`; above it the equivalent
//! `sf(k) <= 1 - u` (1 - u is exact there), because the CDF rounds to 1 in
//! the far upper tail while the survival function keeps its relative
//! precision. Both functions come from statrs (accurate to about 1e-14
//! relative), so a quantile can be off by one only where the CDF of two
//! neighbouring counts straddles u within that error: probability of order
//! 1e-14 per draw.

/// The smallest k in `[lo, hi]` (whole numbers as f64) for which `reached`
/// holds; `reached` must be monotone (false, then true) and true at `hi`.
/// The search starts at `guess` (a normal approximation is usually within
/// one or two), widens by doubling steps, then bisects: a handful of CDF
/// evaluations per draw at any mean.
pub(crate) fn smallest_reaching(
    lo: f64,
    hi: f64,
    guess: f64,
    reached: impl Fn(f64) -> bool,
) -> f64 {
    let g = if guess.is_finite() {
        guess.floor().clamp(lo, hi)
    } else {
        lo
    };
    let (mut below, mut above); // !reached(below), reached(above)
    if reached(g) {
        above = g;
        let mut step = 1.0;
        loop {
            if above <= lo {
                return lo;
            }
            let cand = (above - step).max(lo);
            if reached(cand) {
                above = cand;
                step *= 2.0;
            } else {
                below = cand;
                break;
            }
        }
    } else {
        below = g;
        let mut step = 1.0;
        loop {
            let cand = (below + step).min(hi);
            if cand >= hi {
                above = hi;
                break;
            }
            if reached(cand) {
                above = cand;
                break;
            }
            below = cand;
            step *= 2.0;
        }
    }
    while above - below > 1.0 {
        let mid = ((below + above) / 2.0).floor();
        if reached(mid) {
            above = mid;
        } else {
            below = mid;
        }
    }
    above
}

/// The smallest and largest u a sampler produces (`unit_from_bits`, and the
/// clamp of the correlated path): a table of counts covers this range.
pub(crate) const U_MIN: f64 = f64::EPSILON / 2.0;
pub(crate) const U_MAX: f64 = 1.0 - f64::EPSILON / 2.0;

/// Counts tabulated beyond this many are not worth the memory: the
/// quantile is then searched per draw.
pub(crate) const MAX_TABLE: f64 = 65_536.0;

/// A table of the CDF and survival function over every count a draw can
/// reach, for distributions drawn from many times. Its answers are the
/// exact search's bit for bit: the same comparisons on the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountTable {
    first: f64,
    cdf: Vec<f64>,
    sf: Vec<f64>,
}

impl CountTable {
    /// `None` when the range `[first, last]` is too wide to tabulate.
    pub(crate) fn build(
        first: f64,
        last: f64,
        cdf: impl Fn(f64) -> f64,
        sf: impl Fn(f64) -> f64,
    ) -> Option<CountTable> {
        if !(first.is_finite() && last.is_finite()) || last - first > MAX_TABLE {
            return None;
        }
        let ks: Vec<f64> = (0..=((last - first) as usize))
            .map(|i| first + i as f64)
            .collect();
        Some(CountTable {
            first,
            cdf: ks.iter().map(|&k| cdf(k)).collect(),
            sf: ks.iter().map(|&k| sf(k)).collect(),
        })
    }

    /// The count for `u`, or `None` when `u` is outside the tabulated range.
    #[inline(always)]
    pub(crate) fn quantile(&self, u: f64) -> Option<f64> {
        if !(U_MIN..=U_MAX).contains(&u) {
            return None;
        }
        let i = if u <= 0.5 {
            self.cdf.partition_point(|&c| c < u)
        } else {
            let s = 1.0 - u;
            self.sf.partition_point(|&x| x > s)
        };
        (i < self.cdf.len()).then(|| self.first + i as f64)
    }
}
