use super::{ParamError, finite};

/// Log-uniform on [min, max]: ln x is uniform, so each decade is equally likely.
#[derive(Debug, Clone, PartialEq)]
pub struct Loguniform {
    min: f64,
    max: f64,
    log_ratio: f64,
}

impl Loguniform {
    pub fn new(min: f64, max: f64) -> Result<Self, ParamError> {
        finite("min", min)?;
        finite("max", max)?;
        if min <= 0.0 {
            return Err(ParamError::new("min", format!("must be > 0, got {min}")));
        }
        if min >= max {
            return Err(ParamError::new(
                "min",
                format!("must be < max, got min = {min}, max = {max}"),
            ));
        }
        Ok(Loguniform {
            min,
            max,
            log_ratio: (max / min).ln(),
        })
    }

    /// min (max / min)^u; clamped because rounding may step past either end.
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        (self.min * (u * self.log_ratio).exp()).clamp(self.min, self.max)
    }
}
