//! What `run` prints: the headline event first, with its interval, then
//! every event's and output's estimates in columns.

use super::RunResults;
use crate::engine::program::QuantityKind;
use crate::output::format::number::{fmt, fmt_within, thousands};
use std::fmt::Write;

pub fn render(r: &RunResults) -> String {
    let mut s = String::new();
    let pct = r.summary.confidence * 100.0;
    let _ = writeln!(
        s,
        "{}{}",
        r.model_name,
        r.model_title
            .as_ref()
            .map(|t| format!(" - {t}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "{} samples, seed {}, {pct}% intervals ({} for events, t for outputs), {:.2} s\n",
        thousands(r.samples),
        r.seed,
        r.summary.proportion_interval.name(),
        r.elapsed_seconds
    );
    if r.partial {
        let _ = writeln!(
            s,
            "INTERRUPTED: partial results from the {} samples completed\n",
            thousands(r.samples)
        );
    }
    if let Some(stop) = &r.stopping {
        let why = if stop.reached {
            format!(
                "stopped after {} samples: {} reached for {}",
                thousands(stop.samples),
                stop.rule,
                stop.target
            )
        } else {
            format!(
                "stopped at --max-samples ({}) before {} was reached for {}",
                thousands(stop.samples),
                stop.rule,
                stop.target
            )
        };
        let _ = writeln!(s, "{why}\n");
    }
    // A stepped model's one number is by (events) or at (outputs) its last
    // step: the headline says so, and where every step is.
    let by = match &r.steps {
        Some(st) => {
            let unit = st.step_unit.as_deref().unwrap_or("step");
            let _ = writeln!(
                s,
                "{} steps ({unit}): events by the last {unit}, outputs at it; every {unit} in horizon.csv\n",
                st.steps
            );
            format!(" by {unit} {}", st.steps)
        }
        None => String::new(),
    };
    if let Some(head) = r.quantities.iter().find(|q| q.kind == QuantityKind::Event) {
        let _ = writeln!(
            s,
            "P({}{by}) = {}  [{}, {}]\n",
            head.name,
            fmt(head.mean),
            fmt(head.ci_low),
            fmt(head.ci_high)
        );
    }
    let width = r
        .quantities
        .iter()
        .map(|q| q.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let events: Vec<_> = r
        .quantities
        .iter()
        .filter(|q| q.kind == QuantityKind::Event)
        .collect();
    if !events.is_empty() {
        let _ = writeln!(
            s,
            "{:<width$}  {:>11}  {:>25}",
            "event",
            "probability",
            format!("{pct}% interval")
        );
        for q in events {
            let _ = write!(
                s,
                "{:<width$}  {:>11}  {:>25}",
                q.name,
                fmt(q.mean),
                format!("[{}, {}]", fmt(q.ci_low), fmt(q.ci_high))
            );
            if q.non_finite > 0 {
                let _ = write!(s, "  ({} non-finite samples excluded)", q.non_finite);
            }
            s.push('\n');
        }
        s.push('\n');
    }
    let outputs: Vec<_> = r
        .quantities
        .iter()
        .filter(|q| q.kind == QuantityKind::Output)
        .collect();
    if !outputs.is_empty() {
        let _ = writeln!(
            s,
            "{:<width$}  {:>11}  {:>25}  {:>10}  {:>10}  {:>10}  {:>10}",
            "output",
            "mean",
            format!("{pct}% interval"),
            "sd",
            "p05",
            "p50",
            "p95"
        );
        for q in outputs {
            let _ = write!(
                s,
                "{:<width$}  {:>11}  {:>25}  {:>10}  {:>10}  {:>10}  {:>10}",
                q.name,
                fmt(q.mean),
                format!("[{}, {}]", fmt(q.ci_low), fmt(q.ci_high)),
                fmt(q.sd),
                quantile_text(q, 0),
                quantile_text(q, 2),
                quantile_text(q, 4)
            );
            if q.non_finite > 0 {
                let _ = write!(s, "  ({} non-finite samples excluded)", q.non_finite);
            }
            s.push('\n');
        }
    }
    s
}

/// Standard quantile `i` of an output, with the digits its resolution gives.
fn quantile_text(q: &crate::summary::QuantitySummary, i: usize) -> String {
    let level = crate::summary::QUANTILES[i].0;
    match q.quantile_estimates.iter().find(|e| e.level == level) {
        Some(e) => fmt_within(e.value, e.resolution),
        None => fmt(q.quantiles[i]),
    }
}
