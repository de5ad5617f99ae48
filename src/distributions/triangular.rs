use super::{ParamError, finite, ordered};

/// Triangular on [min, max] with its peak at `mode`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
    /// CDF at the mode: where the quantile function changes branch.
    split: f64,
}

impl Triangular {
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        ordered(min, max)?;
        finite("mode", mode)?;
        if !(min <= mode && mode <= max) {
            return Err(ParamError::new(
                "mode",
                format!("must lie in [min, max] = [{min}, {max}], got {mode}"),
            ));
        }
        Ok(Triangular {
            min,
            mode,
            max,
            split: (mode - min) / (max - min),
        })
    }

    /// The quantile in closed form. It has no table: with both square
    /// roots computed and one selected, the loop vectorises and beats a
    /// table lookup (measured in BENCHMARKS.md).
    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        self.quantile_exact(u)
    }

    #[inline(always)]
    pub fn quantile_exact(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let range = self.max - self.min;
        // Both branches computed and one selected: cheaper than a branch
        // that random u mispredicts.
        let rising = self.min + (u * range * (self.mode - self.min)).sqrt();
        let falling = self.max - ((1.0 - u) * range * (self.max - self.mode)).sqrt();
        if u < self.split { rising } else { falling }
    }
}
