//! `summary.csv`: one row per event and output, in model order.

use super::{Exporter, RunReport, number};
use crate::error::{Error, Result};
use crate::summary::{QUANTILES, QuantitySummary};

pub struct SummaryCsv;

pub const FILE_NAME: &str = "summary.csv";

/// The columns that describe one quantity, from `quantity` on; summary.csv
/// and sweep.csv share them.
pub fn quantity_columns() -> Vec<&'static str> {
    let mut h = vec![
        "quantity",
        "kind",
        "samples",
        "mean",
        "std_error",
        "ci_low",
        "ci_high",
        "confidence",
        "interval",
        "sd",
        "min",
    ];
    h.extend(QUANTILES.iter().map(|(_, name)| *name));
    h.extend(["max", "non_finite"]);
    h
}

/// The fields of `quantity_columns` for one quantity.
pub fn quantity_fields(q: &QuantitySummary, confidence: f64) -> Vec<String> {
    let mut row = vec![
        q.name.clone(),
        q.kind.as_str().to_string(),
        q.samples.to_string(),
        number(q.mean),
        number(q.std_error),
        number(q.ci_low),
        number(q.ci_high),
        number(confidence),
        q.interval.to_string(),
        number(q.sd),
        number(q.min),
    ];
    row.extend(q.quantiles.iter().map(|&x| number(x)));
    row.push(number(q.max));
    row.push(q.non_finite.to_string());
    row
}

/// The columns, in order; README documents each.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["model"];
    h.extend(quantity_columns());
    h
}

impl Exporter<RunReport> for SummaryCsv {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn serialize(&self, report: &RunReport) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| Error::io("cannot format summary.csv", std::io::Error::other(e));
        w.write_record(header()).map_err(fail)?;
        for q in &report.quantities {
            let mut row = vec![report.model_name.clone()];
            row.extend(quantity_fields(q, report.summary.confidence));
            w.write_record(&row).map_err(fail)?;
        }
        w.into_inner().map_err(|e| {
            Error::io(
                "cannot format summary.csv",
                std::io::Error::other(e.to_string()),
            )
        })
    }
}
