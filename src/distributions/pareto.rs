use super::{ParamError, positive};

/// Pareto (type I) with `scale` x_m and `shape` alpha: support [x_m, inf),
/// survival function (x_m / x)^alpha, mean alpha x_m / (alpha - 1) for
/// alpha > 1 (infinite otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Pareto {
    scale: f64,
    shape: f64,
}

impl Pareto {
    pub fn new(scale: f64, shape: f64) -> Result<Self, ParamError> {
        positive("scale", scale)?;
        positive("shape", shape)?;
        Ok(Pareto { scale, shape })
    }

    /// The quantile in closed form, x_m (1 - u)^(-1/alpha) = x_m exp(-ln(1 -
    /// u) / alpha): ln(1 - u) through `ln_1p` below one half and directly
    /// above it (where 1 - u is exact), so both tails keep their relative
    /// precision. No table: one `ln` and one `exp` are cheap enough. Where
    /// the quantile exceeds the largest double (a shape below about 0.05
    /// at the smallest survival probabilities, 2^-53) it is infinite.
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let ln_survival = if u <= 0.5 {
            (-u).ln_1p()
        } else {
            (1.0 - u).ln()
        };
        self.scale * (-ln_survival / self.shape).max(0.0).exp()
    }
}
