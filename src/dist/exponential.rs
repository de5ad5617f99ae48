use super::{ParamError, positive};

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

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        -(-u.clamp(0.0, 1.0)).ln_1p() / self.rate
    }
}
