//! The report from real result folders (small copies of what the binary
//! wrote, in `testdata/`; `histogram.csv` and `convergence.csv` written to
//! the files' specification from the same run's draws).

use super::*;
use crate::error::Error;
use crate::output::format::exporter::OutputFile;
use crate::output::html::histogram::{LOG_SPAN, log_axis};

macro_rules! files {
    ($dir:literal: $($name:literal),+) => {
        vec![$(OutputFile {
            name: $name.to_string(),
            bytes: include_bytes!(concat!("testdata/", $dir, "/", $name)).to_vec(),
        }),+]
    };
}

fn folder(label: &str, files: Vec<OutputFile>) -> ResultFiles {
    ResultFiles {
        label: label.to_string(),
        files,
    }
}

fn run() -> ResultFiles {
    folder(
        "results/suwalki-baseline",
        files!("run": "manifest.json", "summary.csv", "histogram.csv", "convergence.csv"),
    )
}

/// A stepped run (language 1.2): 12 months of models/examples/runway.toml.
fn stepped() -> ResultFiles {
    folder(
        "results/runway",
        files!("stepped": "manifest.json", "summary.csv", "histogram.csv", "convergence.csv", "horizon.csv"),
    )
}

fn compare() -> ResultFiles {
    folder(
        "results/compare",
        files!("compare": "manifest.json", "compare.csv"),
    )
}

fn sweep() -> ResultFiles {
    folder(
        "results/sweep",
        files!("sweep": "manifest.json", "sweep.csv"),
    )
}

fn grid() -> ResultFiles {
    folder("results/grid", files!("grid": "manifest.json", "sweep.csv"))
}

fn sobol() -> ResultFiles {
    folder(
        "results/sobol",
        files!("sobol": "manifest.json", "sensitivity.csv"),
    )
}

fn tornado() -> ResultFiles {
    folder(
        "results/tornado",
        files!("tornado": "manifest.json", "sensitivity.csv"),
    )
}

fn rank() -> ResultFiles {
    folder(
        "results/rank",
        files!("rank": "manifest.json", "sensitivity.csv"),
    )
}

fn filter() -> ResultFiles {
    folder(
        "results/filter",
        files!("filter": "manifest.json", "sensitivity.csv"),
    )
}

fn html(folders: &[ResultFiles]) -> String {
    String::from_utf8(render(folders).expect("renders")).expect("UTF-8")
}

fn file<'a>(f: &'a ResultFiles, name: &str) -> &'a [u8] {
    &f.files.iter().find(|x| x.name == name).unwrap().bytes
}

/// `f` with file `name` replaced by `bytes` (or removed, if None).
fn with(mut f: ResultFiles, name: &str, bytes: Option<&[u8]>) -> ResultFiles {
    f.files.retain(|x| x.name != name);
    if let Some(b) = bytes {
        f.files.push(OutputFile {
            name: name.to_string(),
            bytes: b.to_vec(),
        });
    }
    f
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Nothing that would make a browser fetch anything: no URL but the SVG
/// namespace, no scripts, links, images, frames, imports.
fn assert_offline(h: &str) {
    let without_ns = h.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for bad in [
        "http://", "https://", "url(", "@import", "<script", "<link", "<img", "<iframe", "<object",
        "<embed", " src=", "//fonts", "data:",
    ] {
        assert!(
            !without_ns.to_ascii_lowercase().contains(bad),
            "the report contains {bad:?}"
        );
    }
    for href in without_ns.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#'),
            "a link out: {}",
            &href[..40.min(href.len())]
        );
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The cells between `open` and `close` tags in `s`, in order.
fn cells(s: &str, open: &str, close: &str) -> Vec<String> {
    s.split(open)
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            unescape(&c[..c.find(close).unwrap()])
        })
        .collect()
}

/// Every table of the page that shows a CSV file's values: (file, header, rows).
fn tables(h: &str) -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
    h.split("<table class=\"data\"")
        .skip(1)
        .filter_map(|t| {
            let t = &t[..t.find("</table>").unwrap()];
            let file = t.strip_prefix(" data-file=\"")?;
            let file = file[..file.find('"').unwrap()].to_string();
            let head = &t[t.find("<thead>").unwrap()..t.find("</thead>").unwrap()];
            let header = cells(head, "<th ", "</th>");
            let body = &t[t.find("<tbody>").unwrap()..];
            let rows = body
                .split("<tr>")
                .skip(1)
                .map(|r| cells(r, "<td", "</td>"))
                .collect();
            Some((file, header, rows))
        })
        .collect()
}

