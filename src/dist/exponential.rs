use super::{ParamError, positive};
use rand::Rng;
use rand_distr::{Distribution as _, Exp1};

/// Exponential with `rate` lambda (mean 1 / lambda).
#[derive(Debug, Clone, PartialEq)]
pub struct Exponential {
    rate: f64,
}

impl Exponential {
    pub fn new(rate: f64) -> Result<Self, ParamError> {
        positive("rate", rate)?;
        Ok(Exponential { rate })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        e / self.rate
    }

    pub fn quantile(&self, u: f64) -> f64 {
        -(-u.clamp(0.0, 1.0)).ln_1p() / self.rate
    }
}
