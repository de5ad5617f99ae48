use super::normal::{std_normal, std_normal_quantile};
use super::table::QuantileTable;
use super::{ParamError, Z95, finite, positive};
use statrs::distribution::ContinuousCDF;
use std::sync::Arc;

/// Lognormal: exp of a normal with mean `mu` and standard deviation `sigma`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lognormal {
    mu: f64,
    sigma: f64,
    /// The quantile tabulated directly, which saves an `exp` per draw;
    /// built by `with_table`.
    table: Option<Arc<QuantileTable>>,
}

impl Lognormal {
    pub fn new(mu: f64, sigma: f64) -> Result<Self, ParamError> {
        finite("mu", mu)?;
        positive("sigma", sigma)?;
        Ok(Lognormal {
            mu,
            sigma,
            table: None,
        })
    }

    /// Tabulates the quantile (about 30 microseconds).
    pub fn with_table(mut self) -> Self {
        let (mu, sigma, n) = (self.mu, self.sigma, std_normal());
        let table = QuantileTable::build(
            |s| (mu + sigma * n.inverse_cdf(s)).exp(),
            |s| (mu - sigma * n.inverse_cdf(s)).exp(),
            |x| {
                let z = (x.ln() - mu) / sigma;
                (-0.5 * z * z).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
            },
        );
        self.table = Some(Arc::new(table));
        self
    }

    /// The lognormal whose 5th and 95th percentiles are `p05` and `p95`.
    pub fn from_p05_p95(p05: f64, p95: f64) -> Result<Self, ParamError> {
        positive("p05", p05)?;
        positive("p95", p95)?;
        if p05 >= p95 {
            return Err(ParamError::new(
                "p05",
                format!("must be < p95, got p05 = {p05}, p95 = {p95}"),
            ));
        }
        let (lo, hi) = (p05.ln(), p95.ln());
        Lognormal::new((lo + hi) / 2.0, (hi - lo) / (2.0 * Z95))
    }

    /// The lognormal with the given median and 95th percentile.
    pub fn from_median_p95(median: f64, p95: f64) -> Result<Self, ParamError> {
        positive("median", median)?;
        positive("p95", p95)?;
        if median >= p95 {
            return Err(ParamError::new(
                "median",
                format!("must be < p95, got median = {median}, p95 = {p95}"),
            ));
        }
        let mu = median.ln();
        Lognormal::new(mu, (p95.ln() - mu) / Z95)
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.table {
            Some(t) => t.quantile(u, |u| self.quantile_exact(u)),
            None => (self.mu + self.sigma * std_normal_quantile(u)).exp(),
        }
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        match &self.table {
            Some(t) => t.map(us, out, |u| self.quantile_exact(u)),
            None => out
                .iter_mut()
                .zip(us)
                .for_each(|(o, &u)| *o = self.quantile(u)),
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        (self.mu + self.sigma * std_normal().inverse_cdf(u.clamp(0.0, 1.0))).exp()
    }
}

impl Lognormal {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::table(&self.table, seen)
    }
}
