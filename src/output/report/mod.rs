//! `report.html`: one self-contained page over one or several result
//! folders, rendered from their files alone. No network at all: no
//! scripts, fonts, images or styles from elsewhere; charts are inline SVG
//! drawn by plotters, each with a table of the numbers it shows, written
//! exactly as in the CSV files. The same bytes in give the same bytes out.
//!
//! - `folder`: reading a folder's manifest and CSV files;
//! - `run`, `compare`, `sweep`, `sensitivity`: each command's section;
//! - `histogram`, `rows`, `lines`: the chart kinds; `chart`, `scale`: what
//!   they share; `html`: escaping and tables.

mod chart;
mod compare;
mod folder;
mod histogram;
mod html;
mod lines;
mod rare;
mod rows;
mod run;
mod scale;
mod sensitivity;
mod sweep;

#[cfg(test)]
mod tests;

use crate::error::Result;
use crate::output::format::exporter::OutputFile;
use folder::{Command, Folder};
use std::fmt::Write;

pub use histogram::{LOG_SPAN, log_axis};

pub const FILE_NAME: &str = "report.html";

/// The files a report reads; a shell reading a folder from disk needs no
/// other (draws.csv, part files and an earlier report.html are ignored).
pub const INPUT_FILES: &[&str] = &[
    folder::MANIFEST,
    run::SUMMARY,
    run::HISTOGRAM,
    run::CONVERGENCE,
    run::QUANTILES,
    compare::COMPARE,
    sweep::SWEEP,
    sensitivity::SENSITIVITY,
    rare::RARE,
];

/// One result folder's files (name -> exact bytes), as a job produced them
/// or as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFiles {
    /// What the report calls the folder (its heading): a path, a job id.
    pub label: String,
    pub files: Vec<OutputFile>,
}

/// The report over `folders`, one section each, in the order given. A
/// missing or malformed file is an `Error::ResultFile` naming the folder's
/// label and the file; `histogram.csv` and `convergence.csv` may be absent
/// (their charts are then noted as not available).
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

/// "95%" from the manifest's confidence, or "confidence" if it has none.
fn confidence_text(f: &Folder) -> String {
    match f.get(&["confidence"]).and_then(|c| c.as_f64()) {
        Some(c) if c > 0.0 && c < 1.0 => format!("{}%", html::sig(c * 100.0, 4)),
        _ => "confidence".to_string(),
    }
}

/// A chart and the tables of its numbers.
fn figure(svg: &str, tables: &str) -> String {
    format!("<figure class=\"figure\">\n{svg}{tables}</figure>\n")
}

/// The facts every analysis manifest has.
fn common_facts(f: &Folder, items: &mut Vec<(&'static str, String)>) {
    for (k, path) in [
        ("Seed", "seed"),
        ("Samples", "samples"),
        ("Confidence", "confidence"),
        ("Created", "created"),
        ("gaprisk", "gaprisk_version"),
    ] {
        if let Some(v) = f.text(&[path]) {
            items.push((k, html::escape(&v)));
        }
    }
}

/// The name of an analysis's (first) model.
fn first_model(f: &Folder) -> Option<String> {
    match f.get(&["models"])? {
        serde_json::Value::Array(models) => {
            models.first()?.get("name")?.as_str().map(str::to_string)
        }
        _ => None,
    }
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
        Command::Run => (run::subtitle(f), run::facts(f), run::section(f)?),
        Command::Compare => (models_line(f), compare::facts(f), compare::section(f)?),
        Command::Sweep => (models_line(f), sweep::facts(f), sweep::section(f)?),
        Command::Sensitivity => (
            models_line(f),
            sensitivity::facts(f),
            sensitivity::section(f)?,
        ),
        Command::Rare => (models_line(f), rare::facts(f), rare::section(f)?),
    };
    let mut h = String::new();
    if !subtitle.is_empty() {
        let _ = writeln!(h, "<p class=\"subtitle\">{}</p>", html::escape(&subtitle));
    }
    if f.partial() {
        h.push_str(
            "<p class=\"banner partial\" role=\"alert\">Partial results: the run was \
             interrupted, and these numbers cover only the samples completed.</p>\n",
        );
    }
    h.push_str(&html::facts(&facts));
    let notes = f.notes();
    if !notes.is_empty() {
        h.push_str("<h3>Notes</h3>\n");
        h.push_str(&html::notes(&notes));
    }
    h.push_str(&body);
    Ok(h)
}

const FONTS: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", \
                     \"Noto Sans\", \"Liberation Sans\", Arial, sans-serif";

