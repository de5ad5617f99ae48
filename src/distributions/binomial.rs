use super::lattice::{CountTable, U_MAX, U_MIN, smallest_reaching};
use super::{ParamError, std_normal_quantile};
use statrs::function::beta::beta_reg;
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

    /// P(X <= k) = I_{1-p}(n - k, k + 1).
    pub fn cdf(&self, k: f64) -> f64 {
        let k = k.floor();
        if k < 0.0 {
            0.0
        } else if k >= self.n {
            1.0
        } else if let Some(m) = self.point_mass() {
            if k >= m { 1.0 } else { 0.0 }
        } else {
            beta_reg(self.n - k, k + 1.0, 1.0 - self.p)
        }
    }

    /// P(X > k) = I_p(k + 1, n - k).
    pub fn sf(&self, k: f64) -> f64 {
        let k = k.floor();
        if k < 0.0 {
            1.0
        } else if k >= self.n {
            0.0
        } else if let Some(m) = self.point_mass() {
            if k >= m { 0.0 } else { 1.0 }
        } else {
            beta_reg(k + 1.0, self.n - k, self.p)
        }
    }

    pub fn with_table(mut self) -> Self {
        if self.point_mass().is_none() {
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
        if let Some(m) = self.point_mass() {
            return m;
        }
        let u = u.clamp(U_MIN, U_MAX);
        let mean = self.n * self.p;
        let sd = (mean * (1.0 - self.p)).sqrt();
        let z = std_normal_quantile(u);
        let guess = mean + sd * z + (1.0 - 2.0 * self.p) * (z * z - 1.0) / 6.0;
        if u <= 0.5 {
            smallest_reaching(0.0, self.n, guess, |k| self.cdf(k) >= u)
        } else {
            let s = 1.0 - u;
            smallest_reaching(0.0, self.n, guess, |k| self.sf(k) <= s)
        }
    }
}
