use super::table::QuantileTable;
use super::{ParamError, positive};
use std::sync::Arc;

/// Exponential with `rate` lambda (mean 1 / lambda).
#[derive(Debug, Clone, PartialEq)]
pub struct Exponential {
    rate: f64,
    /// Built by `with_table`: a table cell costs less than `ln_1p`.
    table: Option<Arc<QuantileTable>>,
}

impl Exponential {
    pub fn new(rate: f64) -> Result<Self, ParamError> {
        positive("rate", rate)?;
        Ok(Exponential { rate, table: None })
    }

    pub fn with_table(mut self) -> Self {
        let rate = self.rate;
        let table = QuantileTable::build(
            |s| -(-s).ln_1p() / rate,
            |s| -s.ln() / rate,
            |x| rate * (-rate * x).exp(),
        );
        self.table = Some(Arc::new(table));
        self
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.table {
            Some(t) => t.quantile(u, |u| self.quantile_exact(u)),
            None => self.quantile_exact(u),
        }
    }

    #[inline(always)]
    pub fn map(&self, us: &[f64], out: &mut [f64]) {
        match &self.table {
            Some(t) => t.map(us, out, |u| self.quantile_exact(u)),
            None => out
                .iter_mut()
                .zip(us)
                .for_each(|(o, &u)| *o = self.quantile_exact(u)),
        }
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        -(-u.clamp(0.0, 1.0)).ln_1p() / self.rate
    }
}

impl Exponential {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        super::heap::table(&self.table, seen)
    }
}
