//! A run's section (`run`, or `merge` of a run's parts): its event
//! probabilities, a stepped model's charts over the steps
//! (`horizon_report`), the first event's convergence, each output's
//! histogram and the summary table.

use crate::error::Result;
use crate::output::html::chart::{self, Frame, GREEN, INK, VERMILION};
use crate::output::html::folder::{Csv, Folder};
use crate::output::html::histogram::{self, Bin, HistogramChart, LOG_SPAN, Marker};
use crate::output::html::lines::{LinesChart, Point, Series};
use crate::output::html::markup::{self, csv_html_table, details, remark, sig};
use crate::output::html::rows::{Mark, RowsChart};
use crate::output::html::section::{confidence_text, figure};

pub const SUMMARY: &str = "summary.csv";
pub const HISTOGRAM: &str = "histogram.csv";
pub const CONVERGENCE: &str = "convergence.csv";
pub const QUANTILES: &str = "quantiles.csv";
pub const HORIZON: &str = super::horizon_report::HORIZON;

/// The most convergence points drawn and tabled; more are thinned to
/// about this many, evenly on a log scale of samples.
const CONVERGENCE_POINTS: usize = 120;

const EVENT_COLUMNS: [&str; 8] = [
    "quantity",
    "samples",
    "mean",
    "std_error",
    "ci_low",
    "ci_high",
    "interval",
    "non_finite",
];

const OUTPUT_COLUMNS: [&str; 7] = [
    "quantity",
    "samples",
    "mean",
    "std_error",
    "ci_low",
    "ci_high",
    "non_finite",
];

const QUANTILE_COLUMNS: [&str; 9] = [
    "quantity", "sd", "min", "p05", "p25", "p50", "p75", "p95", "max",
];

pub fn facts(f: &Folder) -> Vec<(&'static str, String)> {
    let mut items = Vec::new();
    let mut push = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            items.push((k, markup::escape(&v)));
        }
    };
    push("Command", Some("run".to_string()));
    push("Model", f.text(&["model", "name"]));
    push("Model file", f.text(&["model", "file"]));
    push("Steps", f.text(&["model", "steps"]));
    push("Step unit", f.text(&["model", "step_unit"]));
    push("Seed", f.text(&["seed"]));
    push("Samples", f.text(&["samples"]));
    push("Confidence", f.text(&["confidence"]));
    push("Event interval", f.text(&["event_interval"]));
    if f.get(&["stopping"]).is_some_and(|s| s.is_object()) {
        let reached = match f.get(&["stopping", "reached"]) {
            Some(serde_json::Value::Bool(true)) => "reached",
            Some(serde_json::Value::Bool(false)) => "not reached (the sample limit came first)",
            _ => "",
        };
        push(
            "Stopping rule",
            Some(format!(
                "{} on {}: {reached}",
                f.text(&["stopping", "rule"]).unwrap_or_default(),
                f.text(&["stopping", "target"]).unwrap_or_default()
            )),
        );
    }
    push("Created", f.text(&["created"]));
    push("gaprisk", f.text(&["gaprisk_version"]));
    if let Some(hash) = f.text(&["model", "hash"]) {
        items.push(("Model hash", markup::short_hash(&hash)));
    }
    items
}

/// The title line under the folder's heading.
pub fn subtitle(f: &Folder) -> String {
    let name = f.text(&["model", "name"]).unwrap_or_default();
    match f.text(&["model", "title"]) {
        Some(t) if !t.is_empty() => format!("{name} — {t}"),
        _ => name,
    }
}

struct Summary {
    csv: Csv,
    quantity: usize,
    kind: usize,
    mean: usize,
    ci_low: usize,
    ci_high: usize,
}

impl Summary {
    fn rows_of(&self, kind: &str) -> Vec<usize> {
        self.csv.rows_where(self.kind, kind)
    }
}

pub fn section(f: &Folder) -> Result<String> {
    let csv = f.require_csv(SUMMARY)?;
    let [quantity, kind, mean, ci_low, ci_high] =
        csv.cols(["quantity", "kind", "mean", "ci_low", "ci_high"])?;
    let s = Summary {
        csv,
        quantity,
        kind,
        mean,
        ci_low,
        ci_high,
    };
    let events = s.rows_of("event");
    let outputs = s.rows_of("output");
    let mut h = String::new();
    h.push_str(&events_chart(f, &s, &events)?);
    h.push_str(&super::horizon_report::section(f)?);
    h.push_str(&convergence_chart(f, &s, &events, &outputs)?);
    h.push_str(&histograms(f, &s, &outputs)?);
    h.push_str("<h3>Summary</h3>\n");
    if !events.is_empty() {
        h.push_str(&csv_html_table(
            "Events (mean is the probability)",
            &s.csv,
            &EVENT_COLUMNS,
            &events,
        )?);
    }
    if !outputs.is_empty() {
        h.push_str(&csv_html_table(
            "Outputs: means",
            &s.csv,
            &OUTPUT_COLUMNS,
            &outputs,
        )?);
        h.push_str(&csv_html_table(
            "Outputs: spread and quantiles",
            &s.csv,
            &QUANTILE_COLUMNS,
            &outputs,
        )?);
        if let Some(q) = f.csv(QUANTILES)? {
            let rows: Vec<usize> = (0..q.rows.len()).collect();
            h.push_str(&csv_html_table(
                "Quantiles with distribution-free intervals (value within resolution, relative, of the sample quantile)",
                &q,
                &["quantity", "p", "value", "ci_low", "ci_high", "confidence", "resolution"],
                &rows,
            )?);
        }
    }
    if events.is_empty() && outputs.is_empty() {
        h.push_str(&remark("summary.csv has no rows."));
    }
    Ok(h)
}

