//! `horizon.csv` (or `horizon.parquet`) of a stepped model (language 1.2):
//! each event's `by_step`, `at_step` and `hazard`, each output's `mean`,
//! `p05`, `p50` and `p95`, at every step.

use super::RunResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub struct HorizonCsv;

pub const FILE_NAME: &str = "horizon.csv";
pub const PARQUET_NAME: &str = "horizon.parquet";

/// The columns, in order; README documents each.
pub const COLUMNS: [(&str, Kind); 8] = [
    ("model", Kind::Text),
    ("quantity", Kind::Text),
    ("step", Kind::Int),
    ("measure", Kind::Text),
    ("value", Kind::Float),
    ("ci_low", Kind::Float),
    ("ci_high", Kind::Float),
    ("confidence", Kind::Float),
];

impl Tabular<RunResults> for HorizonCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, results: &RunResults) -> Result<Table> {
        let mut t = Table::new(COLUMNS.to_vec());
        for row in results.horizon.iter().flatten() {
            t.push(vec![
                Cell::from(results.model_name.as_str()),
                row.quantity.clone().into(),
                u64::from(row.step).into(),
                row.measure.into(),
                row.value.into(),
                row.ci_low.into(),
                row.ci_high.into(),
                results.summary.confidence.into(),
            ]);
        }
        Ok(t)
    }
}
