use super::{ParamError, positive};

/// Weibull with `shape` k and `scale` lambda: CDF 1 - exp(-(x / lambda)^k).
#[derive(Debug, Clone, PartialEq)]
pub struct Weibull {
    shape: f64,
    scale: f64,
}

impl Weibull {
    pub fn new(shape: f64, scale: f64) -> Result<Self, ParamError> {
        positive("shape", shape)?;
        positive("scale", scale)?;
        Ok(Weibull { shape, scale })
    }

    /// The quantile in closed form, lambda (-ln(1 - u))^(1/k). Below one
    /// half through `ln_1p`, above it through `ln` of 1 - u (exact there),
    /// so both tails keep their relative precision. No table: one `ln` and
    /// one `powf` are cheap enough.
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let h = if u <= 0.5 {
            -(-u).ln_1p()
        } else {
            -(1.0 - u).ln()
        };
        self.scale * h.max(0.0).powf(1.0 / self.shape)
    }
}
