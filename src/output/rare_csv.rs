//! `rare.csv`: one event's probability from a rare-event method, one row.

use super::reports::RareReport;
use super::{Exporter, csv_bytes, number};
use crate::error::Result;

pub struct RareCsv;

pub const FILE_NAME: &str = "rare.csv";

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

impl Exporter<RareReport> for RareCsv {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn serialize(&self, r: &RareReport) -> Result<Vec<u8>> {
        let e = &r.estimate;
        let row = vec![
            r.model.name.clone(),
            r.quantity.clone(),
            e.method.name().to_string(),
            e.evaluations.to_string(),
            number(e.mean),
            number(e.std_error),
            number(e.ci_low),
            number(e.ci_high),
            number(r.run.confidence),
            e.levels.len().to_string(),
            r.run.settings.samples.to_string(),
            number(e.effective_samples),
        ];
        csv_bytes(FILE_NAME, &HEADER, std::iter::once(row))
    }
}
