//! `rare.csv` (or `rare.parquet`): one event's probability from a
//! rare-event method, one row.

use super::RareResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub struct RareCsv;

pub const FILE_NAME: &str = "rare.csv";
pub const PARQUET_NAME: &str = "rare.parquet";

pub const HEADER: [&str; 12] = [
    "model",
    "quantity",
    "method",
    "evaluations",
    "mean",
    "std_error",
    "ci_low",
    "ci_high",
    "confidence",
    "levels",
    "samples_per_level",
    "effective_samples",
];

fn kind(column: &str) -> Kind {
    match column {
        "model" | "quantity" | "method" => Kind::Text,
        "evaluations" | "levels" | "samples_per_level" => Kind::Int,
        _ => Kind::Float,
    }
}

impl Tabular<RareResults> for RareCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, r: &RareResults) -> Result<Table> {
        let e = &r.estimate;
        let mut t = Table::new(HEADER.iter().map(|&h| (h, kind(h))));
        t.push(vec![
            Cell::from(r.model.name.as_str()),
            r.quantity.clone().into(),
            e.method.name().into(),
            e.evaluations.into(),
            e.mean.into(),
            e.std_error.into(),
            e.ci_low.into(),
            e.ci_high.into(),
            r.run.confidence.into(),
            e.levels.len().into(),
            r.run.settings.samples.into(),
            e.effective_samples.into(),
        ]);
        Ok(t)
    }
}
