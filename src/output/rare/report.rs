//! A rare-event estimate's section: the ladder of levels down to the
//! event (the probability reached after each level, on a log axis) and the
//! estimate with its interval.

use crate::error::Result;
use crate::output::html::chart::{self, Frame};
use crate::output::html::folder::Folder;
use crate::output::html::markup::{self, csv_html_table, sig};
use crate::output::html::rows::{Mark, RowsChart};
use crate::output::html::section::{common_facts, confidence_text, figure};

pub const RARE: &str = "rare.csv";

pub fn facts(f: &Folder) -> Vec<(&'static str, String)> {
    let mut items = vec![("Command", "rare".to_string())];
    for (label, key) in [
        ("Method", "method"),
        ("Event", "quantity"),
        ("Evaluations", "evaluations"),
    ] {
        if let Some(v) = f.text(&["details", key]) {
            items.push((label, markup::escape(&v)));
        }
    }
    common_facts(f, &mut items);
    items
}

pub fn section(f: &Folder) -> Result<String> {
    let csv = f.require_csv(RARE)?;
    let [quantity, mean, ci_low, ci_high] = csv.cols(["quantity", "mean", "ci_low", "ci_high"])?;
    let Some(row) = (!csv.rows.is_empty()).then_some(0) else {
        return Ok(markup::remark("rare.csv has no rows."));
    };
    let name = csv.str(row, quantity).to_string();
    // The manifest's levels: each one's share of samples passing on.
    let shares: Vec<f64> = match f.get(&["details", "levels"]) {
        Some(serde_json::Value::Array(levels)) => levels
            .iter()
            .filter_map(|l| l.get("probability").and_then(|p| p.as_f64()))
            .collect(),
        _ => Vec::new(),
    };
    let mut rows = Vec::new();
    let mut marks = Vec::new();
    let mut reached = 1.0;
    for (i, share) in shares.iter().enumerate() {
        reached *= share;
        rows.push(format!("after level {i}"));
        marks.push(Mark::dot(i, reached, f64::NAN, f64::NAN, chart::GREY));
    }
    rows.push(format!("P({name})"));
    marks.push(Mark::dot(
        rows.len() - 1,
        csv.num(row, mean)?,
        csv.num(row, ci_low)?,
        csv.num(row, ci_high)?,
        chart::BLUE,
    ));
    let mut chart = RowsChart::new(
        Frame::new(
            f.id("rare"),
            "rare",
            format!(
                "P({name}) level by level, with its {} interval",
                confidence_text(f)
            ),
        ),
        "probability".to_string(),
        rows,
    );
    chart.log = marks.iter().all(|m| m.value > 0.0);
    chart.marks = marks;
    chart.value_labels = true;
    let svg = chart.svg()?;
    let table = csv_html_table(
        "",
        &csv,
        &[
            "quantity",
            "method",
            "evaluations",
            "mean",
            "std_error",
            "ci_low",
            "ci_high",
            "levels",
        ],
        &[row],
    )?;
    let mut h = format!(
        "<h3>{}</h3>\n",
        markup::escape(&format!(
            "P({name}) = {} by {}",
            sig(csv.num(row, mean)?, 4),
            csv.str(row, csv.col("method")?)
        ))
    );
    h.push_str(&figure(&svg, &table));
    Ok(h)
}
