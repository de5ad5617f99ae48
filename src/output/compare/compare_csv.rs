//! `compare.csv` (or `compare.parquet`): one row per model and quantity
//! (tidy).

use super::CompareResults;
use crate::analysis::compare::Comparison;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub const FILE_NAME: &str = "compare.csv";
pub const PARQUET_NAME: &str = "compare.parquet";

/// The columns, in order; README documents each.
pub const HEADER: [&str; 21] = [
    "model",
    "base_model",
    "quantity",
    "kind",
    "samples",
    "mean",
    "std_error",
    "ci_low",
    "ci_high",
    "diff",
    "diff_std_error",
    "diff_ci_low",
    "diff_ci_high",
    "independent_std_error",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "confidence",
    "non_finite",
    "paired_dropped",
    "model_file",
];

fn kind(column: &str) -> Kind {
    match column {
        "model" | "base_model" | "quantity" | "kind" | "model_file" => Kind::Text,
        "samples" | "non_finite" | "paired_dropped" => Kind::Int,
        _ => Kind::Float,
    }
}

pub fn table(c: &Comparison, confidence: f64) -> Table {
    let mut t = Table::new(HEADER.iter().map(|&h| (h, kind(h))));
    let base = &c.models[0].name;
    for m in &c.models {
        for q in &m.quantities {
            let s = &q.summary;
            let nan = f64::NAN;
            let (d, ind, r, dropped) = match q.versus_base {
                Some(p) => (
                    p.difference,
                    p.independent_std_error,
                    p.ratio,
                    Some(p.dropped),
                ),
                None => (
                    crate::stats::paired::Estimate::NAN,
                    nan,
                    crate::stats::paired::Estimate::NAN,
                    None,
                ),
            };
            t.push(vec![
                m.name.clone().into(),
                base.clone().into(),
                s.name.clone().into(),
                s.kind.as_str().into(),
                s.samples.into(),
                s.mean.into(),
                s.std_error.into(),
                s.ci_low.into(),
                s.ci_high.into(),
                d.value.into(),
                d.std_error.into(),
                d.ci_low.into(),
                d.ci_high.into(),
                ind.into(),
                r.value.into(),
                r.ci_low.into(),
                r.ci_high.into(),
                confidence.into(),
                s.non_finite.into(),
                Cell::Int(dropped),
                m.file.clone().into(),
            ]);
        }
    }
    t
}

pub struct CompareCsv;

impl Tabular<CompareResults> for CompareCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, r: &CompareResults) -> Result<Table> {
        Ok(table(&r.comparison, r.run.confidence))
    }
}
