//! `sensitivity.csv`: one row per factor and measure, most influential first.

use super::number;
use crate::analysis::sensitivity::Sensitivity;
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "sensitivity.csv";

pub const HEADER: [&str; 12] = [
    "model",
    "quantity",
    "method",
    "rank",
    "factor",
    "measure",
    "value",
    "ci_low",
    "ci_high",
    "confidence",
    "factor_value",
    "samples",
];

pub fn serialize(model: &str, quantity: &str, s: &Sensitivity, confidence: f64) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::io("cannot format sensitivity.csv", std::io::Error::other(e));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(fail)?;
    let mut rank = 0;
    let mut last = "";
    for m in &s.rows {
        if m.factor != last {
            rank += 1;
            last = &m.factor;
        }
        w.write_record([
            model.to_string(),
            quantity.to_string(),
            s.method.to_string(),
            rank.to_string(),
            m.factor.clone(),
            m.measure.to_string(),
            number(m.value),
            number(m.ci_low),
            number(m.ci_high),
            number(confidence),
            number(m.factor_value),
            s.samples.to_string(),
        ])
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| {
        Error::io(
            "cannot format sensitivity.csv",
            std::io::Error::other(e.to_string()),
        )
    })
}