fn style() -> String {
    format!(
        r#":root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
html {{ background: #fff; }}
body {{ margin: 0; background: #fff; color: #1f2328; font: 15px/1.5 {FONTS}; }}
main {{ max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }}
h1 {{ font-size: 1.6rem; margin: 0 0 6px; }}
h2 {{ font-size: 1.3rem; margin: 36px 0 2px; padding-top: 14px; border-top: 2px solid #d0d7de; overflow-wrap: anywhere; }}
h3 {{ font-size: 1.05rem; margin: 26px 0 8px; }}
.lead, .subtitle {{ color: #454c54; margin: 0 0 12px; }}
.banner.partial {{ background: #fff8c5; border: 2px solid #9a6700; color: #4d2d00; padding: 10px 14px; font-weight: 600; border-radius: 4px; }}
dl.meta {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px 22px; margin: 12px 0 8px; }}
dl.meta div {{ min-width: 0; }}
dl.meta dt {{ font-size: .74rem; color: #59636e; text-transform: uppercase; letter-spacing: .04em; }}
dl.meta dd {{ margin: 0; overflow-wrap: anywhere; }}
ul.notes {{ background: #f6f8fa; border-left: 4px solid #8c959f; margin: 0; padding: 8px 14px 8px 34px; }}
p.remark {{ color: #59636e; font-style: italic; }}
nav.toc ol {{ margin: 6px 0 0; padding-left: 24px; }}
nav.toc a {{ color: #0550ae; }}
figure.figure {{ margin: 14px 0 30px; }}
svg.chart {{ display: block; width: 100%; max-width: 860px; height: auto; margin: 0 0 8px; }}
svg.chart text {{ font-family: {FONTS}; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }}
.table-wrap {{ overflow-x: auto; max-width: 100%; }}
table.data {{ border-collapse: collapse; font-size: .8rem; margin: 4px 0 10px; }}
table.data caption {{ text-align: left; font-weight: 600; padding: 2px 0 4px; }}
table.data th, table.data td {{ border-bottom: 1px solid #d8dee4; padding: 3px 9px; text-align: left; white-space: nowrap; }}
table.data thead th {{ border-bottom: 2px solid #8c959f; background: #f6f8fa; font-weight: 600; }}
table.data td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
details {{ margin: 4px 0 10px; }}
details > summary {{ cursor: pointer; color: #0550ae; }}
footer {{ margin-top: 48px; padding-top: 10px; border-top: 1px solid #d0d7de; color: #59636e; font-size: .8rem; }}
@media print {{
  @page {{ margin: 14mm; }}
  html, body {{ background: #fff !important; color: #000; font-size: 10pt; }}
  main {{ max-width: none; padding: 0; }}
  h2, h3 {{ break-after: avoid; page-break-after: avoid; }}
  section.result + section.result {{ break-before: page; page-break-before: always; }}
  svg.chart {{ break-inside: avoid; page-break-inside: avoid; max-width: 100%; }}
  figure.figure {{ break-inside: avoid-page; }}
  .table-wrap {{ overflow: visible; }}
  table.data {{ font-size: 7.5pt; }}
  table.data th, table.data td {{ white-space: normal; overflow-wrap: anywhere; padding: 2px 5px; }}
  table.data thead th, ul.notes {{ background: #fff; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; page-break-inside: avoid; }}
  .banner.partial {{ background: #fff; color: #000; border: 2px solid #000; }}
  nav.toc a, details > summary {{ color: #000; text-decoration: none; }}
}}
"#
    )
}

/// A folder's part of the page.
struct Section {
    label: String,
    id: String,
    command: &'static str,
    body: String,
}

/// The whole page.
fn page(sections: &[Section]) -> String {
    let labels: Vec<&str> = sections.iter().map(|s| s.label.as_str()).collect();
    let title = match labels.len() {
        0 => "gaprisk report".to_string(),
        1 => format!("gaprisk report: {}", labels[0]),
        n => format!("gaprisk report: {} result folders", n),
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        h,
        "<meta name=\"generator\" content=\"gaprisk {}\">",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(h, "<title>{}</title>", html::escape(&title));
    let _ = write!(h, "<style>\n{}</style>\n</head>\n<body>\n<main>\n", style());
    h.push_str("<header>\n<h1>gaprisk report</h1>\n");
    match sections.len() {
        0 => h.push_str(&html::remark("No result folders.")),
        1 => {}
        _ => {
            h.push_str("<nav class=\"toc\">Result folders, in the order given:\n<ol>\n");
            for s in sections {
                let _ = writeln!(
                    h,
                    "<li><a href=\"#{}\">{}</a></li>",
                    html::escape(&s.id),
                    html::escape(&s.label)
                );
            }
            h.push_str("</ol>\n</nav>\n");
        }
    }
    h.push_str("</header>\n");
    for s in sections {
        let _ = write!(
            h,
            "<section class=\"result result-{}\" id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            s.command,
            html::escape(&s.id),
            html::escape(&s.label),
            s.body
        );
    }
    let _ = write!(
        h,
        "<footer>Written by gaprisk {} from the files of each result folder. Tables show \
         the values exactly as the CSV files have them; charts round them.</footer>\n\
         </main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    h
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
    run::convergence_svg(
        "live-convergence".to_string(),
        quantity,
        is_event,
        &format!("{}%", html::sig(confidence * 100.0, 4)),
        points,
        "now",
    )
}
