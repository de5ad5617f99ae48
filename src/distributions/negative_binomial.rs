use super::lattice::{CountTable, Terms, binomial_pmf};
use super::{Gamma, ParamError};
use std::sync::Arc;

/// Negative binomial: the failures before the `r`-th success in trials of
/// success probability `p`, P(K = k) = Gamma(k + r) / (k! Gamma(r)) p^r
/// (1 - p)^k for k = 0, 1, 2, ..., with `r` > 0 any real (the Poisson-gamma
/// mixture: a Poisson whose rate is gamma of shape r and mean
/// r (1 - p) / p). Mean r (1 - p) / p, variance mean / p = mean + mean^2 / r.
#[derive(Debug, Clone, PartialEq)]
pub struct NegativeBinomial {
    r: f64,
    p: f64,
    table: Option<Arc<CountTable>>,
    /// Beyond `MAX_TABLE` counts (see `lattice`), a fixed distribution keeps
    /// its moment-matched gamma (with its quantile table) here.
    beyond: Option<Arc<Gamma>>,
}

/// The largest mean accepted: as for `poisson`, counts above 1e15 are no
/// longer whole numbers in f64.
const MAX_MEAN: f64 = 1e15;

impl NegativeBinomial {
    pub fn new(r: f64, p: f64) -> Result<Self, ParamError> {
        if !(r.is_finite() && r > 0.0) {
            return Err(ParamError::new("r", format!("must be > 0, got {r}")));
        }
        if !(p > 0.0 && p <= 1.0) {
            return Err(ParamError::new("p", format!("must be in (0, 1], got {p}")));
        }
        let mean = r * (1.0 - p) / p;
        if mean > MAX_MEAN {
            return Err(ParamError::new(
                "p",
                format!("gives a mean r (1 - p) / p of {mean:e}, above 1e15 (r = {r}, p = {p})"),
            ));
        }
        Ok(NegativeBinomial {
            r,
            p,
            table: None,
            beyond: None,
        })
    }

    /// The analysts' form: `mean` >= 0 and `r` (R's `size`, the gamma's
    /// shape), so that the variance is mean + mean^2 / r; p = r / (r + mean).
    pub fn from_mean_r(mean: f64, r: f64) -> Result<Self, ParamError> {
        if !(mean.is_finite() && (0.0..=MAX_MEAN).contains(&mean)) {
            return Err(ParamError::new(
                "mean",
                format!("must be >= 0 and at most 1e15, got {mean}"),
            ));
        }
        if !(r.is_finite() && r > 0.0) {
            return Err(ParamError::new("r", format!("must be > 0, got {r}")));
        }
        // mean <= 1e15 and r > 0: p > 0 unless r is below 1e-293 or so.
        let p = r / (r + mean);
        if p <= 0.0 {
            return Err(ParamError::new(
                "r",
                format!("is too small for a mean of {mean}: got {r}"),
            ));
        }
        NegativeBinomial::new(r, p)
    }

    fn mean(&self) -> f64 {
        self.r * (1.0 - self.p) / self.p
    }

    fn sd(&self) -> f64 {
        (self.r * (1.0 - self.p)).sqrt() / self.p
    }

    /// The counts whose probabilities are summed. The walk's size check
    /// allows 40 standard deviations; a small `r` has a geometric tail of
    /// ratio 1 - p far longer than that (the terms fall to 1e-22 of the
    /// largest after about 51 / -ln(1 - p) counts), so the spread given to
    /// it covers both.
    fn terms(&self) -> Option<Terms> {
        let (r, p) = (self.r, self.p);
        let q = 1.0 - p;
        let mode = if r > 1.0 {
            ((r - 1.0) * q / p).floor()
        } else {
            0.0
        };
        let spread = self.sd() + 51.0 / -(-p).ln_1p() / 40.0;
        Terms::walk(
            mode,
            f64::INFINITY,
            spread,
            |k| negative_binomial_pmf(k, r, p),
            |k| k / ((k - 1.0 + r) * q),
            |k| (k + r) * q / (k + 1.0),
        )
    }

    /// The gamma with the count's mean and variance (shape mean^2 / var,
    /// scale var / mean): what the quantile follows beyond the table.
    fn matched_gamma(&self) -> Option<Gamma> {
        let (mean, var) = (self.mean(), self.sd().powi(2));
        Gamma::new(mean * mean / var, var / mean).ok()
    }

    pub fn with_table(mut self) -> Self {
        if self.p < 1.0 {
            self.table = self.terms().map(|t| Arc::new(CountTable::new(&t)));
            if self.table.is_none() {
                self.beyond = self.matched_gamma().map(|g| Arc::new(g.with_table()));
            }
        }
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match (&self.table, &self.beyond) {
            (Some(t), _) => t.quantile(u),
            (None, Some(g)) => continuity(g.quantile(u)),
            (None, None) => self.quantile_exact(u),
        }
    }

    /// The smallest count whose CDF reaches `u` (see `lattice`); beyond the
    /// table, the continuity-corrected quantile of the moment-matched gamma.
    pub fn quantile_exact(&self, u: f64) -> f64 {
        if self.p == 1.0 {
            return 0.0;
        }
        match self.terms() {
            Some(t) => t.quantile(u),
            None => self
                .matched_gamma()
                .map_or(f64::NAN, |g| continuity(g.quantile_exact(u))),
        }
    }

    /// The table the quantile is read from (None beyond `MAX_TABLE`), for
    /// tests: its `cdf(k)` is P(X <= k).
    #[cfg(test)]
    pub(crate) fn count_table(&self) -> Option<CountTable> {
        self.terms().map(|t| CountTable::new(&t))
    }
}

/// The count nearest a continuous quantile (the continuity correction).
fn continuity(x: f64) -> f64 {
    (x - 0.5).ceil().max(0.0)
}

/// P(K = k) for a negative binomial of `r` > 0 and `p` in (0, 1), by the
/// binomial saddle-point formula as R's dnbinom computes it: r / (r + k)
/// times the probability of r successes in r + k trials (trials need not
/// be whole there).
pub(crate) fn negative_binomial_pmf(k: f64, r: f64, p: f64) -> f64 {
    r / (r + k) * binomial_pmf(r, r + k, p)
}

impl NegativeBinomial {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::count_table(&self.table, seen)
            + self.beyond.as_ref().map_or(0, |g| g.heap_bytes(seen))
    }
}
