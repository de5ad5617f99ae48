//! A sensitivity analysis's section: Sobol indices (first-order and total,
//! with replicate or bootstrap whiskers), a tornado of swings, Spearman
//! correlations, or the Kolmogorov-Smirnov distances of a filter.

use crate::analysis::sensitivity::Method;
use crate::error::Result;
use crate::output::html::chart::{self, Frame, Key, LegendItem};
use crate::output::html::folder::{Csv, Folder};
use crate::output::html::markup::{self, csv_html_table, remark, sig};
use crate::output::html::rows::{Mark, RefLine, RowsChart, Shape};
use crate::output::html::section::{common_facts, confidence_text, figure, first_model};

pub const SENSITIVITY: &str = "sensitivity.csv";

/// The most factors drawn; the tables list them all.
const MAX_FACTORS: usize = 40;

pub fn facts(f: &Folder) -> Vec<(&'static str, String)> {
    let mut items = vec![("Command", "sensitivity".to_string())];
    if let Some(name) = first_model(f) {
        items.push(("Model", markup::escape(&name)));
    }
    for (k, path) in [
        ("Method", "method"),
        ("Quantity", "quantity"),
        ("Evaluations", "evaluations"),
        ("Design", "design"),
        ("Estimators", "estimators"),
        ("Blocks for the intervals", "blocks"),
        ("Bootstrap resamples", "bootstrap"),
    ] {
        if let Some(v) = f.text(&["details", path]) {
            items.push((k, markup::escape(&v)));
        }
    }
    common_facts(f, &mut items);
    items
}

/// The file's columns this section reads.
struct Cols {
    factor: usize,
    measure: usize,
    value: usize,
    ci_low: usize,
    ci_high: usize,
}

/// Each factor (in the file's order, most influential first) and its rows
/// by measure.
struct Factors {
    names: Vec<String>,
    rows: Vec<Vec<usize>>,
}

impl Factors {
    fn read(csv: &Csv, c: &Cols) -> Factors {
        let names = csv.distinct(c.factor);
        let rows = names.iter().map(|n| csv.rows_where(c.factor, n)).collect();
        Factors { names, rows }
    }

    /// Factor `i`'s row of `measure`.
    fn row(&self, csv: &Csv, c: &Cols, i: usize, measure: &str) -> Option<usize> {
        self.rows[i]
            .iter()
            .copied()
            .find(|&r| csv.str(r, c.measure) == measure)
    }
}

pub fn section(f: &Folder) -> Result<String> {
    let csv = f.require_csv(SENSITIVITY)?;
    let [factor, measure, value, ci_low, ci_high] =
        csv.cols(["factor", "measure", "value", "ci_low", "ci_high"])?;
    let c = Cols {
        factor,
        measure,
        value,
        ci_low,
        ci_high,
    };
    let method = match f.text(&["details", "method"]) {
        Some(m) => m,
        None => {
            let m = csv.col("method")?;
            csv.rows.first().map(|r| r[m].clone()).unwrap_or_default()
        }
    };
    let quantity = match f.text(&["details", "quantity"]) {
        Some(q) => q,
        None => {
            let q = csv.col("quantity")?;
            csv.rows.first().map(|r| r[q].clone()).unwrap_or_default()
        }
    };
    let mut h = String::new();
    if csv.rows.is_empty() {
        h.push_str(&remark("sensitivity.csv has no rows."));
        return Ok(h);
    }
    let factors = Factors::read(&csv, &c);
    if factors.names.len() > MAX_FACTORS {
        h.push_str(&remark(&format!(
            "The chart shows the {MAX_FACTORS} most influential of {} factors; the table lists all.",
            factors.names.len()
        )));
    }
    match method.parse::<Method>() {
        Ok(Method::Sobol) => h.push_str(&sobol(f, &csv, &c, &factors, &quantity)?),
        Ok(Method::Tornado) => h.push_str(&tornado(f, &csv, &c, &factors, &quantity)?),
        Ok(Method::Rank) => h.push_str(&spearman(f, &csv, &c, &factors, &quantity)?),
        Ok(Method::Filter) => h.push_str(&filter(f, &csv, &c, &factors, &quantity)?),
        Err(_) => {
            h.push_str(&remark(&format!(
                "No chart for the method {method:?}; its rows follow."
            )));
            let all: Vec<usize> = (0..csv.rows.len()).collect();
            h.push_str(&csv_html_table(
                "",
                &csv,
                &["rank", "factor", "measure", "value", "ci_low", "ci_high"],
                &all,
            )?);
        }
    }
    Ok(h)
}

