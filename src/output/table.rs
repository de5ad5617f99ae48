//! The table `run` prints: the headline event first, with its interval.

use super::format::number::{fmt, thousands};
use std::fmt::Write;

/// Sensitivity results: each factor's measures on one line, most
/// influential first.
pub fn render_sensitivity(
    model: &str,
    quantity: &str,
    r: &crate::analysis::sensitivity::Sensitivity,
    confidence: f64,
) -> String {
    let mut s = String::new();
    let pct = confidence * 100.0;
    let _ = writeln!(
        s,
        "{model}: {} sensitivity of {quantity} (reference {}), {} samples, {} model evaluations\n",
        r.method,
        fmt(r.reference),
        thousands(r.samples),
        thousands(r.evaluations)
    );
    let width = r
        .rows
        .iter()
        .map(|m| m.factor.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut factors: Vec<&str> = Vec::new();
    for m in &r.rows {
        if !factors.contains(&m.factor.as_str()) {
            factors.push(&m.factor);
        }
    }
    let measures: Vec<&str> = r
        .rows
        .iter()
        .filter(|m| m.factor == factors[0])
        .map(|m| m.measure)
        .collect();
    let _ = write!(s, "{:<width$}", "factor");
    for m in &measures {
        let _ = write!(s, "  {:>30}", format!("{m} [{pct}%]"));
    }
    s.push('\n');
    for f in factors {
        let _ = write!(s, "{f:<width$}");
        for m in r.rows.iter().filter(|m| m.factor == f) {
            let cell = if m.ci_low.is_nan() {
                fmt(m.value)
            } else {
                format!("{} [{}, {}]", fmt(m.value), fmt(m.ci_low), fmt(m.ci_high))
            };
            let _ = write!(s, "  {cell:>30}");
        }
        s.push('\n');
    }
    if r.method == "sobol" {
        let _ = writeln!(
            s,
            "\nfirst_order: the share of the variance the factor explains alone; total: alone and through interactions."
        );
    }
    if r.method == "filter" {
        let _ = writeln!(
            s,
            "\nks: the Kolmogorov-Smirnov distance between the factor's values where {quantity} holds and where it does not; ks_p_value: its asymptotic p-value."
        );
    }
    for note in &r.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}

/// The terminal table of a rare-event estimate.
pub fn render_rare(r: &super::reports::RareResults) -> String {
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
