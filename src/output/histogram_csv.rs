//! `histogram.csv`: each output's distribution as bins (tidy: one row per
//! bin), read exactly from its quantile sketch.

use super::{Exporter, RunReport, csv_bytes, number};
use crate::error::Result;

pub struct HistogramCsv;

pub const FILE_NAME: &str = "histogram.csv";

pub const HEADER: [&str; 5] = ["model", "quantity", "bin_low", "bin_high", "count"];

impl Exporter<RunReport> for HistogramCsv {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn serialize(&self, report: &RunReport) -> Result<Vec<u8>> {
        let rows = report
            .quantities
            .iter()
            .zip(&report.histograms)
            .flat_map(|(q, bins)| {
                bins.iter().map(|b| {
                    vec![
                        report.model_name.clone(),
                        q.name.clone(),
                        number(b.low),
                        number(b.high),
                        b.count.to_string(),
                    ]
                })
            });
        csv_bytes(FILE_NAME, &HEADER, rows)
    }
}