fn shown(factors: &Factors) -> Vec<String> {
    factors.names.iter().take(MAX_FACTORS).cloned().collect()
}

fn num_or_nan(csv: &Csv, row: Option<usize>, col: usize) -> Result<f64> {
    row.map_or(Ok(f64::NAN), |r| csv.num(r, col))
}

fn sobol(f: &Folder, csv: &Csv, c: &Cols, factors: &Factors, q: &str) -> Result<String> {
    let names = shown(factors);
    let mut marks = Vec::new();
    for (measure, offset, color) in [
        ("first_order", -0.16, chart::BLUE),
        ("total", 0.16, chart::VERMILION),
    ] {
        for i in 0..names.len() {
            let r = factors.row(csv, c, i, measure);
            marks.push(Mark {
                row: i,
                offset,
                shape: Shape::Bar { from: 0.0 },
                value: num_or_nan(csv, r, c.value)?,
                lo: num_or_nan(csv, r, c.ci_low)?,
                hi: num_or_nan(csv, r, c.ci_high)?,
                color,
                size: 0.3,
            });
        }
    }
    let mut frame = Frame::new(
        f.id(Method::Sobol.name()),
        Method::Sobol.name(),
        format!(
            "Sobol indices of {q} ({} {})",
            confidence_text(f),
            match (
                f.text(&["details", "interval"]).as_deref(),
                f.text(&["details", "blocks"]),
            ) {
                (Some("blocks-t"), Some(r)) => format!("t intervals from {r} blocks"),
                _ => "bootstrap intervals".to_string(),
            }
        ),
    );
    frame.legend = vec![
        LegendItem {
            label: "first-order index S1".to_string(),
            color: chart::BLUE,
            key: Key::Box,
        },
        LegendItem {
            label: "total index ST".to_string(),
            color: chart::VERMILION,
            key: Key::Box,
        },
    ];
    let mut chart = RowsChart::new(frame, format!("Sobol index of {q}"), names);
    chart.marks = marks;
    chart.refs = vec![RefLine {
        value: 0.0,
        label: String::new(),
    }];
    chart.row_height = 32;
    let svg = chart.svg()?;
    let table = csv_html_table(
        "",
        csv,
        &["rank", "factor", "measure", "value", "ci_low", "ci_high"],
        &(0..csv.rows.len()).collect::<Vec<_>>(),
    )?;
    Ok(figure(&svg, &table))
}

fn tornado(f: &Folder, csv: &Csv, c: &Cols, factors: &Factors, q: &str) -> Result<String> {
    let names = shown(factors);
    let mut marks = Vec::new();
    for i in 0..names.len() {
        let p10 = factors.row(csv, c, i, "at_p10");
        let p90 = factors.row(csv, c, i, "at_p90");
        let (a, b) = (
            num_or_nan(csv, p10, c.value)?,
            num_or_nan(csv, p90, c.value)?,
        );
        marks.push(Mark {
            row: i,
            offset: 0.0,
            shape: Shape::Span,
            value: f64::NAN,
            lo: a.min(b),
            hi: a.max(b),
            color: chart::GREY,
            size: 0.62,
        });
        for (r, value, offset, color) in [
            (p10, a, -0.13, chart::BLUE),
            (p90, b, 0.13, chart::VERMILION),
        ] {
            let mut m = Mark::dot(
                i,
                value,
                num_or_nan(csv, r, c.ci_low)?,
                num_or_nan(csv, r, c.ci_high)?,
                color,
            );
            m.offset = offset;
            m.size = 0.26;
            marks.push(m);
        }
    }
    let mut refs = Vec::new();
    let mut notes = String::new();
    match f.get(&["details", "reference"]).and_then(|v| v.as_f64()) {
        Some(base) => refs.push(RefLine {
            value: base,
            label: format!("base {}", sig(base, 3)),
        }),
        None => notes.push_str(&remark(
            "The base value (every input as modelled) is not in this folder's files: no base line.",
        )),
    }
    let mut frame = Frame::new(
        f.id(Method::Tornado.name()),
        Method::Tornado.name(),
        format!("Tornado: {q} with each input at its 10th and 90th percentile"),
    );
    frame.legend = vec![
        LegendItem {
            label: "input at its 10th percentile".to_string(),
            color: chart::BLUE,
            key: Key::Dot,
        },
        LegendItem {
            label: "input at its 90th percentile".to_string(),
            color: chart::VERMILION,
            key: Key::Dot,
        },
    ];
    let mut chart = RowsChart::new(frame, q.to_string(), names);
    chart.marks = marks;
    chart.refs = refs;
    chart.row_height = 28;
    let svg = chart.svg()?;
    let table = every_row(csv)?;
    Ok(format!("{notes}{}", figure(&svg, &table)))
}

