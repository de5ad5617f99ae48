use super::ParamError;
use super::lattice::{CountTable, Terms, binomial_pmf, cornish_fisher};
use std::sync::Arc;

/// Binomial: successes in `n` independent trials of probability `p`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binomial {
    n: f64,
    p: f64,
    table: Option<Arc<CountTable>>,
}

impl Binomial {
    pub fn new(n: f64, p: f64) -> Result<Self, ParamError> {
        // Whole numbers are exact in f64 up to 2^53; 1e15 leaves room.
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 1e15) {
            return Err(ParamError::new(
                "n",
                format!("must be a whole number >= 0 (at most 1e15), got {n}"),
            ));
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(ParamError::new("p", format!("must be in [0, 1], got {p}")));
        }
        Ok(Binomial { n, p, table: None })
    }

    /// Degenerate cases: every trial fails, or every trial succeeds.
    fn point_mass(&self) -> Option<f64> {
        if self.n == 0.0 || self.p == 0.0 {
            Some(0.0)
        } else if self.p == 1.0 {
            Some(self.n)
        } else {
            None
        }
    }

    fn sd(&self) -> f64 {
        (self.n * self.p * (1.0 - self.p)).sqrt()
    }

    fn terms(&self) -> Option<Terms> {
        let (n, p) = (self.n, self.p);
        let mode = ((n + 1.0) * p).floor().min(n);
        let odds = p / (1.0 - p);
        Terms::walk(
            mode,
            n,
            self.sd(),
            |k| binomial_pmf(k, n, p),
            |k| k / ((n - k + 1.0) * odds),
            |k| (n - k) * odds / (k + 1.0),
        )
    }

    pub fn with_table(mut self) -> Self {
        if self.point_mass().is_none() {
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
        if let Some(m) = self.point_mass() {
            return m;
        }
        match self.terms() {
            Some(t) => t.quantile(u),
            None => {
                let sd = self.sd();
                let skew = (1.0 - 2.0 * self.p) / sd;
                cornish_fisher(u, self.n * self.p, sd, skew, self.n)
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

impl Binomial {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::count_table(&self.table, seen)
    }
}
