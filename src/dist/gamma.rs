use super::{ParamError, positive};
use rand::Rng;
use rand_distr::Distribution as _;
use statrs::distribution::ContinuousCDF;

/// Gamma with `shape` k and `scale` theta (mean k * theta).
#[derive(Debug, Clone, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    sampler: rand_distr::Gamma<f64>,
}

impl Gamma {
    pub fn new(shape: f64, scale: f64) -> Result<Self, ParamError> {
        positive("shape", shape)?;
        positive("scale", scale)?;
        let sampler = rand_distr::Gamma::new(shape, scale)
            .map_err(|e| ParamError::new("shape", format!("rejected: {e}")))?;
        Ok(Gamma {
            shape,
            scale,
            sampler,
        })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }

    pub fn quantile(&self, u: f64) -> f64 {
        // statrs parameterises by rate = 1 / scale.
        use statrs::distribution::Continuous;
        let u = u.clamp(0.0, 1.0);
        let Ok(d) = statrs::distribution::Gamma::new(self.shape, 1.0 / self.scale) else {
            return f64::NAN;
        };
        // statrs brackets and bisects to about 1e-8 in u; Newton steps in log x
        // (which keep x positive) polish that to near machine precision.
        let mut x = d.inverse_cdf(u);
        for _ in 0..4 {
            if !(x > 0.0 && x.is_finite()) {
                break;
            }
            let density = d.pdf(x);
            if density <= 0.0 {
                break;
            }
            let step = (d.cdf(x) - u) / (x * density);
            x *= (-step.clamp(-1.0, 1.0)).exp();
        }
        x
    }
}
