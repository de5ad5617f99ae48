//! report.html through the real binary, for every command: self-contained
//! (nothing loaded from anywhere), the expected charts present, and every
//! number in its tables equal to the CSV file it names; `gaprisk report`
//! rebuilds the same bytes and combines folders.

mod common;
use common::*;
use std::collections::HashMap;
use std::path::Path;

/// One `<table class="data" data-file="F">`: F, its header, its rows.
struct Table {
    file: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The cells between `open` and `close` tags in `html`, in order.
fn cells(html: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        let after = &rest[at + open.len()..];
        if !after.starts_with([' ', '>']) {
            // `<thead>` when looking for `<th`.
            rest = after;
            continue;
        }
        let start = after.find('>').unwrap() + 1;
        let end = after.find(close).unwrap();
        out.push(unescape(&after[start..end]));
        rest = &after[end..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn tables(html: &str) -> Vec<Table> {
    let mut out = Vec::new();
    let marker = "<table class=\"data\" data-file=\"";
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        let after = &rest[at + marker.len()..];
        let file = after[..after.find('"').unwrap()].to_string();
        let body = &after[..after.find("</table>").unwrap()];
        let header = cells(body, "<th", "</th>");
        let rows = body
            .split("<tr>")
            .skip(1)
            .map(|tr| cells(tr, "<td", "</td>"))
            .filter(|r| !r.is_empty())
            .collect();
        out.push(Table { file, header, rows });
        rest = &after[body.len()..];
    }
    out
}

/// Checks everything the report promises and returns its chart classes.
fn check_report(dir: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // Self-contained: the only URL is the SVG namespace.
    let urls = html.matches("http").count();
    let namespace = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, namespace, "a URL other than the SVG namespace");
    for banned in ["<script", "src=", "@import", "url(", "<link", "<img"] {
        assert!(!html.contains(banned), "report.html has {banned}");
    }
    // Every table row is a row of the CSV file it names, value for value.
    let tables = tables(&html);
    assert!(!tables.is_empty());
    let mut checked = 0;
    for t in &tables {
        let csv: Vec<Row> = read_summary(&dir.join(&t.file));
        for row in &t.rows {
            assert_eq!(row.len(), t.header.len(), "{}: {row:?}", t.file);
            let found = csv.iter().any(|c| {
                t.header
                    .iter()
                    .zip(row)
                    .all(|(h, v)| c.get(h).is_some_and(|x| x == v))
            });
            assert!(found, "{}: no row {:?} = {row:?}", t.file, t.header);
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} rows checked");
    let marker = "<svg class=\"chart ";
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn gaprisk_into(dir: &Path, args: &[&str]) {
    gaprisk()
        .args(args)
        .args(["--quiet", "--out"])
        .arg(dir)
        .assert()
        .success();
}

fn count(charts: &[String]) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for c in charts {
        *n.entry(c.clone()).or_insert(0) += 1;
    }
    n
}

#[test]
fn every_command_writes_a_self_contained_report_of_its_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    gaprisk_into(
        &dir("run"),
        &["run", "models/baseline.toml", "-n", "200000"],
    );
    let charts = check_report(&dir("run"));
    let n = count(&charts);
    // Five events in one chart, the first event's convergence, and a
    // histogram per output (six).
    assert_eq!(n["chart-events"], 1, "{charts:?}");
    assert_eq!(n["chart-convergence"], 1, "{charts:?}");
    assert_eq!(n["chart-histogram"], 6, "{charts:?}");

    gaprisk_into(
        &dir("compare"),
        &[
            "compare",
            "models/baseline.toml",
            "models/full_withdrawal.toml",
            "models/no_us_rotation.toml",
            "-n",
            "50000",
        ],
    );
    let n = count(&check_report(&dir("compare")));
    assert_eq!((n["chart-forest-diff"], n["chart-forest-ratio"]), (1, 1));

    gaprisk_into(
        &dir("sweep"),
        &[
            "sweep",
            "models/baseline.toml",
            "--set",
            "us_commitment=0:1:5",
            "-n",
            "20000",
        ],
    );
    assert!(count(&check_report(&dir("sweep")))["chart-sweep"] >= 1);

    for (method, chart) in [
        ("sobol", "chart-sobol"),
        ("tornado", "chart-tornado"),
        ("rank", "chart-rank"),
        ("filter", "chart-filter"),
    ] {
        let out = dir(method);
        gaprisk_into(
            &out,
            &[
                "sensitivity",
                "models/baseline.toml",
                "--method",
                method,
                "-n",
                "8192",
                "--bootstrap",
                "20",
            ],
        );
        assert_eq!(count(&check_report(&out))[chart], 1, "{method}");
    }

    // A merged run draws the same report as the single run.
    for k in 1..=2 {
        gaprisk_into(
            &dir("parts"),
            &[
                "run",
                "models/baseline.toml",
                "-n",
                "200000",
                "--shard",
                &format!("{k}/2"),
            ],
        );
    }
    gaprisk()
        .args(["merge", "--quiet", "--out"])
        .arg(dir("merged"))
        .arg(dir("parts").join("part-1-of-2.json"))
        .arg(dir("parts").join("part-2-of-2.json"))
        .assert()
        .success();
    let (single, merged) = (
        std::fs::read(dir("run").join("report.html")).unwrap(),
        std::fs::read(dir("merged").join("report.html")).unwrap(),
    );
    let strip = |b: &[u8]| {
        // The manifests differ in when, how long and on how many threads.
        String::from_utf8(mask_timestamps(b))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("elapsed") && !l.contains("threads"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&single), strip(&merged));
    check_report(&dir("merged"));
}

#[test]
fn gaprisk_report_rebuilds_the_bytes_and_combines_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let sweep = tmp.path().join("sweep");
    gaprisk_into(&run, &["run", "models/baseline.toml", "-n", "50000"]);
    gaprisk_into(
        &sweep,
        &[
            "sweep",
            "models/baseline.toml",
            "--set",
            "us_commitment=0.2,0.8",
            "-n",
            "20000",
        ],
    );
    let written = std::fs::read(run.join("report.html")).unwrap();
    std::fs::remove_file(run.join("report.html")).unwrap();
    gaprisk().arg("report").arg(&run).assert().success();
    assert!(
        std::fs::read(run.join("report.html")).unwrap() == written,
        "`gaprisk report DIR` wrote other bytes than the run"
    );
    // Two folders, one report with a section for each.
    let both = tmp.path().join("both.html");
    gaprisk()
        .arg("report")
        .arg(&run)
        .arg(&sweep)
        .arg("--out")
        .arg(&both)
        .assert()
        .success()
        .stdout(format!("wrote {}\n", both.display()));
    let html = std::fs::read_to_string(&both).unwrap();
    assert!(html.contains("class=\"result result-run\""));
    assert!(html.contains("class=\"result result-sweep\""));
    assert!(html.contains(&sweep.display().to_string()));
    // Several folders need --out; a folder that holds no results is named.
    gaprisk()
        .arg("report")
        .arg(&run)
        .arg(&sweep)
        .assert()
        .code(2)
        .stderr("gaprisk: error: a report over several folders needs --out FILE\n");
    gaprisk()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(format!(
            "gaprisk: error: {}: no manifest.json here, so not a gaprisk result folder\n",
            tmp.path().display()
        ));
    // --no-report: no report.html, and the manifest does not list one.
    let quiet = tmp.path().join("quiet");
    gaprisk_into(
        &quiet,
        &["run", "models/baseline.toml", "-n", "20000", "--no-report"],
    );
    assert!(!quiet.join("report.html").exists());
    let manifest = std::fs::read_to_string(quiet.join("manifest.json")).unwrap();
    assert!(!manifest.contains("report.html"));
}

