use super::{ParamError, positive};
use rand::Rng;
use rand_distr::Distribution as _;
use statrs::distribution::ContinuousCDF;

/// Beta on [0, 1] with shapes `alpha` and `beta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Beta {
    alpha: f64,
    beta: f64,
    sampler: rand_distr::Beta<f64>,
}

impl Beta {
    pub fn new(alpha: f64, beta: f64) -> Result<Self, ParamError> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        let sampler = rand_distr::Beta::new(alpha, beta)
            .map_err(|e| ParamError::new("alpha", format!("rejected: {e}")))?;
        Ok(Beta {
            alpha,
            beta,
            sampler,
        })
    }

    /// The beta with the given mean and concentration (alpha + beta).
    pub fn from_mean_concentration(mean: f64, concentration: f64) -> Result<Self, ParamError> {
        if !(mean > 0.0 && mean < 1.0) {
            return Err(ParamError::new(
                "mean",
                format!("must be in (0, 1), got {mean}"),
            ));
        }
        positive("concentration", concentration)?;
        Beta::new(mean * concentration, (1.0 - mean) * concentration)
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn beta(&self) -> f64 {
        self.beta
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }

    pub fn quantile(&self, u: f64) -> f64 {
        // Parameters were validated, so construction cannot fail.
        match statrs::distribution::Beta::new(self.alpha, self.beta) {
            Ok(d) => d.inverse_cdf(u.clamp(0.0, 1.0)),
            Err(_) => f64::NAN,
        }
    }
}
