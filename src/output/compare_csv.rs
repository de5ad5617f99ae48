//! `compare.csv`: one row per model and quantity (tidy).

use super::number;
use crate::analysis::compare::Comparison;
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "compare.csv";

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

pub fn serialize(c: &Comparison, confidence: f64) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::io("cannot format compare.csv", std::io::Error::other(e));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(fail)?;
    let base = &c.models[0].name;
    for m in &c.models {
        for q in &m.quantities {
            let s = &q.summary;
            let nan = f64::NAN;
            let p = q.versus_base;
            let (d, ind, r, dropped) = match p {
                Some(p) => (
                    p.difference,
                    p.independent_std_error,
                    p.ratio,
                    p.dropped.to_string(),
                ),
                None => (
                    crate::stats::paired::Estimate::NAN,
                    nan,
                    crate::stats::paired::Estimate::NAN,
                    String::new(),
                ),
            };
            w.write_record([
                m.name.clone(),
                base.clone(),
                s.name.clone(),
                s.kind.as_str().to_string(),
                s.samples.to_string(),
                number(s.mean),
                number(s.std_error),
                number(s.ci_low),
                number(s.ci_high),
                number(d.value),
                number(d.std_error),
                number(d.ci_low),
                number(d.ci_high),
                number(ind),
                number(r.value),
                number(r.ci_low),
                number(r.ci_high),
                number(confidence),
                s.non_finite.to_string(),
                dropped,
                m.file.clone(),
            ])
            .map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| {
        Error::io(
            "cannot format compare.csv",
            std::io::Error::other(e.to_string()),
        )
    })
}
