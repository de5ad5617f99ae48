//! What `rare` prints: the estimate with its interval, then the levels down
//! to the event.

use super::RareResults;
use crate::output::format::number::{fmt, thousands};
use std::fmt::Write;

/// A rare-event estimate as `rare` prints it.
pub fn render(r: &RareResults) -> String {
    let e = &r.estimate;
    let mut s = String::new();
    let pct = r.run.confidence * 100.0;
    let _ = writeln!(
        s,
        "{}: P({}) by {}, {} model evaluations ({} per {}), seed {}\n",
        r.model.name,
        r.quantity,
        match e.method {
            crate::analysis::rare::RareMethod::Subset => "subset simulation",
            crate::analysis::rare::RareMethod::ImportanceSampling => "importance sampling",
        },
        thousands(e.evaluations),
        thousands(r.run.settings.samples),
        match e.method {
            crate::analysis::rare::RareMethod::Subset => "level",
            crate::analysis::rare::RareMethod::ImportanceSampling => "stage",
        },
        r.run.settings.seed
    );
    let _ = writeln!(
        s,
        "P({}) = {}  [{}, {}]  ({pct}% interval, coefficient of variation {})",
        r.quantity,
        fmt(e.mean),
        fmt(e.ci_low),
        fmt(e.ci_high),
        fmt(e.std_error / e.mean)
    );
    let _ = writeln!(s, "\nlevel       threshold   probability   cumulative");
    let mut cumulative = 1.0;
    for (i, l) in e.levels.iter().enumerate() {
        cumulative *= l.probability;
        let _ = writeln!(
            s,
            "{i:>5} {:>15} {:>13} {:>12}",
            fmt(l.threshold),
            fmt(l.probability),
            fmt(cumulative)
        );
    }
    if e.effective_samples.is_finite() {
        let _ = writeln!(
            s,
            "\neffective sample size of the weights: {}",
            fmt(e.effective_samples)
        );
    }
    s
}
