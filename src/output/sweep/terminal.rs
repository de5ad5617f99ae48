//! What `sweep` prints: the headline quantity at every point.

use crate::engine::program::QuantityKind;
use crate::output::format::number::{fmt, thousands};
use std::fmt::Write;

/// The sweep: the headline quantity at every point.
pub fn render(
    model: &str,
    axes: &[crate::analysis::sweep::Axis],
    points: &[crate::analysis::sweep::SweepPoint],
    confidence: f64,
) -> String {
    let mut s = String::new();
    let Some(first) = points.first() else {
        return s;
    };
    let head = first
        .quantities
        .iter()
        .position(|q| q.kind == QuantityKind::Event)
        .unwrap_or(0);
    let q0 = &first.quantities[head];
    let label = if q0.kind == QuantityKind::Event {
        format!("P({})", q0.name)
    } else {
        format!("mean {}", q0.name)
    };
    let pct = confidence * 100.0;
    let _ = writeln!(
        s,
        "{model}: {} points on common random numbers, {} samples each\n",
        points.len(),
        thousands(q0.samples)
    );
    for a in axes {
        let _ = write!(s, "{:>14}  ", a.name);
    }
    let _ = writeln!(s, "{label:>12}  {:>24}", format!("{pct}% interval"));
    for p in points {
        for v in &p.values {
            let _ = write!(s, "{:>14}  ", fmt(*v));
        }
        let q = &p.quantities[head];
        let _ = writeln!(
            s,
            "{:>12}  {:>24}",
            fmt(q.mean),
            format!("[{}, {}]", fmt(q.ci_low), fmt(q.ci_high))
        );
    }
    s
}