/// Every table cell equals the CSV file's string: a table whose columns
/// are all the file's shows a row of the file exactly; in a table of
/// several measures per row (sensitivity), a cell under a measure's name is
/// one of the file's `value`s and a cell under a column's name one of that
/// column's strings. Returns the number of cells checked.
fn assert_tables_match(h: &str, folders: &[&ResultFiles]) -> usize {
    let mut checked = 0;
    for (file, header, rows) in tables(h) {
        let csv = folders
            .iter()
            .find_map(|f| f.files.iter().find(|x| x.name == file))
            .unwrap_or_else(|| panic!("a table of {file}, which no folder has"));
        let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
        let cols: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let index: Vec<Option<usize>> = header
            .iter()
            .map(|h| cols.iter().position(|c| c == h))
            .collect();
        let mut distinct = header.clone();
        distinct.sort();
        distinct.dedup();
        let plain = index.iter().all(Option::is_some) && distinct.len() == header.len();
        for row in &rows {
            assert_eq!(row.len(), header.len(), "{file}: {row:?}");
            if plain {
                assert!(
                    records.iter().any(|rec| index
                        .iter()
                        .zip(row)
                        .all(|(c, cell)| rec[c.unwrap()] == *cell)),
                    "{file}: no row {row:?} under {header:?}"
                );
            } else {
                let value = cols.iter().position(|c| c == "value").unwrap();
                for (h, cell) in header.iter().zip(row) {
                    let col = cols.iter().position(|c| c == h).unwrap_or(value);
                    assert!(
                        cell.is_empty() || records.iter().any(|rec| rec[col] == *cell),
                        "{file}: {h} = {cell:?} is not in the file"
                    );
                }
            }
            checked += row.len();
        }
    }
    checked
}

