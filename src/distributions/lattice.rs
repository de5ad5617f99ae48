//! Shared inverse transform for the counting families (`poisson`,
//! `binomial`): the smallest whole number whose CDF reaches u.
//!
//! The probabilities come from Loader's saddle-point formulas ("Fast and
//! accurate computation of binomial probabilities", 2000; the method of R's
//! dbinom and dpois): each term to about 1e-15 relative, at any mean, with
//! no exp(-mean) that underflows above a mean of 745 and no subtraction of
//! huge log-factorials. statrs' regularised incomplete beta, the obvious
//! CDF, is off by 1e-3 for a binomial of a million trials (measured, and
//! not even monotone there), so it is not used.
//!
//! The CDF is summed from the bottom and the survival function from the
//! top over every count with non-negligible probability, then both are
//! divided by their total: the lower tail keeps its relative precision for
//! u below one half, the upper tail for u above (where 1 - u is exact).
//! That table is the quantile; a distribution drawn from many times keeps
//! it, a per-sample one (expression parameters) scans the same sums once
//! per draw (`Terms::quantile`), at a cost proportional to its standard
//! deviation.
//!
//! Beyond `MAX_TABLE` counts (a standard deviation above about 1,600) the
//! quantile is the Cornish-Fisher approximation with continuity correction
//! instead: it can be one count off near a boundary between two counts,
//! that is, by less than 1/1600 of a standard deviation.

use super::std_normal_quantile;

/// The smallest and largest u a sampler produces (`unit_from_bits`, and the
/// clamp of the correlated path).
pub(crate) const U_MIN: f64 = f64::EPSILON / 2.0;
pub(crate) const U_MAX: f64 = 1.0 - f64::EPSILON / 2.0;

/// The most counts tabulated (see the module comment).
pub(crate) const MAX_TABLE: f64 = 65_536.0;

/// A term below this fraction of the largest is where the table stops: the
/// tail beyond it (log-concave, so decaying at least geometrically) holds
/// far less than the smallest u, 1.1e-16.
const NEGLIGIBLE: f64 = 1e-22;

/// ln(n!) - ln(sqrt(2 pi n) (n / e)^n), Stirling's error, for whole n >= 1:
/// directly for small n, by its asymptotic series otherwise (R's stirlerr).
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        // ln_gamma(n + 1) <= 28 here: the cancellation costs under 1e-14.
        return statrs::function::gamma::ln_gamma(n + 1.0) - (n + 0.5) * n.ln() + n
            - 0.5 * (2.0 * std::f64::consts::PI).ln();
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x / m) + m - x, without cancellation when x is near m (R's bd0).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = s + ej / (2 * j + 1) as f64;
            if next == s {
                return next;
            }
            s = next;
        }
        s
    } else {
        x * (x / m).ln() + m - x
    }
}

/// P(X = k) for a Poisson of mean `rate` > 0 (R's dpois_raw).
pub(crate) fn poisson_pmf(k: f64, rate: f64) -> f64 {
    if k == 0.0 {
        return (-rate).exp();
    }
    let tau = 2.0 * std::f64::consts::PI;
    (-stirlerr(k) - bd0(k, rate)).exp() / (tau * k).sqrt()
}

/// P(X = k) for a binomial of n trials of probability p in (0, 1) (R's dbinom_raw).
pub(crate) fn binomial_pmf(k: f64, n: f64, p: f64) -> f64 {
    let q = 1.0 - p;
    if k == 0.0 {
        let lc = if p < 0.1 {
            -bd0(n, n * q) - n * p
        } else {
            n * q.ln()
        };
        return lc.exp();
    }
    if k == n {
        let lc = if q < 0.1 {
            -bd0(n, n * p) - n * q
        } else {
            n * p.ln()
        };
        return lc.exp();
    }
    let lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) - bd0(n - k, n * q);
    let lf = (2.0 * std::f64::consts::PI).ln() + k.ln() + (-k / n).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// The probabilities of every count that can be drawn, from `first` on.
pub(crate) struct Terms {
    first: f64,
    terms: Vec<f64>,
    total: f64,
}

