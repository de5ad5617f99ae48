//! `quantiles.csv` (or `quantiles.parquet`): one row per output and
//! quantile level, with a distribution-free interval.

use super::RunResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub struct QuantilesCsv;

pub const FILE_NAME: &str = "quantiles.csv";
pub const PARQUET_NAME: &str = "quantiles.parquet";

/// The columns, in order; README documents each.
pub const COLUMNS: [(&str, Kind); 8] = [
    ("model", Kind::Text),
    ("quantity", Kind::Text),
    ("p", Kind::Float),
    ("value", Kind::Float),
    ("ci_low", Kind::Float),
    ("ci_high", Kind::Float),
    ("confidence", Kind::Float),
    ("resolution", Kind::Float),
];

impl Tabular<RunResults> for QuantilesCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, results: &RunResults) -> Result<Table> {
        let mut t = Table::new(COLUMNS.to_vec());
        for q in &results.quantities {
            for e in &q.quantile_estimates {
                t.push(vec![
                    Cell::from(results.model_name.as_str()),
                    q.name.clone().into(),
                    e.level.into(),
                    e.value.into(),
                    e.ci_low.into(),
                    e.ci_high.into(),
                    e.confidence.into(),
                    e.resolution.into(),
                ]);
            }
        }
        Ok(t)
    }
}
