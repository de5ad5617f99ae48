use super::ParamError;

/// Bernoulli: 1.0 with probability `p`, else 0.0.
#[derive(Debug, Clone, PartialEq)]
pub struct Bernoulli {
    p: f64,
}

impl Bernoulli {
    pub fn new(p: f64) -> Result<Self, ParamError> {
        if (0.0..=1.0).contains(&p) {
            Ok(Bernoulli { p })
        } else {
            Err(ParamError::new("p", format!("must be in [0, 1], got {p}")))
        }
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    /// The (monotone) quantile: 1 on the top `p` of [0, 1). Sampling uses it
    /// too, so plain Monte Carlo and the uniform-driven designs agree.
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        quantile_with_p(self.p, u)
    }
}

/// The Bernoulli quantile for a per-sample `p`; NaN when `p` is outside [0, 1]
/// so that a bad expression shows up as a non-finite value, not a silent 0.
#[inline]
pub fn quantile_with_p(p: f64, u: f64) -> f64 {
    if (0.0..=1.0).contains(&p) {
        if u >= 1.0 - p { 1.0 } else { 0.0 }
    } else {
        f64::NAN
    }
}
