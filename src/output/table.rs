//! The table `run` prints: the headline event first, with its interval.

use super::RunReport;
use crate::engine::program::QuantityKind;
use std::fmt::Write;

/// Four significant digits, without switching notation mid-column.
fn fmt(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e7).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else {
        let decimals = if a == 0.0 {
            0
        } else {
            (3 - a.log10().floor() as i32).max(0) as usize
        };
        format!("{x:.decimals$}")
    }
}

/// 1000000 -> "1,000,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn render(r: &RunReport) -> String {
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
    if let Some(head) = r.quantities.iter().find(|q| q.kind == QuantityKind::Event) {
        let _ = writeln!(
            s,
            "P({}) = {}  [{}, {}]\n",
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
                fmt(q.quantiles[0]),
                fmt(q.quantiles[2]),
                fmt(q.quantiles[4])
            );
            if q.non_finite > 0 {
                let _ = write!(s, "  ({} non-finite samples excluded)", q.non_finite);
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(fmt(0.002672), "0.002672");
        assert_eq!(fmt(14767.2), "14767");
        assert_eq!(fmt(1.4031), "1.403");
        assert_eq!(fmt(0.0), "0");
        assert_eq!(fmt(3.2e-7), "3.200e-7");
    }
}