impl Terms {
    /// The terms of `pmf` around `mode` (within `[0, last]`), or `None`
    /// when the counts that matter span more than `MAX_TABLE`; `sd` decides
    /// that before anything is computed. Terms between exact evaluations of
    /// `pmf` (every `EXACT_EVERY` counts) come from the ratio of successive
    /// terms, `down(k)` = pmf(k - 1) / pmf(k) and `up(k)` = pmf(k + 1) /
    /// pmf(k): a few flops each, with a relative error that cannot grow
    /// beyond 32 roundings before the next exact term.
    pub(crate) fn walk(
        mode: f64,
        last: f64,
        sd: f64,
        pmf: impl Fn(f64) -> f64,
        down: impl Fn(f64) -> f64,
        up: impl Fn(f64) -> f64,
    ) -> Option<Self> {
        const EXACT_EVERY: usize = 32;
        // NaN (an invalid sd) lands here too.
        if 40.0 * sd + 40.0 > MAX_TABLE || sd.is_nan() {
            return None;
        }
        let peak = pmf(mode);
        let mut below = Vec::new();
        let (mut k, mut p) = (mode, peak);
        while k >= 1.0 {
            p = if (below.len() + 1) % EXACT_EVERY == 0 {
                pmf(k - 1.0)
            } else {
                p * down(k)
            };
            k -= 1.0;
            if p.is_nan() || p < NEGLIGIBLE * peak {
                break;
            }
            below.push(p);
        }
        let first = mode - below.len() as f64;
        let mut terms = below;
        terms.reverse();
        terms.push(peak);
        let (mut k, mut p, mut steps) = (mode, peak, 0usize);
        while k + 1.0 <= last {
            steps += 1;
            p = if steps % EXACT_EVERY == 0 {
                pmf(k + 1.0)
            } else {
                p * up(k)
            };
            k += 1.0;
            if p.is_nan() || p < NEGLIGIBLE * peak {
                break;
            }
            terms.push(p);
        }
        let total = terms.iter().sum();
        Some(Terms {
            first,
            terms,
            total,
        })
    }

    /// The smallest count whose CDF reaches `u`, by one scan: what a
    /// per-sample distribution needs, with no table to allocate. The sums
    /// are the table's, term for term in the same order, so the answer is
    /// `CountTable::quantile`'s bit for bit.
    pub(crate) fn quantile(&self, u: f64) -> f64 {
        let n = self.terms.len();
        let i = if u <= 0.5 {
            let mut acc = 0.0;
            self.terms
                .iter()
                .position(|p| {
                    acc += p;
                    acc / self.total >= u
                })
                .unwrap_or(n)
        } else {
            let s = 1.0 - u;
            let mut acc = 0.0;
            let mut answer = 0;
            for i in (0..n).rev() {
                if acc / self.total > s {
                    answer = i + 1;
                    break;
                }
                acc += self.terms[i];
            }
            answer
        };
        self.first + i.min(n - 1) as f64
    }
}

/// The CDF and survival function over every count that can be drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountTable {
    first: f64,
    cdf: Vec<f64>,
    sf: Vec<f64>,
}

impl CountTable {
    pub(crate) fn new(t: &Terms) -> Self {
        let mut cdf = Vec::with_capacity(t.terms.len());
        let mut acc = 0.0;
        for p in &t.terms {
            acc += p;
            cdf.push(acc / t.total);
        }
        let mut sf = vec![0.0; t.terms.len()];
        let mut acc = 0.0;
        for i in (0..t.terms.len()).rev() {
            sf[i] = acc / t.total;
            acc += t.terms[i];
        }
        CountTable {
            first: t.first,
            cdf,
            sf,
        }
    }

    /// The smallest count whose CDF reaches `u`.
    #[inline(always)]
    pub(crate) fn quantile(&self, u: f64) -> f64 {
        let i = if u <= 0.5 {
            self.cdf.partition_point(|&c| c < u)
        } else {
            let s = 1.0 - u;
            self.sf.partition_point(|&x| x > s)
        };
        self.first + i.min(self.cdf.len() - 1) as f64
    }

    /// P(X <= k), for tests.
    #[cfg(test)]
    pub(crate) fn cdf(&self, k: f64) -> f64 {
        if k < self.first {
            0.0
        } else {
            let i = (k - self.first) as usize;
            self.cdf.get(i).copied().unwrap_or(1.0)
        }
    }
}

/// The Cornish-Fisher quantile of a count with this mean, standard
/// deviation and skewness, continuity-corrected, within `[0, last]`.
pub(crate) fn cornish_fisher(u: f64, mean: f64, sd: f64, skew: f64, last: f64) -> f64 {
    let z = std_normal_quantile(u.clamp(U_MIN, U_MAX));
    let x = mean + sd * (z + skew * (z * z - 1.0) / 6.0);
    (x - 0.5).ceil().clamp(0.0, last)
}

impl CountTable {
    /// The bytes of its CDF and survival function.
    pub(crate) fn heap_bytes(&self) -> u64 {
        super::heap::vec_bytes(&self.cdf) + super::heap::vec_bytes(&self.sf)
    }
}