fn events_chart(f: &Folder, s: &Summary, events: &[usize]) -> Result<String> {
    if events.is_empty() {
        return Ok(String::new());
    }
    let mut names = Vec::new();
    let mut marks = Vec::new();
    for (i, &r) in events.iter().enumerate() {
        names.push(s.csv.str(r, s.quantity).to_string());
        marks.push(Mark::dot(
            i,
            s.csv.num(r, s.mean)?,
            s.csv.num(r, s.ci_low)?,
            s.csv.num(r, s.ci_high)?,
            chart::BLUE,
        ));
    }
    let lows = marks.iter().map(|m| m.lo.min(m.value));
    let low = lows.fold(f64::INFINITY, f64::min);
    let high = marks
        .iter()
        .map(|m| m.hi.max(m.value))
        .fold(f64::NEG_INFINITY, f64::max);
    let log = low > 0.0 && high / low >= LOG_SPAN;
    let mut chart = RowsChart::new(
        Frame::new(
            f.id("events"),
            "events",
            match super::horizon_report::last_step(f) {
                Some(last) => format!(
                    "Event probabilities by the last step ({last}) with {} intervals",
                    confidence_text(f)
                ),
                None => format!("Event probabilities with {} intervals", confidence_text(f)),
            },
        ),
        "probability".to_string(),
        names,
    );
    chart.marks = marks;
    chart.log = log;
    chart.value_labels = true;
    chart.row_height = 30;
    let svg = chart.svg()?;
    let table = csv_html_table(
        "",
        &s.csv,
        &["quantity", "mean", "ci_low", "ci_high"],
        events,
    )?;
    Ok(figure(&svg, &table))
}

/// The rows to show of `n`: all, or about `CONVERGENCE_POINTS` evenly
/// spaced on a log scale, always with the first and the last.
fn thin(n: usize) -> Vec<usize> {
    if n <= CONVERGENCE_POINTS {
        return (0..n).collect();
    }
    let steps = CONVERGENCE_POINTS - 1;
    let last = (n - 1) as f64;
    let mut out: Vec<usize> = (0..=steps)
        .map(|k| ((last + 1.0).powf(k as f64 / steps as f64) - 1.0).round() as usize)
        .collect();
    out.dedup();
    out
}

fn convergence_chart(
    f: &Folder,
    s: &Summary,
    events: &[usize],
    outputs: &[usize],
) -> Result<String> {
    let Some(&first) = events.first().or(outputs.first()) else {
        return Ok(String::new());
    };
    let name = s.csv.str(first, s.quantity).to_string();
    let is_event = !events.is_empty();
    let mut h = String::from("<h3>Convergence</h3>\n");
    let Some(conv) = f.csv(CONVERGENCE)? else {
        h.push_str(&remark(
            "Convergence chart not available: this folder has no convergence.csv.",
        ));
        return Ok(h);
    };
    let [quantity, samples, mean, ci_low, ci_high] =
        conv.cols(["quantity", "samples", "mean", "ci_low", "ci_high"])?;
    let rows = conv.rows_where(quantity, &name);
    if rows.is_empty() {
        h.push_str(&remark(&format!(
            "Convergence chart not available: convergence.csv has no rows for {name}."
        )));
        return Ok(h);
    }
    let shown: Vec<usize> = thin(rows.len()).into_iter().map(|i| rows[i]).collect();
    let mut points = Vec::new();
    for &r in &shown {
        points.push(Point {
            x: conv.num(r, samples)?,
            y: conv.num(r, mean)?,
            lo: conv.num(r, ci_low)?,
            hi: conv.num(r, ci_high)?,
        });
    }
    let svg = convergence_svg(
        f.id(&format!("convergence-{name}")),
        &name,
        is_event,
        &confidence_text(f),
        points,
        "final",
    )?;
    let caption = if shown.len() < rows.len() {
        format!("{} of {} rows of convergence.csv", shown.len(), rows.len())
    } else {
        format!("{} rows of convergence.csv", rows.len())
    };
    let table = details(
        &format!("Convergence points of {name} ({caption})"),
        &csv_html_table(
            "",
            &conv,
            &["quantity", "samples", "mean", "ci_low", "ci_high"],
            &shown,
        )?,
    );
    h.push_str(&figure(&svg, &table));
    Ok(h)
}

