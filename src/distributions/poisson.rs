use super::lattice::{CountTable, U_MAX, U_MIN, smallest_reaching};
use super::{ParamError, std_normal_quantile};
use statrs::function::gamma::{gamma_lr, gamma_ur};
use std::sync::Arc;

/// Poisson with `rate` (its mean): counts 0, 1, 2, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Poisson {
    rate: f64,
    table: Option<Arc<CountTable>>,
}

impl Poisson {
    pub fn new(rate: f64) -> Result<Self, ParamError> {
        // A rate of 0 is a point mass at 0: allowed, so that an expression
        // rate that reaches 0 is not an error. Above 1e15 counts are no
        // longer whole numbers in f64.
        if rate.is_finite() && (0.0..=1e15).contains(&rate) {
            Ok(Poisson { rate, table: None })
        } else {
            Err(ParamError::new(
                "rate",
                format!("must be >= 0 and at most 1e15, got {rate}"),
            ))
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// P(X <= k) = Q(k + 1, rate), the regularised upper incomplete gamma.
    pub fn cdf(&self, k: f64) -> f64 {
        if k < 0.0 {
            0.0
        } else if self.rate == 0.0 {
            1.0
        } else {
            gamma_ur(k.floor() + 1.0, self.rate)
        }
    }

    /// P(X > k) = P(k + 1, rate), the regularised lower incomplete gamma.
    pub fn sf(&self, k: f64) -> f64 {
        if k < 0.0 {
            1.0
        } else if self.rate == 0.0 {
            0.0
        } else {
            gamma_lr(k.floor() + 1.0, self.rate)
        }
    }

    pub fn with_table(mut self) -> Self {
        if self.rate > 0.0 {
            let (first, last) = (self.quantile_exact(U_MIN), self.quantile_exact(U_MAX));
            self.table =
                CountTable::build(first, last, |k| self.cdf(k), |k| self.sf(k)).map(Arc::new);
        }
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match self.table.as_ref().and_then(|t| t.quantile(u)) {
            Some(k) => k,
            None => self.quantile_exact(u),
        }
    }

    /// The smallest count whose CDF reaches `u` (see `lattice`).
    pub fn quantile_exact(&self, u: f64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        let u = u.clamp(U_MIN, U_MAX);
        // Normal approximation with the Cornish-Fisher skewness term.
        let z = std_normal_quantile(u);
        let sd = self.rate.sqrt();
        let guess = self.rate + sd * z + (z * z - 1.0) / 6.0;
        // Far beyond any reachable count: 40 sd and 1000 above the mean.
        let hi = (self.rate + 40.0 * sd + 1000.0).floor();
        if u <= 0.5 {
            smallest_reaching(0.0, hi, guess, |k| self.cdf(k) >= u)
        } else {
            let s = 1.0 - u;
            smallest_reaching(0.0, hi, guess, |k| self.sf(k) <= s)
        }
    }
}
