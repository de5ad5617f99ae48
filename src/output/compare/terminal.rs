//! What `compare` prints: the models ranked by the headline quantity,
//! then every quantity's difference from the base.

use crate::output::format::number::{fmt, thousands};
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
pub fn render(
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
