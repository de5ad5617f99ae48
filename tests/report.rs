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
