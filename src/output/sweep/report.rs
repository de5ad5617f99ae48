//! A sweep's section: the first event (and the first output) against the
//! swept input with its interval band; over a grid, one line per value of
//! the second input.

use crate::error::Result;
use crate::output::html::chart::Frame;
use crate::output::html::folder::{Csv, Folder};
use crate::output::html::lines::{LinesChart, Point, Series};
use crate::output::html::markup::{self, csv_html_table, details, remark, sig};
use crate::output::html::section::{common_facts, confidence_text, figure, first_model};

pub const SWEEP: &str = "sweep.csv";

pub fn facts(f: &Folder) -> Vec<(&'static str, String)> {
    let mut items = vec![("Command", "sweep".to_string())];
    if let Some(name) = first_model(f) {
        items.push(("Model", markup::escape(&name)));
    }
    if let Some(serde_json::Value::Array(axes)) = f.get(&["details", "axes"]) {
        let axes: Vec<String> = axes
            .iter()
            .map(|a| {
                let name = a.get("input").and_then(|n| n.as_str()).unwrap_or("?");
                let n = a
                    .get("values")
                    .and_then(|v| v.as_array())
                    .map_or(0, Vec::len);
                format!("{name} ({n} values)")
            })
            .collect();
        items.push(("Swept", markup::escape(&axes.join(" × "))));
    }
    if let Some(p) = f.text(&["details", "points"]) {
        items.push(("Points", markup::escape(&p)));
    }
    common_facts(f, &mut items);
    items
}

pub fn section(f: &Folder) -> Result<String> {
    let csv = f.require_csv(SWEEP)?;
    let [model, quantity, kind] = csv.cols(["model", "quantity", "kind"])?;
    csv.cols(["mean", "ci_low", "ci_high"])?;
    if quantity <= model {
        return Err(csv.error("the column \"quantity\" comes before \"model\""));
    }
    // The inputs' columns sit between `model` and `quantity`.
    let inputs: Vec<String> = csv.header[model + 1..quantity].to_vec();
    let varying: Vec<usize> = (model + 1..quantity)
        .filter(|&c| csv.distinct(c).len() > 1)
        .collect();
    let mut h = String::new();
    if csv.rows.is_empty() {
        h.push_str(&remark("sweep.csv has no rows."));
        return Ok(h);
    }
    let first_of = |k: &str| {
        csv.rows_where(kind, k)
            .first()
            .map(|&r| csv.str(r, quantity).to_string())
    };
    let shown: Vec<(String, bool)> = [
        first_of("event").map(|q| (q, true)),
        first_of("output").map(|q| (q, false)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut columns: Vec<&str> = inputs.iter().map(String::as_str).collect();
    columns.extend(["quantity", "samples", "mean", "ci_low", "ci_high"]);
    if varying.is_empty() {
        h.push_str(&remark(
            "No input takes more than one value: nothing to draw against.",
        ));
    }
    for (q, is_event) in &shown {
        let rows = csv.rows_where(quantity, q);
        if !varying.is_empty() {
            h.push_str(&chart(f, &csv, q, *is_event, &rows, &varying)?);
        } else {
            h.push_str(&csv_html_table("", &csv, &columns, &rows)?);
        }
    }
    let all: Vec<usize> = (0..csv.rows.len()).collect();
    h.push_str(&details(
        &format!("Every row of sweep.csv ({})", all.len()),
        &csv_html_table("", &csv, &columns, &all)?,
    ));
    Ok(h)
}

fn chart(
    f: &Folder,
    csv: &Csv,
    q: &str,
    is_event: bool,
    rows: &[usize],
    varying: &[usize],
) -> Result<String> {
    let [mean, ci_low, ci_high] = csv.cols(["mean", "ci_low", "ci_high"])?;
    let x_col = varying[0];
    let others = &varying[1..];
    // One series per combination of the other varying inputs, in file order.
    let mut series: Vec<(Vec<String>, Series)> = Vec::new();
    for &r in rows {
        let key: Vec<String> = others.iter().map(|&c| csv.str(r, c).to_string()).collect();
        let point = Point {
            x: csv.num(r, x_col)?,
            y: csv.num(r, mean)?,
            lo: csv.num(r, ci_low)?,
            hi: csv.num(r, ci_high)?,
        };
        match series.iter_mut().find(|(k, _)| *k == key) {
            Some((_, s)) => s.points.push(point),
            None => {
                let label = others
                    .iter()
                    .zip(&key)
                    .map(|(&c, v)| {
                        // Charts round: 0.30000000000000004 is 0.3.
                        let v = v.parse::<f64>().map_or_else(|_| v.clone(), |x| sig(x, 6));
                        format!("{} = {v}", csv.header[c])
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                series.push((
                    key,
                    Series {
                        label,
                        points: vec![point],
                    },
                ))
            }
        }
    }
    let mut series: Vec<Series> = series.into_iter().map(|(_, s)| s).collect();
    for s in &mut series {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let input = &csv.header[x_col];
    let y_desc = if is_event {
        format!("probability of {q}")
    } else {
        format!("mean of {q}")
    };
    let mut title = format!("{y_desc} vs {input}");
    if let Some(&c) = others.first() {
        title.push_str(&format!(", by {}", csv.header[c]));
    }
    title.push_str(&format!(" ({} band)", confidence_text(f)));
    let mut title_chars = title.chars();
    let title: String = title_chars
        .next()
        .map(|c| c.to_uppercase().chain(title_chars).collect())
        .unwrap_or_default();
    let svg = LinesChart {
        frame: Frame::new(f.id(&format!("sweep-{q}")), "sweep", title),
        x_desc: input.clone(),
        y_desc,
        x_log: false,
        x_steps: false,
        y_zero: false,
        series,
        y_ref: None,
    }
    .svg()?;
    let mut columns: Vec<&str> = varying.iter().map(|&c| csv.header[c].as_str()).collect();
    columns.extend(["quantity", "mean", "ci_low", "ci_high"]);
    let table = csv_html_table("", csv, &columns, rows)?;
    Ok(figure(&svg, &table))
}
