//! `compare_horizon.csv` (or `compare_horizon.parquet`) of stepped models
//! with the same steps (language 1.2): each model's events `by_step` and
//! outputs' `mean` at every step, with the paired difference from the base.

use super::CompareResults;
use crate::error::Result;
use crate::output::format::tabular::{Kind, Table, Tabular};
use crate::stats::paired::Estimate;

pub struct CompareHorizonCsv;

pub const FILE_NAME: &str = "compare_horizon.csv";
pub const PARQUET_NAME: &str = "compare_horizon.parquet";

/// The columns, in order; README documents each.
pub const COLUMNS: [(&str, Kind); 10] = [
    ("model", Kind::Text),
    ("base_model", Kind::Text),
    ("quantity", Kind::Text),
    ("step", Kind::Int),
    ("measure", Kind::Text),
    ("value", Kind::Float),
    ("diff", Kind::Float),
    ("diff_ci_low", Kind::Float),
    ("diff_ci_high", Kind::Float),
    ("confidence", Kind::Float),
];

impl Tabular<CompareResults> for CompareHorizonCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, r: &CompareResults) -> Result<Table> {
        let mut t = Table::new(COLUMNS.to_vec());
        let base = &r.comparison.models[0].name;
        for row in r.comparison.horizon.iter().flatten() {
            let d = row.difference.unwrap_or(Estimate::NAN);
            t.push(vec![
                row.model.clone().into(),
                base.clone().into(),
                row.quantity.clone().into(),
                u64::from(row.step).into(),
                row.measure.into(),
                row.value.into(),
                d.value.into(),
                d.ci_low.into(),
                d.ci_high.into(),
                r.run.confidence.into(),
            ]);
        }
        Ok(t)
    }
}
