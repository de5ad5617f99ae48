use super::table::QuantileTable;
use super::{ParamError, positive};
use statrs::distribution::{Continuous, ContinuousCDF};
use std::sync::Arc;

/// Gamma with `shape` k and `scale` theta (mean k * theta).
#[derive(Debug, Clone, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    /// Built by `with_table`; without it the quantile is computed exactly.
    table: Option<Arc<QuantileTable>>,
}

/// statrs parameterises by rate = 1 / scale.
fn statrs_gamma(shape: f64, scale: f64) -> Option<statrs::distribution::Gamma> {
    statrs::distribution::Gamma::new(shape, 1.0 / scale).ok()
}

/// The exact quantile: statrs brackets and bisects to about 1e-8 in u;
/// Newton steps in log x (which keep x positive) polish that to near
/// machine precision.
fn exact_quantile(d: &statrs::distribution::Gamma, u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
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

/// Q(1 - s) for small s, by Newton on the survival function, which keeps
/// its relative precision where the CDF is within rounding of 1.
fn exact_upper_quantile(d: &statrs::distribution::Gamma, s: f64) -> f64 {
    let mut x = d.inverse_cdf((1.0 - s).clamp(0.0, 1.0));
    for _ in 0..8 {
        if !(x > 0.0 && x.is_finite()) {
            break;
        }
        let density = d.pdf(x);
        if density <= 0.0 {
            break;
        }
        let step = (d.sf(x) - s) / (x * density);
        x *= step.clamp(-1.0, 1.0).exp();
        if step.abs() < 1e-15 {
            break;
        }
    }
    x
}

impl Gamma {
    pub fn new(shape: f64, scale: f64) -> Result<Self, ParamError> {
        positive("shape", shape)?;
        positive("scale", scale)?;
        statrs_gamma(shape, scale).ok_or_else(|| ParamError::new("shape", "rejected by statrs"))?;
        Ok(Gamma {
            shape,
            scale,
            table: None,
        })
    }

    /// Tabulates the quantile, as `Beta::with_table`.
    pub fn with_table(mut self) -> Self {
        if let Some(d) = statrs_gamma(self.shape, self.scale) {
            let table = QuantileTable::build(
                |s| exact_quantile(&d, s),
                |s| exact_upper_quantile(&d, s),
                |x| d.pdf(x),
            );
            self.table = Some(Arc::new(table));
        }
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.table {
            Some(t) => t.quantile(u, |u| self.quantile_exact(u)).max(0.0),
            None => self.quantile_exact(u),
        }
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        match &self.table {
            Some(t) => {
                t.map(us, out, |u| self.quantile_exact(u));
                out.iter_mut().for_each(|x| *x = x.max(0.0));
            }
            None => out
                .iter_mut()
                .zip(us)
                .for_each(|(o, &u)| *o = self.quantile_exact(u)),
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        match statrs_gamma(self.shape, self.scale) {
            Some(d) if u > 0.5 => exact_upper_quantile(&d, 1.0 - u),
            Some(d) => exact_quantile(&d, u),
            None => f64::NAN,
        }
    }
}

impl Gamma {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::table(&self.table, seen)
    }
}
