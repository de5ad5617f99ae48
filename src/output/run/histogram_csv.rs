//! `histogram.csv` (or `histogram.parquet`): each output's distribution as
//! bins (tidy: one row per bin), read exactly from its quantile sketch.

use super::RunResults;
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};

pub struct HistogramCsv;

pub const FILE_NAME: &str = "histogram.csv";
pub const PARQUET_NAME: &str = "histogram.parquet";

pub const HEADER: [&str; 5] = ["model", "quantity", "bin_low", "bin_high", "count"];

impl Tabular<RunResults> for HistogramCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, results: &RunResults) -> Result<Table> {
        let kinds = [Kind::Text, Kind::Text, Kind::Float, Kind::Float, Kind::Int];
        let mut t = Table::new(HEADER.into_iter().zip(kinds));
        for (q, bins) in results.quantities.iter().zip(&results.histograms) {
            for b in bins {
                t.push(vec![
                    Cell::from(results.model_name.as_str()),
                    q.name.clone().into(),
                    b.low.into(),
                    b.high.into(),
                    b.count.into(),
                ]);
            }
        }
        Ok(t)
    }
}