/// The chart kinds of the page, in order.
fn charts(h: &str) -> Vec<String> {
    h.split("<svg class=\"chart chart-")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

fn check(f: &ResultFiles, expected: &[&str]) -> String {
    let h = html(std::slice::from_ref(f));
    assert_offline(&h);
    assert_eq!(count(&h, "<svg"), expected.len(), "{}", f.label);
    assert_eq!(charts(&h), expected, "{}", f.label);
    // Each chart sits in a figure with its table.
    for fig in h.split("<figure class=\"figure\">").skip(1) {
        let fig = &fig[..fig.find("</figure>").unwrap()];
        assert_eq!(count(fig, "<svg"), 1);
        assert!(
            fig.contains("<table class=\"data\""),
            "a chart without its table"
        );
    }
    assert!(assert_tables_match(&h, &[f]) > 0);
    assert!(h.starts_with("<!DOCTYPE html>") && h.ends_with("</html>\n"));
    h
}

#[test]
fn a_run_has_events_convergence_histograms_and_summary() {
    let f = run();
    let h = check(
        &f,
        &[
            "events",
            "convergence",
            "histogram",
            "histogram",
            "histogram",
            "histogram",
            "histogram",
            "histogram",
        ],
    );
    for id in [
        "f1-events",
        "f1-convergence-closure",
        "f1-histogram-closure_risk",
        "f1-histogram-attack_force",
    ] {
        assert!(h.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(h.contains("class=\"result result-run\""));
    assert!(h.contains("Suwałki corridor closure, September 2020"));
    // The summary's own strings, in full.
    assert!(h.contains("<td class=\"num\">0.002319187279244854</td>"));
    assert!(h.contains("<td class=\"num\">14748.717261819958</td>"));
    // closure_risk's atom at zero is told, not drawn; its bins are log-spaced.
    assert!(h.contains("77.8% of samples exactly 0, not drawn"));
    assert!(h.contains("closure_risk (log scale)"));
    assert!(!h.contains("partial results"));
}

/// The `<svg>` element whose id is `id`, and the figure around it.
fn chart_and_figure<'a>(h: &'a str, id: &str) -> (&'a str, &'a str) {
    let at = h
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let start = h[..at].rfind("<figure").unwrap();
    let end = at + h[at..].find("</figure>").unwrap();
    let svg_end = at + h[at..].find("</svg>").unwrap();
    (&h[h[..at].rfind("<svg").unwrap()..svg_end], &h[start..end])
}

/// The CSV lines of horizon.csv for `quantity` and one of `measures`.
fn horizon_lines(f: &ResultFiles, quantity: &str, measures: &[&str]) -> Vec<Vec<String>> {
    String::from_utf8(file(f, "horizon.csv").to_vec())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|r| r[1] == quantity && measures.contains(&r[3].as_str()))
        .collect()
}

/// The points of the `n`-th `<polyline>` or `<polygon>` (`tag`) in `svg`
/// with the attribute `attr`.
fn shape_points(svg: &str, tag: &str, attr: &str, n: usize) -> Vec<(f64, f64)> {
    let shape = svg
        .split(&format!("<{tag} "))
        .skip(1)
        .filter(|s| s[..s.find('>').unwrap()].contains(attr))
        .nth(n)
        .unwrap_or_else(|| panic!("no {tag} {n} with {attr}"));
    let points = &shape[shape.find("points=\"").unwrap() + 8..];
    points[..points.find('"').unwrap()]
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// `pixels` are `values` on one linear axis (to within plotters' rounding
/// to whole pixels), an axis on which larger values are higher.
fn assert_linear(what: &str, values: &[f64], pixels: &[f64]) {
    assert_eq!(values.len(), pixels.len(), "{what}");
    let (lo, hi) = (0..values.len()).fold((0, 0), |(lo, hi), i| {
        (
            if values[i] < values[lo] { i } else { lo },
            if values[i] > values[hi] { i } else { hi },
        )
    });
    assert!(values[hi] > values[lo], "{what}: a flat line");
    let scale = (pixels[hi] - pixels[lo]) / (values[hi] - values[lo]);
    assert!(scale < 0.0, "{what}: larger values are not higher");
    for (v, p) in values.iter().zip(pixels) {
        let expected = pixels[lo] + (v - values[lo]) * scale;
        assert!((expected - p).abs() <= 1.5, "{what}: {v} at {p}, not {expected}");
    }
}

#[test]
fn a_stepped_run_draws_its_events_and_outputs_over_time() {
    let f = stepped();
    let h = check(
        &f,
        &[
            "events",
            "horizon",
            "horizon",
            "fan",
            "fan",
            "convergence",
            "histogram",
            "histogram",
        ],
    );
    assert!(h.contains("<h3 id=\"f1-over-time\">Over time</h3>"));
    assert!(h.contains("<dt>Steps</dt><dd>12</dd>") && h.contains("<dt>Step unit</dt><dd>month</dd>"));
    // Numbers that stand for a whole run are the last step's.
    assert!(h.contains("Event probabilities by the last step (month 12) with 95% intervals"));
    assert!(h.contains("Distribution of cash at the last step (month 12)"));
    for name in ["out_of_cash", "lost_a_client"] {
        let (svg, fig) = chart_and_figure(&h, &format!("f1-horizon-{name}"));
        assert!(svg.contains(&format!("Probability of {name} by each month, 95% interval band")));
        assert!(svg.contains(&format!("P({name} by this month)")));
        // The table under the chart is by_step's rows, in order; the other
        // measures are in a second one.
        let tables = tables(fig);
        assert_eq!(tables.len(), 2, "{name}");
        let by_step = horizon_lines(&f, name, &["by_step"]);
        assert_eq!(by_step.len(), 12);
        let drawn: Vec<Vec<String>> = by_step
            .iter()
            .map(|r| [1, 2, 3, 4, 5, 6].iter().map(|&c| r[c].clone()).collect())
            .collect();
        assert_eq!(tables[0].2, drawn, "{name}");
        assert_eq!(tables[1].2.len(), 24, "{name}: at_step and hazard");
        // One dot per step, at the step and at its by_step value.
        let dots: Vec<(f64, f64)> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| {
                let attr = |a: &str| -> f64 {
                    let v = &c[c.find(&format!("{a}=\"")).unwrap() + a.len() + 2..];
                    v[..v.find('"').unwrap()].parse().unwrap()
                };
                (attr("cx"), attr("cy"))
            })
            .collect();
        assert_eq!(dots.len(), 12, "{name}");
        let gaps: Vec<f64> = dots.windows(2).map(|w| w[1].0 - w[0].0).collect();
        assert!(gaps.iter().all(|g| (g - gaps[0]).abs() <= 1.0), "{gaps:?}");
        let values: Vec<f64> = by_step.iter().map(|r| r[4].parse().unwrap()).collect();
        if values[11] > values[0] {
            let ys: Vec<f64> = dots.iter().map(|d| d.1).collect();
            assert_linear(name, &values, &ys);
        }
    }
    for name in ["cash", "revenue"] {
        let (svg, fig) = chart_and_figure(&h, &format!("f1-fan-{name}"));
        assert!(svg.contains(&format!(
            "Spread of {name} by month: median in the 5th to 95th percentile band, and mean"
        )));
        for legend in ["p05 to p95", "median (p50)", "mean"] {
            assert!(svg.contains(&format!(">\n{legend}\n<")), "{name}: {legend}");
        }
        let rows = horizon_lines(&f, name, &["mean", "p05", "p50", "p95"]);
        assert_eq!(rows.len(), 48);
        let tables = tables(fig);
        assert_eq!(tables.len(), 1);
        let shown: Vec<Vec<String>> = rows
            .iter()
            .map(|r| [1, 2, 3, 4, 5, 6].iter().map(|&c| r[c].clone()).collect())
            .collect();
        assert_eq!(tables[0].2, shown, "{name}");
        // The band is p95 forward then p05 back; the median is a line on
        // the same axis.
        let of = |m: &str| -> Vec<f64> {
            rows.iter()
                .filter(|r| r[3] == m)
                .map(|r| r[4].parse().unwrap())
                .collect()
        };
        let band = shape_points(svg, "polygon", "fill=\"#0072B2\"", 0);
        assert_eq!(band.len(), 24, "{name}");
        let mut band_values = of("p95");
        band_values.extend(of("p05").iter().rev());
        let mut values = band_values.clone();
        values.extend(of("p50"));
        let median = shape_points(svg, "polyline", "stroke-width=\"2\"", 0);
        assert_eq!(median.len(), 12, "{name}");
        let pixels: Vec<f64> = band.iter().chain(&median).map(|p| p.1).collect();
        assert_linear(name, &values, &pixels);
        assert!(svg.contains("stroke=\"#D55E00\""), "{name}: no mean");
    }
}

#[test]
fn a_stepped_run_without_a_unit_counts_steps_and_long_tables_are_thinned() {
    let f = stepped();
    let manifest = String::from_utf8(file(&f, "manifest.json").to_vec())
        .unwrap()
        .replace("    \"step_unit\": \"month\",\n", "")
        .replace("\"steps\": 12", "\"steps\": 300");
    // 300 steps of one output: the chart draws them all, its table 120.
    let mut horizon = String::from("model,quantity,step,measure,value,ci_low,ci_high,confidence\n");
    for t in 1..=300 {
        for (m, v) in [("mean", 1.5), ("p05", 0.0), ("p50", 1.0), ("p95", 4.0)] {
            let v = v * f64::from(t);
            horizon.push_str(&format!("m,cash,{t},{m},{v},{v},{v},0.95\n"));
        }
    }
    let f = with(f, "manifest.json", Some(manifest.as_bytes()));
    let f = with(f, "horizon.csv", Some(horizon.as_bytes()));
    let h = check(&f, &["events", "fan", "convergence", "histogram", "histogram"]);
    assert!(h.contains("Spread of cash by step: median"));
    assert!(h.contains("Event probabilities by the last step (step 300)"));
    assert!(h.contains("(480 of 1200 rows of horizon.csv: 120 of 300 steps)"));
    let (svg, fig) = chart_and_figure(&h, "f1-fan-cash");
    assert_eq!(shape_points(svg, "polyline", "stroke-width=\"2\"", 0).len(), 300);
    let rows = &tables(fig)[0].2;
    assert_eq!((rows[0][1].as_str(), rows[rows.len() - 1][1].as_str()), ("1", "300"));
    // A quantity with neither measure is noted; no rows at all, too.
    let odd = "model,quantity,step,measure,value,ci_low,ci_high,confidence\nm,x,1,other,1,1,1,0.95\n";
    let h = html(&[with(stepped(), "horizon.csv", Some(odd.as_bytes()))]);
    assert!(h.contains("x: horizon.csv has neither by_step nor p50 rows for it."));
    let empty = "model,quantity,step,measure,value,ci_low,ci_high,confidence\n";
    let h = html(&[with(stepped(), "horizon.csv", Some(empty.as_bytes()))]);
    assert!(h.contains("horizon.csv has no rows."));
    // NaN hazards and a single step draw without fuss.
    let one = "model,quantity,step,measure,value,ci_low,ci_high,confidence
m,e,1,by_step,0,0,0.1,0.95
m,e,1,at_step,0,0,0.1,0.95
m,e,1,hazard,NaN,NaN,NaN,0.95
m,y,1,mean,2,1,3,0.95
m,y,1,p05,0,0,0,0.95
m,y,1,p50,2,2,2,0.95
m,y,1,p95,NaN,NaN,NaN,0.95
";
    let h = html(&[with(stepped(), "horizon.csv", Some(one.as_bytes()))]);
    assert_eq!(count(&h, "class=\"chart chart-horizon\""), 1);
    assert_eq!(count(&h, "class=\"chart chart-fan\""), 1);
    // A missing column is an error naming the folder and file.
    let (folder, file, reason) = error(&[with(
        stepped(),
        "horizon.csv",
        Some(b"model,quantity,step,value\n".as_slice()),
    )]);
    assert_eq!((folder.as_str(), file.as_str()), ("results/runway", "horizon.csv"));
    assert!(reason.contains("no column \"measure\""), "{reason}");
}

#[test]
fn a_comparison_has_forests_of_differences_and_ratios() {
    let h = check(&compare(), &["forest-diff", "forest-ratio"]);
    assert!(h.contains("closure: difference from suwalki-baseline"));
    assert!(h.contains("0 (no change)") && h.contains("1 (no change)"));
    // The variants are the rows; the base is not drawn.
    let diff = &h[h.find("chart-forest-diff").unwrap()..h.find("chart-forest-ratio").unwrap()];
    let svg = &diff[..diff.find("</svg>").unwrap()];
    assert!(svg.contains("suwalki-weak-us-commitment"));
    assert!(!svg.contains(">suwalki-baseline\n"));
    assert!(h.contains("models/baseline.toml is the base file or listed twice: skipped"));
}

#[test]
fn a_sweep_draws_the_first_event_and_output_against_the_input() {
    let h = check(&sweep(), &["sweep", "sweep"]);
    assert!(h.contains("id=\"f1-sweep-closure\"") && h.contains("id=\"f1-sweep-closure_risk\""));
    assert!(h.contains("Probability of closure vs us_commitment"));
    // The exact string in the table, rounded on the chart.
    assert!(h.contains("<td class=\"num\">0.49999999999999994</td>"));
}

#[test]
fn a_grid_has_one_line_per_value_of_the_second_input() {
    let h = check(&grid(), &["sweep", "sweep"]);
    assert!(h.contains("by russian_resolve"));
    for v in ["0.1", "0.3", "0.5"] {
        assert!(h.contains(&format!("russian_resolve = {v}\n")), "{v}");
    }
    assert!(h.contains("<td class=\"num\">0.30000000000000004</td>"));
}

#[test]
fn sensitivity_methods_each_have_their_chart() {
    let h = check(&sobol(), &["sobol"]);
    assert!(h.contains("first-order index S1") && h.contains("total index ST"));
    let h = check(&tornado(), &["tornado"]);
    assert!(h.contains("no base line"));
    let h = check(&rank(), &["rank"]);
    assert!(h.contains("Spearman rank correlations with closure"));
    let h = check(&filter(), &["filter"]);
    assert!(h.contains("Monte Carlo filtering of closure") && h.contains("ks_p_value"));
}

#[test]
fn a_sensitivity_table_lists_every_row_of_the_file() {
    for f in [sobol(), tornado(), rank(), filter()] {
        let h = html(std::slice::from_ref(&f));
        let (_, header, rows) = tables(&h).remove(0);
        assert_eq!(
            header[..6],
            ["rank", "factor", "measure", "value", "ci_low", "ci_high"]
        );
        let csv = String::from_utf8(file(&f, "sensitivity.csv").to_vec()).unwrap();
        let lines: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), lines.len());
        for (row, line) in rows.iter().zip(&lines) {
            let fields: Vec<&str> = line.split(',').collect();
            // rank, factor, measure, value, ci_low, ci_high are fields 3..9.
            assert_eq!(row[..6], fields[3..9], "{line}");
        }
    }
}

