//! `sweep.csv`: one row per point and quantity, the swept inputs as columns.

use super::number;
use super::summary_csv::{quantity_columns, quantity_fields};
use crate::analysis::sweep::{Axis, SweepPoint};
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "sweep.csv";

/// The columns after the swept inputs' columns: those of summary.csv.
pub fn summary_columns() -> Vec<&'static str> {
    quantity_columns()
}

pub fn serialize(
    model: &str,
    axes: &[Axis],
    points: &[SweepPoint],
    confidence: f64,
) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::io("cannot format sweep.csv", std::io::Error::other(e));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["model".into()];
    header.extend(axes.iter().map(|a| a.name.clone()));
    header.extend(summary_columns().iter().map(|s| s.to_string()));
    w.write_record(&header).map_err(fail)?;
    for p in points {
        for q in &p.quantities {
            let mut row = vec![model.to_string()];
            row.extend(p.values.iter().map(|&v| number(v)));
            row.extend(quantity_fields(q, confidence));
            w.write_record(&row).map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| {
        Error::io(
            "cannot format sweep.csv",
            std::io::Error::other(e.to_string()),
        )
    })
}
