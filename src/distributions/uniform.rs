use super::{ParamError, ordered};

/// Uniform on [min, max).
#[derive(Debug, Clone, PartialEq)]
pub struct Uniform {
    min: f64,
    width: f64,
}

impl Uniform {
    pub fn new(min: f64, max: f64) -> Result<Self, ParamError> {
        ordered(min, max)?;
        Ok(Uniform {
            min,
            width: max - min,
        })
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        self.min + self.width * u
    }
}
