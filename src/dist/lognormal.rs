use super::{ParamError, Z95, finite, positive};
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

/// Lognormal: exp of a normal with mean `mu` and standard deviation `sigma`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lognormal {
    mu: f64,
    sigma: f64,
}

impl Lognormal {
    pub fn new(mu: f64, sigma: f64) -> Result<Self, ParamError> {
        finite("mu", mu)?;
        positive("sigma", sigma)?;
        Ok(Lognormal { mu, sigma })
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

    pub fn mu(&self) -> f64 {
        self.mu
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (self.mu + self.sigma * z).exp()
    }

    pub fn quantile(&self, u: f64) -> f64 {
        use statrs::distribution::ContinuousCDF;
        let z = super::normal::std_normal().inverse_cdf(u.clamp(0.0, 1.0));
        (self.mu + self.sigma * z).exp()
    }
}
