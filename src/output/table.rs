//! The table `run` prints: the headline event first, with its interval.

use super::format::number::{fmt, thousands};
use crate::engine::program::QuantityKind;
use std::fmt::Write;

/// A signed number: differences read better with their sign.
fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", fmt(x))
    } else {
        fmt(x)
    }
}

/// The comparison, ranked by the base's headline quantity.
pub fn render_comparison(
    c: &crate::analysis::compare::Comparison,
    samples: u64,
    seed: u64,
    confidence: f64,
) -> String {
    let mut s = String::new();
    let Some(headline) = c.headline() else {
        return s;
    };
    let pct = confidence * 100.0;
    let base = &c.models[0].name;
    let _ = writeln!(
        s,
        "{} models on common random numbers, {} samples, seed {seed}, {pct}% intervals\n",
        c.models.len(),
        thousands(samples)
    );
    let mut rows: Vec<(&str, &crate::analysis::compare::ComparedQuantity)> = c
        .models
        .iter()
        .filter_map(|m| {
            m.quantities
                .iter()
                .find(|q| q.summary.name == headline)
                .map(|q| (m.name.as_str(), q))
        })
        .collect();
    rows.sort_by(|a, b| b.1.summary.mean.total_cmp(&a.1.summary.mean));
    let kind = rows.first().map_or("event", |r| r.1.summary.kind.as_str());
    let label = if kind == "event" {
        format!("P({headline})")
    } else {
        format!("mean {headline}")
    };
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(5).max(5) + 7;
    let _ = writeln!(
        s,
        "{:<width$}  {:>10}  {:>22}  {:>34}  {:>24}  {:>9}",
        "model",
        label,
        format!("{pct}% interval"),
        format!("difference from base [{pct}%]"),
        format!("ratio [{pct}%]"),
        "se gain"
    );
    for (name, q) in rows {
        let shown = if name == base {
            format!("{name} (base)")
        } else {
            name.to_string()
        };
        let sm = &q.summary;
        let _ = write!(
            s,
            "{shown:<width$}  {:>10}  {:>22}",
            fmt(sm.mean),
            format!("[{}, {}]", fmt(sm.ci_low), fmt(sm.ci_high))
        );
        if let Some(p) = q.versus_base {
            let d = p.difference;
            let _ = write!(
                s,
                "  {:>34}  {:>24}  {:>9}",
                format!(
                    "{} [{}, {}]",
                    signed(d.value),
                    signed(d.ci_low),
                    signed(d.ci_high)
                ),
                format!(
                    "{} [{}, {}]",
                    fmt(p.ratio.value),
                    fmt(p.ratio.ci_low),
                    fmt(p.ratio.ci_high)
                ),
                format!("{:.1}x", p.independent_std_error / d.std_error)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "\nse gain: the standard error two independent runs would give for the difference, over the paired one."
    );
    every_difference(&mut s, c, pct);
    for note in &c.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}

/// Every event's and output's difference from the base, variant by
/// variant, in model order; `*` marks an interval that excludes zero.
fn every_difference(s: &mut String, c: &crate::analysis::compare::Comparison, pct: f64) {
    let base = &c.models[0];
    type Row<'a> = (
        &'a str,
        f64,
        &'a str,
        &'a crate::analysis::compare::ComparedQuantity,
    );
    let rows: Vec<Row> = base
        .quantities
        .iter()
        .flat_map(|bq| {
            c.models[1..].iter().filter_map(move |m| {
                m.quantities
                    .iter()
                    .find(|q| q.summary.name == bq.summary.name && q.versus_base.is_some())
                    .map(|q| {
                        (
                            bq.summary.name.as_str(),
                            bq.summary.mean,
                            m.name.as_str(),
                            q,
                        )
                    })
            })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let qw = rows.iter().map(|r| r.0.len()).max().unwrap_or(8).max(8);
    let mw = rows.iter().map(|r| r.2.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(
        s,
        "\nevery event and output, difference from base [{pct}%] (* the interval excludes 0):\n"
    );
    let _ = writeln!(
        s,
        "{:<qw$}  {:<mw$}  {:>12}  {:>12}  {:>36}",
        "quantity", "model", "base", "model", "difference"
    );
    let mut last = "";
    for (quantity, base_value, model, q) in rows {
        let d = q.versus_base.expect("filtered above").difference;
        let shown = if quantity == last { "" } else { quantity };
        last = quantity;
        let excludes = d.ci_low > 0.0 || d.ci_high < 0.0;
        let _ = writeln!(
            s,
            "{shown:<qw$}  {model:<mw$}  {:>12}  {:>12}  {:>36}{}",
            fmt(base_value),
            fmt(q.summary.mean),
            format!(
                "{} [{}, {}]",
                signed(d.value),
                signed(d.ci_low),
                signed(d.ci_high)
            ),
            if excludes { " *" } else { "" }
        );
    }
}

/// The sweep: the headline quantity at every point.
pub fn render_sweep(
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
