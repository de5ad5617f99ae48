//! `summary.csv` (or `summary.parquet`): one row per event and output, in
//! model order.

use super::RunResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};
use crate::summary::{QUANTILES, QuantitySummary};

pub struct SummaryCsv;

pub const FILE_NAME: &str = "summary.csv";
pub const PARQUET_NAME: &str = "summary.parquet";

/// The columns that describe one quantity, from `quantity` on; summary.csv
/// and sweep.csv share them.
pub fn quantity_columns() -> Vec<&'static str> {
    quantity_schema().into_iter().map(|(n, _)| n).collect()
}

/// `quantity_columns` with their kinds.
pub fn quantity_schema() -> Vec<(&'static str, Kind)> {
    let mut h = vec![
        ("quantity", Kind::Text),
        ("kind", Kind::Text),
        ("samples", Kind::Int),
        ("mean", Kind::Float),
        ("std_error", Kind::Float),
        ("ci_low", Kind::Float),
        ("ci_high", Kind::Float),
        ("confidence", Kind::Float),
        ("interval", Kind::Text),
        ("sd", Kind::Float),
        ("min", Kind::Float),
    ];
    h.extend(QUANTILES.iter().map(|(_, name)| (*name, Kind::Float)));
    h.extend([("max", Kind::Float), ("non_finite", Kind::Int)]);
    h
}

/// The fields of `quantity_columns` for one quantity.
pub fn quantity_fields(q: &QuantitySummary, confidence: f64) -> Vec<Cell> {
    let mut row: Vec<Cell> = vec![
        q.name.clone().into(),
        q.kind.as_str().into(),
        q.samples.into(),
        q.mean.into(),
        q.std_error.into(),
        q.ci_low.into(),
        q.ci_high.into(),
        confidence.into(),
        q.interval.to_string().into(),
        q.sd.into(),
        q.min.into(),
    ];
    row.extend(q.quantiles.iter().map(|&x| Cell::from(x)));
    row.push(q.max.into());
    row.push(q.non_finite.into());
    row
}

impl Tabular<RunResults> for SummaryCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, results: &RunResults) -> Result<Table> {
        let mut columns = vec![("model", Kind::Text)];
        columns.extend(quantity_schema());
        let mut t = Table::new(columns);
        for q in &results.quantities {
            let mut row = vec![Cell::from(results.model_name.as_str())];
            row.extend(quantity_fields(q, results.summary.confidence));
            t.push(row);
        }
        Ok(t)
    }
}
