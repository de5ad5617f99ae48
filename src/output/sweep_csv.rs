//! `sweep.csv`: one row per point and quantity, the swept inputs as columns.

use super::number;
use crate::analysis::sweep::{Axis, SweepPoint};
use crate::error::{Error, Result};
use crate::summary::QUANTILES;

pub const FILE_NAME: &str = "sweep.csv";

/// The columns after the swept inputs' columns.
pub fn summary_columns() -> Vec<&'static str> {
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
    h.extend(QUANTILES.iter().map(|(_, n)| *n));
    h.extend(["max", "non_finite"]);
    h
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
            row.extend([
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
            ]);
            row.extend(q.quantiles.iter().map(|&x| number(x)));
            row.push(number(q.max));
            row.push(q.non_finite.to_string());
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
