//! `report.html`: one self-contained page over one or several result
//! folders, rendered from their files alone. No network at all: no
//! scripts, fonts, images or styles from elsewhere; charts are inline SVG
//! drawn by plotters, each with a table of the numbers it shows, written
//! exactly as in the CSV files. The same bytes in give the same bytes out.
//!
//! This module picks each folder's section by the command that made it;
//! the sections are in `run`, `compare`, `sweep`, `sensitivity` and
//! `rare`, the machinery they share (reading folders, charts, HTML) in
//! `output::html`.

#[cfg(test)]
mod tests;

use crate::error::Result;
use crate::output::html::folder::{self, Command, Folder};
use crate::output::html::lines;
use crate::output::html::markup;
use crate::output::html::page::{Section, page};
use crate::output::{compare, rare, run, sensitivity, sweep};
use std::fmt::Write;

pub use crate::output::html::folder::ResultFiles;

pub const FILE_NAME: &str = "report.html";

/// The files a report reads; a shell reading a folder from disk needs no
/// other (draws.csv, part files and an earlier report.html are ignored).
pub const INPUT_FILES: &[&str] = &[
    folder::MANIFEST,
    run::report::SUMMARY,
    run::report::HISTOGRAM,
    run::report::CONVERGENCE,
    run::report::QUANTILES,
    run::report::HORIZON,
    compare::report::COMPARE,
    sweep::report::SWEEP,
    sensitivity::report::SENSITIVITY,
    rare::report::RARE,
];

/// The report over `folders`, one section each, in the order given. A
/// missing or malformed file is an `Error::ResultFile` naming the folder's
/// label and the file; `histogram.csv` and `convergence.csv` may be absent
/// (their charts are then noted as not available), and a run's
/// `horizon.csv` is there only for a stepped model (its charts over time).
pub fn render(folders: &[ResultFiles]) -> Result<Vec<u8>> {
    let mut sections = Vec::with_capacity(folders.len());
    for (i, files) in folders.iter().enumerate() {
        let f = Folder::read(files, i + 1)?;
        sections.push(Section {
            label: f.label.to_string(),
            id: f.anchor(),
            command: f.command.name(),
            body: section(&f)?,
        });
    }
    Ok(page(&sections).into_bytes())
}

/// The line under an analysis's heading: the models it involves.
fn models_line(f: &Folder) -> String {
    let names: Vec<String> = match f.get(&["models"]) {
        Some(serde_json::Value::Array(models)) => models
            .iter()
            .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        2 => format!("{} against {}", names[1], names[0]),
        n => format!("{} and {} variants", names[0], n - 1),
    }
}

/// One folder's section.
fn section(f: &Folder) -> Result<String> {
    let (subtitle, facts, body) = match f.command {
        Command::Run => (
            run::report::subtitle(f),
            run::report::facts(f),
            run::report::section(f)?,
        ),
        Command::Compare => (
            models_line(f),
            compare::report::facts(f),
            compare::report::section(f)?,
        ),
        Command::Sweep => (
            models_line(f),
            sweep::report::facts(f),
            sweep::report::section(f)?,
        ),
        Command::Sensitivity => (
            models_line(f),
            sensitivity::report::facts(f),
            sensitivity::report::section(f)?,
        ),
        Command::Rare => (
            models_line(f),
            rare::report::facts(f),
            rare::report::section(f)?,
        ),
    };
    let mut h = String::new();
    if !subtitle.is_empty() {
        let _ = writeln!(h, "<p class=\"subtitle\">{}</p>", markup::escape(&subtitle));
    }
    if f.partial() {
        h.push_str(
            "<p class=\"banner partial\" role=\"alert\">Partial results: the run was \
             interrupted, and these numbers cover only the samples completed.</p>\n",
        );
    }
    h.push_str(&markup::facts(&facts));
    let notes = f.notes();
    if !notes.is_empty() {
        h.push_str("<h3>Notes</h3>\n");
        h.push_str(&markup::notes(&notes));
    }
    h.push_str(&body);
    Ok(h)
}

/// A running job's convergence chart, drawn as the report draws it, from
/// its points so far (`[samples, mean, ci_low, ci_high]`): what the
/// service's page shows until the report exists.
pub fn live_convergence_chart(
    quantity: &str,
    is_event: bool,
    confidence: f64,
    points: &[[f64; 4]],
) -> Result<String> {
    let points = points
        .iter()
        .map(|&[x, y, lo, hi]| lines::Point { x, y, lo, hi })
        .collect();
    run::report::convergence_svg(
        "live-convergence".to_string(),
        quantity,
        is_event,
        &format!("{}%", markup::sig(confidence * 100.0, 4)),
        points,
        "now",
    )
}
