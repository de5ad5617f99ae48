use super::ParamError;
use super::lattice::{CountTable, Terms, cornish_fisher, poisson_pmf};
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

    fn terms(&self) -> Option<Terms> {
        let rate = self.rate;
        Terms::walk(
            rate.floor(),
            f64::INFINITY,
            rate.sqrt(),
            |k| poisson_pmf(k, rate),
            |k| k / rate,
            |k| rate / (k + 1.0),
        )
    }

    pub fn with_table(mut self) -> Self {
        if self.rate > 0.0 {
            self.table = self.terms().map(|t| Arc::new(CountTable::new(&t)));
        }
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.table {
            Some(t) => t.quantile(u),
            None => self.quantile_exact(u),
        }
    }

    /// The smallest count whose CDF reaches `u` (see `lattice`).
    pub fn quantile_exact(&self, u: f64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        match self.terms() {
            Some(t) => t.quantile(u),
            None => {
                let sd = self.rate.sqrt();
                cornish_fisher(u, self.rate, sd, 1.0 / sd, f64::INFINITY)
            }
        }
    }

    /// P(X <= k) from the same table, for tests.
    #[cfg(test)]
    pub fn table_cdf(&self, k: f64) -> f64 {
        self.terms()
            .map_or(f64::NAN, |t| CountTable::new(&t).cdf(k))
    }
}

impl Poisson {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::count_table(&self.table, seen)
    }
}
