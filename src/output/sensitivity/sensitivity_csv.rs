//! `sensitivity.csv` (or `sensitivity.parquet`): one row per factor and
//! measure, most influential first.

use super::SensitivityResults;
use crate::analysis::sensitivity::Sensitivity;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub const FILE_NAME: &str = "sensitivity.csv";
pub const PARQUET_NAME: &str = "sensitivity.parquet";

pub const HEADER: [&str; 12] = [
    "model",
    "quantity",
    "method",
    "rank",
    "factor",
    "measure",
    "value",
    "ci_low",
    "ci_high",
    "confidence",
    "factor_value",
    "samples",
];

fn kind(column: &str) -> Kind {
    match column {
        "model" | "quantity" | "method" | "factor" | "measure" => Kind::Text,
        "rank" | "samples" => Kind::Int,
        _ => Kind::Float,
    }
}

pub fn table(model: &str, quantity: &str, s: &Sensitivity, confidence: f64) -> Table {
    let mut t = Table::new(HEADER.iter().map(|&h| (h, kind(h))));
    let mut rank = 0u64;
    let mut last = "";
    for m in &s.rows {
        if m.factor != last {
            rank += 1;
            last = &m.factor;
        }
        t.push(vec![
            Cell::from(model),
            quantity.into(),
            s.method.name().into(),
            rank.into(),
            m.factor.clone().into(),
            m.measure.into(),
            m.value.into(),
            m.ci_low.into(),
            m.ci_high.into(),
            confidence.into(),
            m.factor_value.into(),
            s.samples.into(),
        ]);
    }
    t
}

pub struct SensitivityCsv;

impl Tabular<SensitivityResults> for SensitivityCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, r: &SensitivityResults) -> Result<Table> {
        Ok(table(
            &r.model.name,
            &r.quantity,
            &r.result,
            r.run.confidence,
        ))
    }
}