fn spearman(f: &Folder, csv: &Csv, c: &Cols, factors: &Factors, q: &str) -> Result<String> {
    let names = shown(factors);
    let mut marks = Vec::new();
    let mut rows = Vec::new();
    for i in 0..factors.names.len() {
        let r = factors.row(csv, c, i, "spearman");
        if let Some(r) = r {
            rows.push(r);
        }
        if i >= names.len() {
            continue;
        }
        let value = num_or_nan(csv, r, c.value)?;
        marks.push(Mark {
            row: i,
            offset: 0.0,
            shape: Shape::Bar { from: 0.0 },
            value,
            lo: num_or_nan(csv, r, c.ci_low)?,
            hi: num_or_nan(csv, r, c.ci_high)?,
            color: if value < 0.0 {
                chart::VERMILION
            } else {
                chart::BLUE
            },
            size: 0.6,
        });
    }
    let frame = Frame::new(
        f.id(Method::Rank.name()),
        Method::Rank.name(),
        format!(
            "Spearman rank correlations with {q} ({} intervals)",
            confidence_text(f)
        ),
    );
    let mut chart = RowsChart::new(frame, format!("Spearman correlation with {q}"), names);
    chart.marks = marks;
    chart.refs = vec![RefLine {
        value: 0.0,
        label: String::new(),
    }];
    let svg = chart.svg()?;
    let table = csv_html_table(
        "",
        csv,
        &["rank", "factor", "measure", "value", "ci_low", "ci_high"],
        &rows,
    )?;
    Ok(figure(&svg, &table))
}

/// Kolmogorov-Smirnov distances from 0 to 1, one bar per factor, most
/// separating first; the table gives each distance with its p-value.
fn filter(f: &Folder, csv: &Csv, c: &Cols, factors: &Factors, q: &str) -> Result<String> {
    let names = shown(factors);
    let mut marks = Vec::new();
    for i in 0..names.len() {
        let r = factors.row(csv, c, i, "ks");
        marks.push(Mark {
            row: i,
            offset: 0.0,
            shape: Shape::Bar { from: 0.0 },
            value: num_or_nan(csv, r, c.value)?,
            lo: f64::NAN,
            hi: f64::NAN,
            color: chart::BLUE,
            size: 0.6,
        });
    }
    let frame = Frame::new(
        f.id(Method::Filter.name()),
        Method::Filter.name(),
        format!("Monte Carlo filtering of {q}: KS distance, {q} against not {q}"),
    );
    let mut chart = RowsChart::new(frame, "Kolmogorov-Smirnov distance D".to_string(), names);
    chart.marks = marks;
    chart.refs = vec![RefLine {
        value: 0.0,
        label: String::new(),
    }];
    let svg = chart.svg()?;
    let table = every_row(csv)?;
    Ok(figure(&svg, &table))
}

/// The table of every row of sensitivity.csv, in the columns the tornado
/// and filtering charts draw from.
fn every_row(csv: &Csv) -> Result<String> {
    csv_html_table(
        "",
        csv,
        &[
            "rank",
            "factor",
            "measure",
            "value",
            "ci_low",
            "ci_high",
            "factor_value",
        ],
        &(0..csv.rows.len()).collect::<Vec<_>>(),
    )
}
