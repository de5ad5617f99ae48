use super::{Beta, ParamError, finite, ordered, positive};

/// PERT: a beta rescaled to [min, max] with its mode at `mode`; `lambda`
/// (default 4) sets how strongly the mass gathers around the mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Pert {
    min: f64,
    range: f64,
    shape: Beta,
}

impl Pert {
    pub const DEFAULT_LAMBDA: f64 = 4.0;

    pub fn new(min: f64, mode: f64, max: f64, lambda: f64) -> Result<Self, ParamError> {
        ordered(min, max)?;
        finite("mode", mode)?;
        positive("lambda", lambda)?;
        if !(min <= mode && mode <= max) {
            return Err(ParamError::new(
                "mode",
                format!("must lie in [min, max] = [{min}, {max}], got {mode}"),
            ));
        }
        let range = max - min;
        let alpha = 1.0 + lambda * (mode - min) / range;
        let beta = 1.0 + lambda * (max - mode) / range;
        Ok(Pert {
            min,
            range,
            shape: Beta::new(alpha, beta)?,
        })
    }

    /// Tabulates the underlying beta's quantile.
    pub fn with_table(mut self) -> Self {
        self.shape = self.shape.with_table();
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        self.min + self.range * self.shape.quantile(u)
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        self.shape.map(us, out);
        for x in out.iter_mut() {
            *x = self.min + self.range * *x;
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        self.min + self.range * self.shape.quantile_exact(u)
    }
}

impl Pert {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        self.shape.heap_bytes(seen)
    }
}
