//! A stepped run's part of its section, drawn from horizon.csv: each
//! event's probability of having happened by each step (`by_step`) with
//! its interval band, and each output's fan (p50 in the band from p05 to
//! p95, and the mean) against the step. A folder without horizon.csv (a
//! static model) has none of it.

use crate::error::Result;
use crate::output::html::chart::Frame;
use crate::output::html::fan::{FanChart, FanStep};
use crate::output::html::folder::{Csv, Folder};
use crate::output::html::lines::{LinesChart, Point, Series};
use crate::output::html::markup::{csv_html_table, details, remark};
use crate::output::html::section::{confidence_text, figure};

pub const HORIZON: &str = super::horizon_csv::FILE_NAME;

/// The most steps a table lists; more are thinned to this many, evenly,
/// always with the first and the last (the charts draw every step).
const TABLE_STEPS: usize = 120;

const COLUMNS: [&str; 6] = ["quantity", "step", "measure", "value", "ci_low", "ci_high"];

/// What the manifest calls a step: its `step_unit`, or "step".
pub fn unit(f: &Folder) -> String {
    f.text(&["model", "step_unit"])
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "step".to_string())
}

/// "month 24": the last step, as the manifest gives it; None for a static
/// model.
pub fn last_step(f: &Folder) -> Option<String> {
    let steps = f.get(&["model", "steps"])?.as_u64()?;
    Some(format!("{} {steps}", unit(f)))
}

struct Horizon {
    csv: Csv,
    step: usize,
    measure: usize,
    value: usize,
    ci_low: usize,
    ci_high: usize,
}

impl Horizon {
    /// Rows of `rows` whose measure is one of `measures`.
    fn measured(&self, rows: &[usize], measures: &[&str]) -> Vec<usize> {
        rows.iter()
            .copied()
            .filter(|&r| measures.contains(&self.csv.str(r, self.measure)))
            .collect()
    }

    /// The value of `measure` in `rows` at each step, in file order.
    fn series(&self, rows: &[usize], measure: &str) -> Result<Vec<Point>> {
        self.measured(rows, &[measure])
            .into_iter()
            .map(|r| {
                Ok(Point {
                    x: self.csv.num(r, self.step)?,
                    y: self.csv.num(r, self.value)?,
                    lo: self.csv.num(r, self.ci_low)?,
                    hi: self.csv.num(r, self.ci_high)?,
                })
            })
            .collect()
    }

    /// `rows` at the steps a table lists, and a caption's count.
    fn table_rows(&self, rows: &[usize]) -> (Vec<usize>, String) {
        let steps = self.csv.distinct_among(rows, self.step);
        if steps.len() <= TABLE_STEPS {
            return (rows.to_vec(), format!("{} rows of {HORIZON}", rows.len()));
        }
        let last = steps.len() - 1;
        let mut keep: Vec<&str> = (0..TABLE_STEPS)
            .map(|k| steps[(k * last + (TABLE_STEPS - 1) / 2) / (TABLE_STEPS - 1)].as_str())
            .collect();
        keep.dedup();
        let shown: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| keep.contains(&self.csv.str(r, self.step)))
            .collect();
        let caption = format!(
            "{} of {} rows of {HORIZON}: {} of {} steps",
            shown.len(),
            rows.len(),
            keep.len(),
            steps.len()
        );
        (shown, caption)
    }

    fn table(&self, summary: &str, rows: &[usize]) -> Result<String> {
        let (shown, caption) = self.table_rows(rows);
        Ok(details(
            &format!("{summary} ({caption})"),
            &csv_html_table("", &self.csv, &COLUMNS, &shown)?,
        ))
    }
}

