//! `sweep.csv` (or `sweep.parquet`): one row per point and quantity, the
//! swept inputs as columns.

use super::SweepResults;
use crate::analysis::sweep::{Axis, SweepPoint};
use crate::error::Result;
use crate::output::format::tabular::{Cell, Kind, Table, Tabular};
use crate::output::run::summary_csv::{quantity_columns, quantity_fields, quantity_schema};

pub const FILE_NAME: &str = "sweep.csv";
pub const PARQUET_NAME: &str = "sweep.parquet";

/// The columns after the swept inputs' columns: those of summary.csv.
pub fn summary_columns() -> Vec<&'static str> {
    quantity_columns()
}

pub fn table(model: &str, axes: &[Axis], points: &[SweepPoint], confidence: f64) -> Table {
    let mut columns = vec![("model".to_string(), Kind::Text)];
    columns.extend(axes.iter().map(|a| (a.name.clone(), Kind::Float)));
    columns.extend(
        quantity_schema()
            .into_iter()
            .map(|(n, k)| (n.to_string(), k)),
    );
    let mut t = Table::new(columns);
    for p in points {
        for q in &p.quantities {
            let mut row = vec![Cell::from(model)];
            row.extend(p.values.iter().map(|&v| Cell::from(v)));
            row.extend(quantity_fields(q, confidence));
            t.push(row);
        }
    }
    t
}

pub struct SweepCsv;

impl Tabular<SweepResults> for SweepCsv {
    fn csv_name(&self) -> &'static str {
        FILE_NAME
    }

    fn parquet_name(&self) -> &'static str {
        PARQUET_NAME
    }

    fn table(&self, r: &SweepResults) -> Result<Table> {
        Ok(table(&r.model.name, &r.axes, &r.points, r.run.confidence))
    }
}