/// The convergence chart: the estimate of `name` and its interval band
/// against samples, with a line at the last estimate (`last_label`).
pub fn convergence_svg(
    id: String,
    name: &str,
    is_event: bool,
    confidence: &str,
    points: Vec<Point>,
    last_label: &str,
) -> Result<String> {
    let last = points.last().map_or(f64::NAN, |p| p.y);
    let (title, y_desc) = if is_event {
        (
            format!("Convergence of the probability of {name}"),
            format!("probability of {name}"),
        )
    } else {
        (
            format!("Convergence of the mean of {name}"),
            format!("mean of {name}"),
        )
    };
    let chart = LinesChart {
        frame: Frame::new(
            id,
            "convergence",
            format!("{title}, {confidence} interval band"),
        ),
        x_desc: "samples".to_string(),
        y_desc,
        x_log: points.first().is_some_and(|p| p.x > 0.0) && points.len() > 2,
        x_steps: false,
        y_zero: false,
        series: vec![Series {
            label: name.to_string(),
            points,
        }],
        y_ref: Some((last, format!("{last_label} {}", sig(last, 4)))),
    };
    chart.svg()
}

fn histograms(f: &Folder, s: &Summary, outputs: &[usize]) -> Result<String> {
    if outputs.is_empty() {
        return Ok(String::new());
    }
    let mut h = String::from("<h3>Distributions of the outputs</h3>\n");
    let Some(hist) = f.csv(HISTOGRAM)? else {
        h.push_str(&remark(
            "Histograms not available: this folder has no histogram.csv.",
        ));
        return Ok(h);
    };
    let [quantity, bin_low, bin_high, count] =
        hist.cols(["quantity", "bin_low", "bin_high", "count"])?;
    let [p05, p50, p95] = s.csv.cols(["p05", "p50", "p95"])?;
    for &r in outputs {
        let name = s.csv.str(r, s.quantity).to_string();
        let rows = hist.rows_where(quantity, &name);
        if rows.is_empty() {
            h.push_str(&remark(&format!(
                "Histogram of {name} not available: histogram.csv has no bins for it."
            )));
            continue;
        }
        let mut bins = Vec::new();
        for &b in &rows {
            bins.push(Bin {
                low: hist.num(b, bin_low)?,
                high: hist.num(b, bin_high)?,
                count: hist.num(b, count)?,
            });
        }
        let markers = vec![
            Marker {
                name: "p05",
                value: s.csv.num(r, p05)?,
                color: chart::GREY,
            },
            Marker {
                name: "p50",
                value: s.csv.num(r, p50)?,
                color: INK,
            },
            Marker {
                name: "mean",
                value: s.csv.num(r, s.mean)?,
                color: VERMILION,
            },
            Marker {
                name: "p95",
                value: s.csv.num(r, p95)?,
                color: GREEN,
            },
        ];
        let svg = HistogramChart {
            frame: Frame::new(
                f.id(&format!("histogram-{name}")),
                "histogram",
                match super::horizon_report::last_step(f) {
                    Some(last) => format!("Distribution of {name} at the last step ({last})"),
                    None => format!("Distribution of {name}"),
                },
            ),
            quantity: name.clone(),
            bins,
            markers,
        }
        .svg()?;
        let mut tables = csv_html_table(
            "Marked values (summary.csv)",
            &s.csv,
            &["quantity", "p05", "p50", "mean", "p95"],
            &[r],
        )?;
        let pairs: Vec<(f64, f64)> = rows
            .iter()
            .map(|&b| Ok((hist.num(b, bin_low)?, hist.num(b, bin_high)?)))
            .collect::<Result<_>>()?;
        let axis = if histogram::log_axis(&pairs) {
            "log-spaced"
        } else {
            "evenly spaced"
        };
        tables.push_str(&details(
            &format!(
                "Bins of {name} ({} rows of histogram.csv, {axis})",
                rows.len()
            ),
            &csv_html_table(
                "",
                &hist,
                &["quantity", "bin_low", "bin_high", "count"],
                &rows,
            )?,
        ));
        h.push_str(&figure(&svg, &tables));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn thinning_keeps_the_ends() {
        assert_eq!(thin(5), vec![0, 1, 2, 3, 4]);
        let t = thin(6000);
        assert!(t.len() <= 120 && t.len() > 60, "{}", t.len());
        assert_eq!((t[0], *t.last().unwrap()), (0, 5999));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }
}