/// The figure around the chart whose id is `id`: its `<svg>` and its tables.
fn figure<'a>(html: &'a str, id: &str) -> (&'a str, Vec<Table>) {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let start = html[..at].rfind("<figure").unwrap();
    let end = at + html[at..].find("</figure>").unwrap();
    let svg = &html[html[..at].rfind("<svg").unwrap()..at + html[at..].find("</svg>").unwrap()];
    (svg, tables(&html[start..end]))
}

/// The numbers of a `points="x,y x,y"` attribute of `svg`'s `n`-th `tag`
/// whose attributes contain `attr`.
fn points(svg: &str, tag: &str, attr: &str, n: usize) -> Vec<(f64, f64)> {
    let shape = svg
        .split(&format!("<{tag} "))
        .skip(1)
        .filter(|s| s[..s.find('>').unwrap()].contains(attr))
        .nth(n)
        .unwrap_or_else(|| panic!("no {tag} {n} with {attr}"));
    let list = &shape[shape.find("points=\"").unwrap() + 8..];
    list[..list.find('"').unwrap()]
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// `pixels` place `values` on one linear axis, larger values higher, to
/// within plotters' rounding to whole pixels.
fn assert_on_one_axis(what: &str, values: &[f64], pixels: &[f64]) {
    assert_eq!(values.len(), pixels.len(), "{what}");
    let lo = (0..values.len())
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap();
    let hi = (0..values.len())
        .max_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap();
    let scale = (pixels[hi] - pixels[lo]) / (values[hi] - values[lo]);
    assert!(scale < 0.0, "{what}: larger values are not higher");
    for (v, p) in values.iter().zip(pixels) {
        let expected = pixels[lo] + (v - values[lo]) * scale;
        assert!(
            (expected - p).abs() <= 1.5,
            "{what}: {v} drawn at y = {p}, not {expected}"
        );
    }
}

/// A stepped model of two events and two outputs, one of them skewed (its
/// mean apart from its median).
const STEPPED: &str = r#"
[model]
name = "walk"
steps = 18
step_unit = "week"

[inputs]
h = { dist = "beta", alpha = 2, beta = 30 }
drift = { dist = "normal", mean = 0.02, sd = 0.01 }

[derived]
z = { dist = "normal", mean = 0, sd = 0.1 }
hit = { dist = "bernoulli", p = "h" }

[state]
x = { start = 0, next = "x + drift + z" }

[events]
hit = "hit"
high = "x > 0.5"

[outputs]
x = "x"
level = "exp(4 * x)"
"#;

#[test]
fn a_stepped_run_draws_each_event_and_output_over_time() {
    let tmp = tempfile::tempdir().unwrap();
    let model = write_model(tmp.path(), "walk.toml", STEPPED);
    let out = tmp.path().join("walk");
    gaprisk_into(
        &out,
        &["run", model.to_str().unwrap(), "-n", "40000", "-j", "2"],
    );
    let charts = check_report(&out);
    let n = count(&charts);
    // An event's by_step curve, an output's fan; beside the last step's
    // events chart, convergence and histograms.
    assert_eq!(
        (n["chart-horizon"], n["chart-fan"], n["chart-events"]),
        (2, 2, 1),
        "{charts:?}"
    );
    assert_eq!(
        (n["chart-convergence"], n["chart-histogram"]),
        (1, 2),
        "{charts:?}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let horizon = read_summary(&out.join("horizon.csv"));
    let summary = read_summary(&out.join("summary.csv"));
    let rows = |quantity: &str, measures: &[&str]| -> Vec<&Row> {
        horizon
            .iter()
            .filter(|r| r["quantity"] == quantity && measures.contains(&r["measure"].as_str()))
            .collect()
    };
    let values = |rows: &[&Row], measure: &str| -> Vec<f64> {
        rows.iter()
            .filter(|r| r["measure"] == measure)
            .map(|r| num(r, "value"))
            .collect()
    };
    // The table under a chart is the rows it draws, in the file's order.
    let table_is = |t: &Table, rows: &[&Row]| {
        assert_eq!(
            t.header,
            ["quantity", "step", "measure", "value", "ci_low", "ci_high"]
        );
        let expected: Vec<Vec<String>> = rows
            .iter()
            .map(|r| t.header.iter().map(|h| r[h].clone()).collect())
            .collect();
        assert_eq!(t.rows, expected);
    };
    for event in ["hit", "high"] {
        let (svg, tables) = figure(&html, &format!("f1-horizon-{event}"));
        assert!(svg.contains(&format!(
            "Probability of {event} by each week, 95% interval band"
        )));
        assert!(svg.contains(">\nweek\n<"), "the x axis is in weeks");
        let by_step = rows(event, &["by_step"]);
        assert_eq!(by_step.len(), 18);
        table_is(&tables[0], &by_step);
        table_is(&tables[1], &rows(event, &["at_step", "hazard"]));
        // A probability of having happened by then only grows, and the
        // last step's is the summary's.
        let p = values(&by_step, "by_step");
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "{event}: {p:?}");
        assert_eq!(by_step[17]["value"], row(&summary, event)["mean"]);
        assert_eq!(by_step[17]["ci_low"], row(&summary, event)["ci_low"]);
        // The curve: a dot per week at its by_step value, inside a band.
        let dots: Vec<f64> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| {
                let cy = &c[c.find("cy=\"").unwrap() + 4..];
                cy[..cy.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_on_one_axis(event, &p, &dots);
        let band = points(svg, "polygon", "opacity=\"0.16\"", 0);
        assert_eq!(band.len(), 36, "{event}: ci_high forward, ci_low back");
    }
    for output in ["x", "level"] {
        let (svg, tables) = figure(&html, &format!("f1-fan-{output}"));
        assert!(svg.contains(&format!(
            "Spread of {output} by week: median in the 5th to 95th percentile band, and mean"
        )));
        let fan = rows(output, &["mean", "p05", "p50", "p95"]);
        assert_eq!(fan.len(), 72);
        table_is(&tables[0], &fan);
        let last = row(&summary, output);
        for m in ["mean", "p05", "p50", "p95"] {
            let at_last = fan.iter().rfind(|r| r["measure"] == m).unwrap();
            assert_eq!(at_last["value"], last[m], "{output} {m}");
        }
        // The band runs along p95 and back along p05, the median on the
        // same axis.
        let band = points(svg, "polygon", "opacity=\"0.16\"", 0);
        let median = points(svg, "polyline", "stroke-width=\"2\"", 0);
        let mut drawn = values(&fan, "p95");
        drawn.extend(values(&fan, "p05").iter().rev());
        drawn.extend(values(&fan, "p50"));
        let pixels: Vec<f64> = band.iter().chain(&median).map(|p| p.1).collect();
        assert_on_one_axis(output, &drawn, &pixels);
    }
    // level = exp(4x) is skewed: its mean is drawn apart from its median.
    let level = rows("level", &["mean", "p50"]);
    let (mean, median) = (values(&level, "mean"), values(&level, "p50"));
    assert!(mean[17] > median[17] * 1.05, "{mean:?} {median:?}");

    // `gaprisk report` reads horizon.csv from the folder: the same bytes.
    let written = std::fs::read(out.join("report.html")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    gaprisk().arg("report").arg(&out).assert().success();
    assert!(std::fs::read(out.join("report.html")).unwrap() == written);
}
