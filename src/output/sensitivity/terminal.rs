//! What `sensitivity` prints: each factor's measures on one line, most
//! influential first.

use crate::analysis::sensitivity::Method;
use crate::output::format::number::{fmt, thousands};
use std::fmt::Write;

/// Sensitivity results: each factor's measures on one line, most
/// influential first.
pub fn render(
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
    if r.method == Method::Sobol {
        let _ = writeln!(
            s,
            "\nfirst_order: the share of the variance the factor explains alone; total: alone and through interactions."
        );
    }
    if r.method == Method::Filter {
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
