//! `convergence.csv`: each event's and output's estimate and interval as
//! samples grew, at chunk boundaries (tidy: one row per quantity and point).

use super::{Exporter, RunReport, csv_bytes, number};
use crate::error::Result;

pub struct ConvergenceCsv;

pub const FILE_NAME: &str = "convergence.csv";

pub const HEADER: [&str; 6] = ["model", "quantity", "samples", "mean", "ci_low", "ci_high"];

impl Exporter<RunReport> for ConvergenceCsv {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn serialize(&self, report: &RunReport) -> Result<Vec<u8>> {
        let rows = report.quantities.iter().enumerate().flat_map(|(i, q)| {
            report.convergence.iter().map(move |p| {
                let e = &p.estimates[i];
                vec![
                    report.model_name.clone(),
                    q.name.clone(),
                    p.samples.to_string(),
                    number(e.mean),
                    number(e.ci_low),
                    number(e.ci_high),
                ]
            })
        });
        csv_bytes(FILE_NAME, &HEADER, rows)
    }
}