#[test]
fn a_tornado_draws_the_base_when_the_manifest_has_it() {
    let f = tornado();
    let manifest = String::from_utf8(file(&f, "manifest.json").to_vec()).unwrap();
    let manifest = manifest.replace(
        "\"details\": {",
        "\"details\": {\n    \"reference\": 0.00253,",
    );
    let h = html(&[with(f, "manifest.json", Some(manifest.as_bytes()))]);
    assert!(h.contains("base 0.00253"));
    assert!(!h.contains("no base line"));
}

#[test]
fn histogram_and_convergence_may_be_absent() {
    let f = with(with(run(), "histogram.csv", None), "convergence.csv", None);
    let h = check(&f, &["events"]);
    assert!(h.contains("Convergence chart not available: this folder has no convergence.csv."));
    assert!(h.contains("Histograms not available: this folder has no histogram.csv."));
    // An output without bins is noted, the others drawn.
    let f = run();
    let hist = String::from_utf8(file(&f, "histogram.csv").to_vec()).unwrap();
    let hist: String = hist
        .lines()
        .filter(|l| !l.contains(",force_ratio,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let h = html(&[with(f, "histogram.csv", Some(hist.as_bytes()))]);
    assert_eq!(count(&h, "class=\"chart chart-histogram\""), 5);
    assert!(h.contains("Histogram of force_ratio not available"));
}

#[test]
fn several_folders_are_sections_in_the_order_given() {
    let folders = [sobol(), run(), compare(), run()];
    let h = html(&folders);
    assert_offline(&h);
    let at = |s: &str| h.find(s).unwrap();
    assert!(at("id=\"f1\"") < at("id=\"f2\"") && at("id=\"f2\"") < at("id=\"f3\""));
    assert!(at("<h2>results/sobol</h2>") < at("<h2>results/suwalki-baseline</h2>"));
    assert!(at("class=\"result result-sensitivity\"") < at("class=\"result result-run\""));
    // A table of contents, and every id once (the same folder twice too).
    assert!(h.contains("<a href=\"#f4\">results/suwalki-baseline</a>"));
    let ids: Vec<&str> = h
        .split(" id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
    assert_eq!(count(&h, "<svg"), 1 + 8 + 2 + 8);
    assert!(assert_tables_match(&h, &folders.iter().collect::<Vec<_>>()) > 0);
}

#[test]
fn rendering_is_deterministic() {
    let folders = [
        run(),
        compare(),
        grid(),
        sobol(),
        tornado(),
        rank(),
        sweep(),
    ];
    let a = render(&folders).unwrap();
    let b = render(&folders).unwrap();
    assert!(a == b);
}

#[test]
fn text_from_the_files_is_escaped() {
    let f = run();
    let manifest = String::from_utf8(file(&f, "manifest.json").to_vec()).unwrap();
    let manifest = manifest.replace(
        "Suwałki corridor closure, September 2020",
        "<script>alert(\\\"x\\\")</script> & co",
    );
    let mut f = with(f, "manifest.json", Some(manifest.as_bytes()));
    f.label = "<b>label</b>".to_string();
    let h = html(&[f]);
    assert!(!h.contains("<script"), "unescaped script");
    assert!(h.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
    assert!(h.contains("<h2>&lt;b&gt;label&lt;/b&gt;</h2>"));
    // Notes, factor names in charts and tables too.
    let f = compare();
    let manifest = String::from_utf8(file(&f, "manifest.json").to_vec()).unwrap();
    let manifest = manifest.replace("is the base file", "<img src=x onerror=alert(1)>");
    let h = html(&[with(f, "manifest.json", Some(manifest.as_bytes()))]);
    assert!(!h.contains("<img"));
    assert!(h.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let f = rank();
    let csv = String::from_utf8(file(&f, "sensitivity.csv").to_vec()).unwrap();
    let csv = csv.replace(",attempt,", ",<i>attempt</i>,");
    let h = html(&[with(f, "sensitivity.csv", Some(csv.as_bytes()))]);
    assert!(!h.contains("<i>"));
    assert!(h.contains("&lt;i&gt;attempt&lt;/i&gt;"));
}

#[test]
fn partial_results_carry_a_banner() {
    let f = run();
    let manifest = String::from_utf8(file(&f, "manifest.json").to_vec()).unwrap();
    let manifest = manifest.replace("\"partial\": false", "\"partial\": true");
    let h = html(&[with(f, "manifest.json", Some(manifest.as_bytes()))]);
    assert!(h.contains("<p class=\"banner partial\" role=\"alert\">Partial results"));
}

/// The error's message, which must name the folder's label and the file.
fn error(folders: &[ResultFiles]) -> (String, String, String) {
    match render(folders) {
        Err(Error::ResultFile {
            folder,
            file,
            reason,
        }) => (folder, file, reason),
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("rendered"),
    }
}

#[test]
fn a_missing_manifest_or_results_file_is_an_error_naming_both() {
    let (folder, file, reason) = error(&[run(), with(compare(), "manifest.json", None)]);
    assert_eq!(
        (folder.as_str(), file.as_str()),
        ("results/compare", "manifest.json")
    );
    assert!(reason.contains("missing"), "{reason}");
    let (folder, file, _) = error(&[with(run(), "summary.csv", None)]);
    assert_eq!(
        (folder.as_str(), file.as_str()),
        ("results/suwalki-baseline", "summary.csv")
    );
    let e = render(&[with(sweep(), "sweep.csv", None)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "results/sweep: sweep.csv: missing: a sweep result has one beside manifest.json"
    );
    assert!(e.is_input_error());
}

#[test]
fn malformed_files_are_errors_naming_the_folder_and_file() {
    let cases: Vec<(ResultFiles, &str, &str)> = vec![
        (
            with(run(), "manifest.json", Some(b"{not json")),
            "manifest.json",
            "not valid JSON",
        ),
        (
            with(run(), "manifest.json", Some(b"[1, 2]")),
            "manifest.json",
            "not a JSON object",
        ),
        (
            with(run(), "manifest.json", Some(b"{\"command\": \"dance\"}")),
            "manifest.json",
            "unknown command \"dance\"",
        ),
        (
            with(run(), "manifest.json", Some(b"{\"seed\": 1}")),
            "manifest.json",
            "neither",
        ),
        (
            with(
                run(),
                "summary.csv",
                Some(b"model,quantity,kind\nm,closure,event\n"),
            ),
            "summary.csv",
            "no column \"mean\"",
        ),
        (
            with(
                run(),
                "summary.csv",
                Some(b"model,quantity,kind,mean,ci_low,ci_high\nm,closure,event,0.1,0.2\n"),
            ),
            "summary.csv",
            "line 2: 5 fields where the header has 6",
        ),
        (
            with(
                run(),
                "summary.csv",
                Some(b"model,quantity,kind,mean,ci_low,ci_high\nm,closure,event,lots,0,1\n"),
            ),
            "summary.csv",
            "line 2: column \"mean\" is \"lots\", not a number",
        ),
        (
            with(run(), "summary.csv", Some(b"")),
            "summary.csv",
            "empty",
        ),
        (
            with(
                run(),
                "histogram.csv",
                Some(b"model,quantity,bin_low,bin_high,count\nm,closure_risk,0,x,3\n"),
            ),
            "histogram.csv",
            "column \"bin_high\" is \"x\"",
        ),
        (
            with(run(), "convergence.csv", Some(b"model,quantity,samples\n")),
            "convergence.csv",
            "no column \"mean\"",
        ),
        (
            with(compare(), "compare.csv", Some(&[0xff, 0xfe, b'\n'])),
            "compare.csv",
            "",
        ),
        (
            with(sobol(), "sensitivity.csv", Some(b"rank,factor\n1,x\n")),
            "sensitivity.csv",
            "no column \"measure\"",
        ),
    ];
    for (f, name, words) in cases {
        let label = f.label.clone();
        let (folder, file, reason) = error(&[f]);
        assert_eq!(
            (folder.as_str(), file.as_str()),
            (label.as_str(), name),
            "{reason}"
        );
        assert!(reason.contains(words), "{name}: {reason}");
    }
}

#[test]
fn odd_values_are_drawn_without_fuss() {
    let manifest = file(&run(), "manifest.json").to_vec();
    let summary = "model,quantity,kind,samples,mean,std_error,ci_low,ci_high,confidence,interval,sd,min,p05,p25,p50,p75,p95,max,non_finite
m,never,event,10,0,0,0,0.3,0.95,wilson,0,0,0,0,0,0,0,0,0
m,odd,event,10,NaN,NaN,NaN,NaN,0.95,wilson,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,10
m,constant,output,10,2.5,0,2.5,2.5,0.95,t,0,2.5,2.5,2.5,2.5,2.5,2.5,2.5,0
m,zero,output,10,0,0,0,0,0.95,t,0,0,0,0,0,0,0,0,0
m,signed,output,10,-1,0.1,-1.2,-0.8,0.95,t,1,-1e308,-3,-2,-1,0,1,inf,1
";
    let histogram = "model,quantity,bin_low,bin_high,count
m,constant,2.5,2.5,10
m,zero,0,0,10
m,signed,-1e308,0,4
m,signed,0,1e308,5
m,signed,1e308,inf,1
";
    let convergence = "model,quantity,samples,mean,ci_low,ci_high
m,never,10,0,0,0.3
";
    let f = folder(
        "odd",
        vec![
            OutputFile {
                name: "manifest.json".into(),
                bytes: manifest,
            },
            OutputFile {
                name: "summary.csv".into(),
                bytes: summary.into(),
            },
            OutputFile {
                name: "histogram.csv".into(),
                bytes: histogram.into(),
            },
            OutputFile {
                name: "convergence.csv".into(),
                bytes: convergence.into(),
            },
        ],
    );
    let h = check(
        &f,
        &[
            "events",
            "convergence",
            "histogram",
            "histogram",
            "histogram",
        ],
    );
    assert!(h.contains("id=\"f1-histogram-zero\""));
    // A comparison of nothing but the base, a sweep of one point, a
    // sensitivity of undefined values.
    let cmp = compare();
    let c = file(&cmp, "compare.csv");
    let base_only: Vec<u8> = String::from_utf8(c.to_vec())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("model,") || l.starts_with("suwalki-baseline,"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes();
    let h = html(&[with(compare(), "compare.csv", Some(&base_only))]);
    assert!(h.contains("compare.csv has no variant besides the base."));
    let one = "model,us_commitment,quantity,kind,samples,mean,std_error,ci_low,ci_high\nm,0.5,closure,event,10,0.1,0.01,0.05,0.2\n";
    let h = html(&[with(sweep(), "sweep.csv", Some(one.as_bytes()))]);
    assert!(h.contains("No input takes more than one value"));
    let nan = "model,quantity,method,rank,factor,measure,value,ci_low,ci_high,confidence,factor_value,samples\nm,q,rank,1,a,spearman,NaN,NaN,NaN,0.95,NaN,10\n";
    let h = html(&[with(rank(), "sensitivity.csv", Some(nan.as_bytes()))]);
    assert_eq!(charts(&h), ["rank"]);
    let h = html(&[with(
        sobol(),
        "sensitivity.csv",
        Some(nan.replace("rank,1", "sobol,1").as_bytes()),
    )]);
    assert_eq!(charts(&h), ["sobol"]);
}

#[test]
fn no_folders_is_an_empty_report() {
    let h = html(&[]);
    assert_offline(&h);
    assert!(h.contains("No result folders."));
}

#[test]
fn the_file_name_and_log_rule_are_public() {
    assert_eq!(FILE_NAME, "report.html");
    // A folder read by INPUT_FILES alone renders as a whole one does.
    let all = with(run(), "draws.csv", Some(b"sample,x\n0,1\n"));
    let all = with(all, "report.html", Some(b"<html>an earlier report</html>"));
    let mut only = all.clone();
    only.files
        .retain(|f| INPUT_FILES.contains(&f.name.as_str()));
    assert_eq!(render(&[all]).unwrap(), render(&[only]).unwrap());
    assert!(INPUT_FILES.contains(&"convergence.csv") && !INPUT_FILES.contains(&"draws.csv"));
    assert!(INPUT_FILES.contains(&"horizon.csv"));
    let all = with(stepped(), "draws.csv", Some(b"sample,step,x\n0,1,1\n"));
    let mut only = all.clone();
    only.files
        .retain(|f| INPUT_FILES.contains(&f.name.as_str()));
    assert_eq!(render(&[all]).unwrap(), render(&[only]).unwrap());
    assert!(log_axis(&[(0.0, 0.0), (1.0, 10.0), (10.0, 100.0)]));
    assert_eq!(LOG_SPAN, 100.0);
}