/// The charts over the steps, or nothing when the folder has no
/// horizon.csv.
pub fn section(f: &Folder) -> Result<String> {
    let Some(csv) = f.csv(HORIZON)? else {
        return Ok(String::new());
    };
    let [quantity, step, measure, value, ci_low, ci_high] = csv.cols(COLUMNS)?;
    let h = Horizon {
        csv,
        step,
        measure,
        value,
        ci_low,
        ci_high,
    };
    let unit = unit(f);
    let confidence = confidence_text(f);
    let mut out = format!("<h3 id=\"{}\">Over time</h3>\n", f.id("over-time"));
    let names = h.csv.distinct(quantity);
    if names.is_empty() {
        out.push_str(&remark(&format!("{HORIZON} has no rows.")));
        return Ok(out);
    }
    out.push_str(&remark(&format!(
        "Events: the probability of having happened by each {unit}, with its {confidence} \
         interval band. Outputs: the median at each {unit} in the band from the 5th to the \
         95th percentile, and the mean."
    )));
    for name in &names {
        let rows = h.csv.rows_where(quantity, name);
        let by_step = h.series(&rows, "by_step")?;
        if !by_step.is_empty() {
            out.push_str(&event_chart(f, &h, name, &rows, by_step, &unit, &confidence)?);
        } else if !h.measured(&rows, &["p50"]).is_empty() {
            out.push_str(&fan_chart(f, &h, name, &rows, &unit)?);
        } else {
            out.push_str(&remark(&format!(
                "{name}: {HORIZON} has neither by_step nor p50 rows for it."
            )));
        }
    }
    Ok(out)
}

fn event_chart(
    f: &Folder,
    h: &Horizon,
    name: &str,
    rows: &[usize],
    points: Vec<Point>,
    unit: &str,
    confidence: &str,
) -> Result<String> {
    let svg = LinesChart {
        frame: Frame::new(
            f.id(&format!("horizon-{name}")),
            "horizon",
            format!("Probability of {name} by each {unit}, {confidence} interval band"),
        ),
        x_desc: unit.to_string(),
        y_desc: format!("P({name} by this {unit})"),
        x_log: false,
        x_steps: true,
        y_zero: true,
        series: vec![Series {
            label: name.to_string(),
            points,
        }],
        y_ref: None,
    }
    .svg()?;
    let mut tables = h.table(
        &format!("by_step of {name}, as drawn"),
        &h.measured(rows, &["by_step"]),
    )?;
    let others = h.measured(rows, &["at_step", "hazard"]);
    if !others.is_empty() {
        tables.push_str(&h.table(&format!("at_step and hazard of {name}"), &others)?);
    }
    Ok(figure(&svg, &tables))
}

fn fan_chart(f: &Folder, h: &Horizon, name: &str, rows: &[usize], unit: &str) -> Result<String> {
    // One pass in file order: a step's row starts its entry.
    let mut steps: Vec<FanStep> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in h.measured(rows, &["mean", "p05", "p50", "p95"]) {
        let step = h.csv.num(r, h.step)?;
        let i = *index.entry(step.to_bits()).or_insert_with(|| {
            steps.push(FanStep {
                step,
                mean: f64::NAN,
                p05: f64::NAN,
                p50: f64::NAN,
                p95: f64::NAN,
            });
            steps.len() - 1
        });
        let v = h.csv.num(r, h.value)?;
        let s = &mut steps[i];
        match h.csv.str(r, h.measure) {
            "mean" => s.mean = v,
            "p05" => s.p05 = v,
            "p50" => s.p50 = v,
            _ => s.p95 = v,
        }
    }
    let svg = FanChart {
        frame: Frame::new(
            f.id(&format!("fan-{name}")),
            "fan",
            format!("Spread of {name} by {unit}: median in the 5th to 95th percentile band, and mean"),
        ),
        x_desc: unit.to_string(),
        y_desc: name.to_string(),
        steps,
    }
    .svg()?;
    let table = h.table(
        &format!("mean, p05, p50 and p95 of {name}, as drawn"),
        &h.measured(rows, &["mean", "p05", "p50", "p95"]),
    )?;
    Ok(figure(&svg, &table))
}
