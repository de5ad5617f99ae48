use super::incomplete_beta::BetaShapes;
use super::table::QuantileTable;
use super::{ParamError, positive};
use statrs::distribution::ContinuousCDF;
use std::sync::Arc;

/// Beta on [0, 1] with shapes `alpha` and `beta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Beta {
    alpha: f64,
    beta: f64,
    /// Built by `with_table`; without it the quantile is computed exactly.
    table: Option<Arc<QuantileTable>>,
}

fn statrs_beta(alpha: f64, beta: f64) -> Result<statrs::distribution::Beta, ParamError> {
    statrs::distribution::Beta::new(alpha, beta)
        .map_err(|e| ParamError::new("alpha", format!("rejected: {e}")))
}

impl Beta {
    pub fn new(alpha: f64, beta: f64) -> Result<Self, ParamError> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        statrs_beta(alpha, beta)?;
        Ok(Beta {
            alpha,
            beta,
            table: None,
        })
    }

    /// Tabulates the quantile (about 1 ms): worth it for a fixed input drawn
    /// millions of times, not for a distribution built per sample.
    pub fn with_table(mut self) -> Self {
        if let (Some(d), Some(mirrored)) = (
            BetaShapes::new(self.alpha, self.beta),
            BetaShapes::new(self.beta, self.alpha),
        ) {
            // The upper tail through the mirrored beta keeps precision near 1.
            let table = QuantileTable::build(
                |s| d.inverse_cdf(s),
                |s| 1.0 - mirrored.inverse_cdf(s),
                |x| d.pdf(x),
            );
            self.table = Some(Arc::new(table));
        }
        self
    }

    /// The beta with the given mean and concentration (alpha + beta).
    pub fn from_mean_concentration(mean: f64, concentration: f64) -> Result<Self, ParamError> {
        if !(mean > 0.0 && mean < 1.0) {
            return Err(ParamError::new(
                "mean",
                format!("must be in (0, 1), got {mean}"),
            ));
        }
        positive("concentration", concentration)?;
        Beta::new(mean * concentration, (1.0 - mean) * concentration)
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.table {
            Some(t) => t.quantile(u, |u| self.quantile_exact(u)).clamp(0.0, 1.0),
            None => self.quantile_exact(u),
        }
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        match &self.table {
            Some(t) => {
                t.map(us, out, |u| self.quantile_exact(u));
                out.iter_mut().for_each(|x| *x = x.clamp(0.0, 1.0));
            }
            None => out
                .iter_mut()
                .zip(us)
                .for_each(|(o, &u)| *o = self.quantile_exact(u)),
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        match statrs_beta(self.alpha, self.beta) {
            Ok(d) => d.inverse_cdf(u.clamp(0.0, 1.0)),
            Err(_) => f64::NAN,
        }
    }
}

impl Beta {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::table(&self.table, seen)
    }
}
