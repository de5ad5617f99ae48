//! A comparison's section: forest plots of each variant's difference from
//! the base, and of its ratio to the base, for the first event.

use crate::error::Result;
use crate::output::html::chart::{self, Frame};
use crate::output::html::folder::{Csv, Folder};
use crate::output::html::markup::{self, csv_html_table, details, remark};
use crate::output::html::rows::{Mark, RefLine, RowsChart};
use crate::output::html::section::{common_facts, confidence_text, figure};

pub const COMPARE: &str = "compare.csv";

pub fn facts(f: &Folder) -> Vec<(&'static str, String)> {
    let mut items = vec![("Command", "compare".to_string())];
    if let Some(b) = f.text(&["details", "base"]) {
        items.push(("Base", markup::escape(&b)));
    }
    if let Some(serde_json::Value::Array(models)) = f.get(&["models"]) {
        items.push(("Models", models.len().to_string()));
    }
    if let Some(serde_json::Value::Array(set)) = f.get(&["details", "set"])
        && !set.is_empty()
    {
        let set: Vec<String> = set
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        items.push(("Set", markup::escape(&set.join(", "))));
    }
    common_facts(f, &mut items);
    items
}

pub fn section(f: &Folder) -> Result<String> {
    let csv = f.require_csv(COMPARE)?;
    let [model, quantity, kind] = csv.cols(["model", "quantity", "kind"])?;
    let base = match f.text(&["details", "base"]) {
        Some(b) => b,
        None => {
            let base_model = csv.col("base_model")?;
            csv.rows
                .first()
                .map(|r| r[base_model].clone())
                .unwrap_or_default()
        }
    };
    let mut h = String::new();
    let events = csv.rows_where(kind, "event");
    let Some(&first) = events.first().or(csv.rows.first().map(|_| &0)) else {
        h.push_str(&remark("compare.csv has no rows."));
        return Ok(h);
    };
    let q = csv.str(first, quantity).to_string();
    let is_event = csv.str(first, kind) == "event";
    let rows = csv.rows_where(quantity, &q);
    let variants: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| csv.str(r, model) != base)
        .collect();
    h.push_str(&format!(
        "<h3>{}</h3>\n",
        markup::escape(&format!(
            "{} of {q}: each model against {base}",
            if is_event { "Probability" } else { "Mean" }
        ))
    ));
    if variants.is_empty() {
        h.push_str(&remark("compare.csv has no variant besides the base."));
    } else {
        h.push_str(&forest(
            f, &csv, &q, &base, is_event, &rows, &variants, false,
        )?);
        h.push_str(&forest(
            f, &csv, &q, &base, is_event, &rows, &variants, true,
        )?);
    }
    let all: Vec<usize> = (0..csv.rows.len()).collect();
    h.push_str(&details(
        &format!("Every row of compare.csv ({})", all.len()),
        &csv_html_table(
            "",
            &csv,
            &[
                "model",
                "quantity",
                "kind",
                "mean",
                "ci_low",
                "ci_high",
                "diff",
                "diff_ci_low",
                "diff_ci_high",
                "ratio",
                "ratio_ci_low",
                "ratio_ci_high",
            ],
            &all,
        )?,
    ));
    Ok(h)
}

#[allow(clippy::too_many_arguments)]
fn forest(
    f: &Folder,
    csv: &Csv,
    q: &str,
    base: &str,
    is_event: bool,
    rows: &[usize],
    variants: &[usize],
    ratio: bool,
) -> Result<String> {
    let model = csv.col("model")?;
    let (v, lo, hi) = if ratio {
        ("ratio", "ratio_ci_low", "ratio_ci_high")
    } else {
        ("diff", "diff_ci_low", "diff_ci_high")
    };
    let [v, lo, hi] = csv.cols([v, lo, hi])?;
    let names: Vec<String> = variants
        .iter()
        .map(|&r| csv.str(r, model).to_string())
        .collect();
    let mut marks = Vec::new();
    for (i, &r) in variants.iter().enumerate() {
        marks.push(Mark::dot(
            i,
            csv.num(r, v)?,
            csv.num(r, lo)?,
            csv.num(r, hi)?,
            chart::BLUE,
        ));
    }
    let what = if is_event { "probability" } else { "mean" };
    let conf = confidence_text(f);
    let (kind, title, x_desc, reference) = if ratio {
        (
            "forest-ratio",
            format!("{q}: ratio to {base} ({conf} intervals)"),
            format!("ratio of the {what} to the base's"),
            RefLine {
                value: 1.0,
                label: "1 (no change)".to_string(),
            },
        )
    } else {
        (
            "forest-diff",
            format!("{q}: difference from {base} (paired {conf} intervals)"),
            format!("difference in {what} from the base"),
            RefLine {
                value: 0.0,
                label: "0 (no change)".to_string(),
            },
        )
    };
    let mut chart = RowsChart::new(Frame::new(f.id(kind), kind, title), x_desc, names);
    chart.log = ratio
        && marks
            .iter()
            .flat_map(|m| [m.value, m.lo, m.hi])
            .filter(|x| !x.is_nan())
            .all(|x| x > 0.0 && x.is_finite());
    chart.marks = marks;
    chart.refs = vec![reference];
    chart.value_labels = true;
    let svg = chart.svg()?;
    let table = if ratio {
        csv_html_table(
            "",
            csv,
            &["model", "mean", "ratio", "ratio_ci_low", "ratio_ci_high"],
            variants,
        )?
    } else {
        // The base's own row first: its mean is what the differences are from.
        csv_html_table(
            "",
            csv,
            &[
                "model",
                "mean",
                "diff",
                "diff_ci_low",
                "diff_ci_high",
                "paired_dropped",
            ],
            rows,
        )?
    };
    Ok(figure(&svg, &table))
}
