//! `convergence.csv` (or `convergence.parquet`): each event's and output's
//! estimate and interval as samples grew, at chunk boundaries (tidy: one
//! row per quantity and point).

use super::RunResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub struct ConvergenceCsv;

pub const FILE_NAME: &str = "convergence.csv";
pub const PARQUET_NAME: &str = "convergence.parquet";

pub const HEADER: [&str; 6] = ["model", "quantity", "samples", "mean", "ci_low", "ci_high"];

impl Tabular<RunResults> for ConvergenceCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, results: &RunResults) -> Result<Table> {
        let kinds = [
            Kind::Text,
            Kind::Text,
            Kind::Int,
            Kind::Float,
            Kind::Float,
            Kind::Float,
        ];
        let mut t = Table::new(HEADER.into_iter().zip(kinds));
        for (i, q) in results.quantities.iter().enumerate() {
            for p in &results.convergence {
                let e = &p.estimates[i];
                t.push(vec![
                    Cell::from(results.model_name.as_str()),
                    q.name.clone().into(),
                    p.samples.into(),
                    e.mean.into(),
                    e.ci_low.into(),
                    e.ci_high.into(),
                ]);
            }
        }
        Ok(t)
    }
}
