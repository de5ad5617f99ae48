//! `gaprisk serve` driven over HTTP: the real binary on an ephemeral port.

mod common;
use common::REPO;
#[path = "common/server.rs"]
mod harness;

use common::mask_timestamps;
use harness::{Server, repo_models};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// What the CLI writes for `args`, run from the models folder (so that
/// model paths read as the server's do), into a fresh folder.
fn cli(args: &[&str]) -> tempfile::TempDir {
    let out = tempdir();
    let status = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .current_dir(repo_models())
        .args(args)
        .arg("--quiet")
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success(), "gaprisk {args:?}");
    out
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// manifest.json without the lines that say when, how long and on how
/// many threads, and (for the server's) without its job id.
fn manifest_core(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .filter(|l| {
            let k = l.trim_start();
            !(k.starts_with("\"created\"")
                || k.starts_with("\"elapsed_seconds\"")
                || k.starts_with("\"threads\"")
                || k.starts_with("\"job_id\""))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_command_gives_the_cli_bytes_and_a_resubmission_is_cached() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    assert_eq!(s.get("/healthz").status, 200);
    let spec = s.get("/v1/openapi.json");
    assert_eq!(spec.status, 200);
    assert!(spec.json()["paths"].is_object());
    let models = s.get("/v1/models").json();
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["file"] == "baseline.toml" && m["name"] == "suwalki-baseline"),
        "{models}"
    );
    let check = s.post("/v1/check", &json!({"model": "full_withdrawal.toml"}));
    assert_eq!(check.status, 200, "{}", check.text());
    assert_eq!(check.json()["name"], "suwalki-full-withdrawal");
    assert!(check.json()["nodes"].as_array().unwrap().len() > 40);

    let cases: Vec<(serde_json::Value, Vec<&str>, &str)> = vec![
        (
            json!({"command": "run", "model": "baseline.toml",
                   "options": {"samples": 60000, "seed": 3, "design": "lhs", "set": {"us_commitment": 0.4}}}),
            vec![
                "run",
                "baseline.toml",
                "-n",
                "60000",
                "-s",
                "3",
                "--design",
                "lhs",
                "--set",
                "us_commitment=0.4",
            ],
            "summary.csv",
        ),
        (
            json!({"command": "compare", "model": "baseline.toml",
                   "variants": ["full_withdrawal.toml", "no_us_rotation.toml"],
                   "options": {"samples": 40000}}),
            vec![
                "compare",
                "baseline.toml",
                "full_withdrawal.toml",
                "no_us_rotation.toml",
                "-n",
                "40000",
            ],
            "compare.csv",
        ),
        (
            // Written out: json! would sort the inputs, and their order is
            // the sweep's (the first varies slowest).
            serde_json::from_str::<serde_json::Value>("{}").unwrap(),
            vec![
                "sweep",
                "baseline.toml",
                "--set",
                "us_commitment=0:1:3",
                "--set",
                "nato_cohesion=0.2,0.8",
                "-n",
                "20000",
            ],
            "sweep.csv",
        ),
        (
            json!({"command": "sensitivity", "model": "examples/ishigami.toml",
                   "options": {"samples": 4096, "bootstrap": 40}}),
            vec![
                "sensitivity",
                "examples/ishigami.toml",
                "-n",
                "4096",
                "--bootstrap",
                "40",
            ],
            "sensitivity.csv",
        ),
        (
            json!({"command": "sensitivity", "model": "examples/g_function_4.toml",
                   "options": {"samples": 4096, "design": "mc", "bootstrap": 40}}),
            vec![
                "sensitivity",
                "examples/g_function_4.toml",
                "-n",
                "4096",
                "--design",
                "mc",
                "--bootstrap",
                "40",
            ],
            "sensitivity.csv",
        ),
        (
            json!({"command": "sensitivity", "model": "baseline.toml",
                   "options": {"samples": 20000, "method": "filter"}}),
            vec![
                "sensitivity",
                "baseline.toml",
                "-n",
                "20000",
                "--method",
                "filter",
            ],
            "sensitivity.csv",
        ),
        (
            json!({"command": "rare", "model": "examples/linear_tail.toml",
                   "options": {"samples": 2000, "seed": 5, "set": {"x10": 1.0}}}),
            vec![
                "rare",
                "examples/linear_tail.toml",
                "-n",
                "2000",
                "-s",
                "5",
                "--set",
                "x10=1",
            ],
            "rare.csv",
        ),
        (
            json!({"command": "rare", "model": "examples/gated_tail.toml",
                   "options": {"event": "tail", "method": "is", "samples": 4000, "confidence": 0.9}}),
            vec![
                "rare",
                "examples/gated_tail.toml",
                "--event",
                "tail",
                "--method",
                "is",
                "-n",
                "4000",
                "--confidence",
                "0.9",
            ],
            "rare.csv",
        ),
    ];
    let sweep = r#"{"command": "sweep", "model": "baseline.toml", "options": {"samples": 20000, "set": {"us_commitment": "0:1:3", "nato_cohesion": [0.2, 0.8]}}}"#;
    for (body, args, csv) in &cases {
        let raw = if *csv == "sweep.csv" {
            sweep.to_string()
        } else {
            body.to_string()
        };
        let r = s.post_raw("/v1/jobs", raw.as_bytes());
        assert_eq!(r.status, 202, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_string();
        let job = s.wait(&id, LONG);
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["command"], asked_command(&raw), "{job}");
        let expected_files = if *csv == "summary.csv" {
            json!([
                csv,
                "quantiles.csv",
                "histogram.csv",
                "convergence.csv",
                "manifest.json",
                "report.html"
            ])
        } else {
            json!([csv, "manifest.json", "report.html"])
        };
        assert_eq!(job["files"], expected_files, "{job}");
        let asked: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(job["model"], asked["model"], "the job names its model");
        let expected = cli(args);
        assert_eq!(
            String::from_utf8(s.file(&id, csv)).unwrap(),
            String::from_utf8(read(expected.path(), csv)).unwrap(),
            "{csv} differs from the CLI's"
        );
        // Every other file too: the report after its copy of the creation
        // time, which differs between the two runs.
        for name in expected_files.as_array().unwrap() {
            let name = name.as_str().unwrap();
            let (ours, theirs) = (s.file(&id, name), read(expected.path(), name));
            match name {
                "manifest.json" => {}
                "report.html" => assert!(
                    mask_timestamps(&ours) == mask_timestamps(&theirs),
                    "report.html differs from the CLI's"
                ),
                _ => assert!(ours == theirs, "{name} differs from the CLI's"),
            }
        }
        let manifest = s.file(&id, "manifest.json");
        assert!(
            String::from_utf8_lossy(&manifest).contains(&format!("\"job_id\": \"{id}\"")),
            "the manifest names the job"
        );
        assert_eq!(
            manifest_core(&manifest),
            manifest_core(&read(expected.path(), "manifest.json"))
        );

        // The same request again: answered at once, from the same files.
        let again = s.post_raw("/v1/jobs", raw.as_bytes());
        assert_eq!(again.status, 200, "{}", again.text());
        let cached = again.json();
        assert_eq!(cached["cached"], true);
        assert_eq!(cached["status"], "done");
        assert_ne!(cached["id"].as_str().unwrap(), id);
        assert_eq!(
            s.file(cached["id"].as_str().unwrap(), csv),
            s.file(&id, csv)
        );
    }
    // Another seed is another job.
    let other = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "baseline.toml", "options": {"samples": 60000, "seed": 4}}),
    );
    assert_eq!(other.status, 202);
    assert_eq!(other.json()["cached"], false);

    let all = s.get("/v1/jobs?limit=3").json();
    assert_eq!(all["jobs"].as_array().unwrap().len(), 3);
    let done = s.get("/v1/jobs?status=done&limit=1000").json();
    assert!(done["jobs"].as_array().unwrap().len() >= 8);
    assert_eq!(s.get("/v1/jobs?status=nonsense").status, 400);
    assert_eq!(s.get("/v1/jobs/0000000000000000").status, 404);
    let first = done["jobs"][0]["id"].as_str().unwrap();
    assert_eq!(
        s.get(&format!("/v1/jobs/{first}/files/jobs.sqlite")).status,
        404
    );
    let metrics = s.get("/metrics").text();
    assert!(
        metrics.contains("gaprisk_jobs{status=\"done\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("gaprisk_queue_length"), "{metrics}");
}

/// The command a request body names.
fn asked_command(raw: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(raw).unwrap()["command"].clone()
}

#[test]
fn rare_jobs_refuse_bad_options_by_name_and_cancel() {
    let data = tempdir();
    let s = Server::start(data.path(), &["--max-evaluations", "2e7"]);
    let refused = |options: serde_json::Value, key: &str, says: &str| {
        let r = s.post(
            "/v1/jobs",
            &json!({"command": "rare", "model": "examples/linear_tail.toml", "options": options}),
        );
        assert_eq!(r.status, 422, "{options}: {}", r.text());
        let error = &r.json()["errors"][0];
        assert_eq!(error["key"], key, "{options}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{options}: {message}");
    };
    refused(
        json!({"method": "mc"}),
        "options.method",
        "not one of subset, is",
    );
    refused(json!({"samples": 50}), "options.samples", "between 100 and");
    refused(
        json!({"samples": "many"}),
        "options.samples",
        "whole number",
    );
    // Its most levels' worth (21 x 10^6) is over the server's limit.
    refused(
        json!({"samples": 1e6}),
        "options.samples",
        "limit of 20000000",
    );
    refused(json!({"confidence": 1.5}), "options.confidence", "(0, 1)");
    refused(json!({"event": "nope"}), "options.event", "nope");
    refused(json!({"event": "total"}), "options.event", "output");
    refused(json!({"set": {"nope": 1}}), "options.set.nope", "nope");
    refused(
        json!({"design": "lhs"}),
        "options.design",
        "rare takes no option 'design'",
    );
    refused(
        json!({"format": "parquet"}),
        "options.format",
        "format is an option of the command line and of the Python package's in-process calls; the service does not take it",
    );
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "rare", "model": "baseline.toml", "variants": ["full_withdrawal.toml"]}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["key"], "variants");

    // A long one stops between groups of chains and keeps nothing; the
    // queue moves on.
    let long = s.submit(
        &json!({"command": "rare", "model": "examples/linear_tail.toml",
                                "options": {"samples": 500000}}),
    );
    let small = s.submit(
        &json!({"command": "rare", "model": "examples/four_branch.toml",
                                 "options": {"samples": 1000}}),
    );
    let started = std::time::Instant::now();
    loop {
        let job = s.get(&format!("/v1/jobs/{long}")).json();
        assert_eq!(job["command"], "rare");
        assert_eq!(job["progress"]["samples_total"], 3_500_000, "{job}");
        if job["progress"]["samples_done"].as_u64().unwrap() > 0 {
            assert_eq!(job["status"], "running", "{job}");
            break;
        }
        assert!(started.elapsed() < LONG, "{job}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(s.delete(&format!("/v1/jobs/{long}")).status, 202);
    let job = s.wait(&long, LONG);
    assert_eq!(job["status"], "cancelled", "{job}");
    assert_eq!(job["files"], json!([]), "{job}");
    let job = s.wait(&small, LONG);
    assert_eq!(job["status"], "done", "{job}");
    // Done, its progress is the evaluations it made, as rare.csv says.
    let csv = String::from_utf8(s.file(&small, "rare.csv")).unwrap();
    let evaluations: u64 = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(job["progress"]["samples_done"], evaluations, "{job}");
    assert_eq!(job["progress"]["samples_total"], evaluations, "{job}");
    assert_eq!(
        job["files"],
        json!(["rare.csv", "manifest.json", "report.html"])
    );
}

#[test]
fn every_malformed_model_answers_422_with_its_file_line_and_key() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let corpus = Path::new(REPO).join("tests/malformed");
    let mut seen = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        let expected = expected.trim_end_matches('\n');
        // The request carries the model and the corpus's data files.
        let mut files = serde_json::Map::new();
        files.insert(name.clone(), std::fs::read_to_string(&path).unwrap().into());
        for data in std::fs::read_dir(&corpus).unwrap() {
            let data = data.unwrap().path();
            if data.extension().is_some_and(|x| x == "csv") {
                let data_name = data.file_name().unwrap().to_str().unwrap().to_string();
                files.insert(data_name, std::fs::read_to_string(&data).unwrap().into());
            }
        }
        let body = json!({"command": "run", "model": name, "files": files});
        let r = s.post("/v1/jobs", &body);
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        let e = &r.json()["errors"][0];
        // The CLI prints FILE:LINE: KEY: message; so does the API's message.
        let message = e["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{name}{expected}")),
            "{name}: {message}"
        );
        assert_eq!(e["file"], name.as_str(), "{name}");
        let line: usize = expected[1..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap_or(0);
        if line > 0 {
            assert_eq!(e["line"], line, "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 27, "only {seen} malformed models");
    assert_eq!(
        s.get("/v1/jobs").json()["jobs"],
        json!([]),
        "nothing stored"
    );

    // Options: named as the API names them, with the CLI's message.
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "baseline.toml", "options": {"samples": 1}}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["key"], "options.samples");
    assert_eq!(
        r.json()["errors"][0]["message"],
        "samples must be at least 2, got 1"
    );
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "baseline.toml", "options": {"set": {"nope": 1}}}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["key"], "options.set.nope");
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "baseline.toml", "options": {"sample": 10}}),
    );
    assert_eq!(r.status, 422, "a misspelt option is refused");
    assert_eq!(r.json()["errors"][0]["key"], "options.sample");
    assert_eq!(s.post_raw("/v1/jobs", b"{not json").status, 400);
    let nowhere = s.get("/v1/nowhere");
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.json()["errors"][0]["message"].is_string());
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "sweep", "model": "baseline.toml",
        "options": {"set": {"us_commitment": "0:1:100", "nato_cohesion": "0:1:100"}}}),
    );
    assert_eq!(
        r.status, 422,
        "a 10,000-point grid is over the default limit"
    );
    assert!(r.text().contains("limit of 400"), "{}", r.text());
    // Too many nodes for this server (--max-nodes 100 below).
    let data = tempdir();
    let small = Server::start(data.path(), &["--max-nodes", "100"]);
    let mut big = String::from("[model]\nname = \"big\"\n[inputs]\nx0 = 1\n[derived]\n");
    for i in 1..150 {
        big.push_str(&format!("x{i} = \"x{} + 1\"\n", i - 1));
    }
    big.push_str("[outputs]\ny = \"x149\"\n");
    let r = small.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "big.toml", "files": {"big.toml": big}}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("limit of 100"), "{}", r.text());
    assert_eq!(s.post("/v1/jobs", &json!({"command": "run"})).status, 400);
}

#[test]
fn paths_outside_the_request_and_the_library_are_refused() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    for model in ["../../etc/passwd", "/etc/passwd", "../models/baseline.toml"] {
        let r = s.post("/v1/jobs", &json!({"command": "run", "model": model}));
        assert_eq!(r.status, 422, "{model}: {}", r.text());
    }
    let child = "[model]\nname = \"child\"\nextends = \"../../etc/passwd\"\n";
    let r = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "child.toml", "files": {"child.toml": child}}),
    );
    assert_eq!(r.status, 422);
    let e = &r.json()["errors"][0];
    assert_eq!(e["key"], "model.extends");
    assert_eq!(e["line"], 3);
    // extends reaches the library from a request's file.
    let variant =
        "[model]\nname = \"mine\"\nextends = \"baseline.toml\"\n[inputs]\nus_commitment = 0.2\n";
    let id = s.submit(&json!({"command": "run", "model": "mine.toml",
        "files": {"mine.toml": variant}, "options": {"samples": 20000}}));
    assert_eq!(s.wait(&id, LONG)["status"], "done");
}

#[test]
fn a_running_runs_convergence_is_drawn_live_and_its_report_is_served_safely() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let id =
        s.submit(&json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9}}));
    // Poll until a few chunk boundaries are recorded.
    let started = std::time::Instant::now();
    let live = loop {
        let live = s.get(&format!("/v1/jobs/{id}/live")).json();
        if live["points"].as_array().is_some_and(|p| p.len() >= 3) {
            break live;
        }
        assert!(started.elapsed() < LONG, "no live points: {live}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(live["status"], "running");
    assert_eq!(live["quantity"], "closure");
    let points = live["points"].as_array().unwrap();
    // The first points are chunks 1, 2, 3: 16,384 samples each.
    for (i, p) in points.iter().take(3).enumerate() {
        assert_eq!(p[0].as_f64().unwrap(), 16_384.0 * (i + 1) as f64);
    }
    for p in points {
        let at = |k: usize| p[k].as_f64().unwrap();
        assert!(at(2) <= at(1) && at(1) <= at(3), "{p:?}");
    }
    let chart = live["chart"].as_str().unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("chart-convergence"));
    assert!(chart.contains("live-convergence") && chart.contains("closure"));
    assert_eq!(s.delete(&format!("/v1/jobs/{id}")).status, 202);
    assert_eq!(s.wait(&id, LONG)["status"], "cancelled");
    let after = s.get(&format!("/v1/jobs/{id}/live")).json();
    assert_eq!(after["chart"], serde_json::Value::Null);
    // The partial run's report: HTML that may load nothing and run nothing.
    let report = s.get(&format!("/v1/jobs/{id}/files/report.html"));
    assert_eq!(report.status, 200);
    assert_eq!(
        report.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    let policy = report.content_security_policy.clone().unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(report.text().contains("chart-convergence"));
    assert_eq!(s.get("/v1/jobs/0000000000000000/live").status, 404);
}

#[test]
fn cancel_keeps_a_runs_partial_results_and_the_queue_moves_on() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let long =
        s.submit(&json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9}}));
    let queued = s.submit(&json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9, "seed": 2}}));
    let small = s.submit(
        &json!({"command": "run", "model": "baseline.toml", "options": {"samples": 30000}}),
    );
    // The queued one is cancelled at once, without running.
    let r = s.delete(&format!("/v1/jobs/{queued}"));
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["status"], "cancelled");
    // The running one stops at its next chunk boundary.
    while s.get(&format!("/v1/jobs/{long}")).json()["progress"]["samples_done"] == 0 {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(s.delete(&format!("/v1/jobs/{long}")).status, 202);
    let job = s.wait(&long, LONG);
    assert_eq!(job["status"], "cancelled", "{job}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&s.file(&long, "manifest.json")).unwrap();
    assert_eq!(manifest["partial"], true);
    let done = manifest["samples"].as_u64().unwrap();
    assert!(
        done > 0 && done.is_multiple_of(16_384) && done < 5_000_000_000,
        "{done}"
    );
    assert_eq!(s.wait(&small, LONG)["status"], "done");
    assert_eq!(s.delete("/v1/jobs/0000000000000000").status, 404);
}

#[test]
fn progress_streams_as_server_sent_events_until_a_final_status() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let id =
        s.submit(&json!({"command": "run", "model": "baseline.toml", "options": {"samples": 3e7}}));
    let events = s.get(&format!("/v1/jobs/{id}/events")).text();
    let kinds: Vec<&str> = events
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert!(kinds.len() >= 2, "{events}");
    assert_eq!(*kinds.last().unwrap(), "status");
    assert!(kinds[..kinds.len() - 1].iter().all(|k| *k == "progress"));
    let last = events
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .next_back()
        .unwrap();
    let job: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(job["status"], "done");
}

#[test]
fn a_server_killed_mid_run_resumes_it_to_the_uninterrupted_bytes() {
    let data = tempdir();
    let samples = "40000000";
    let body =
        json!({"command": "run", "model": "baseline.toml", "options": {"samples": 4e7, "seed": 9}});
    let (id, queued) = {
        let mut s = Server::start(data.path(), &["--checkpoint-every", "0.2"]);
        let id = s.submit(&body);
        let queued = s.submit(
            &json!({"command": "run", "model": "baseline.toml", "options": {"samples": 20000}}),
        );
        let checkpoint = data.path().join("jobs").join(&id).join("checkpoint.part");
        let start = std::time::Instant::now();
        while !checkpoint.exists() {
            assert!(start.elapsed() < LONG, "no checkpoint was written");
            std::thread::sleep(Duration::from_millis(10));
        }
        let done = s.get(&format!("/v1/jobs/{id}")).json()["progress"]["samples_done"].clone();
        s.child.kill().unwrap(); // SIGKILL
        s.child.wait().unwrap();
        assert!(done.as_u64().unwrap() < 40_000_000, "killed mid-run");
        (id, queued)
    };
    let s = Server::start(data.path(), &["--checkpoint-every", "0.2"]);
    let job = s.wait(&id, LONG);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(
        s.wait(&queued, LONG)["status"],
        "done",
        "the queued job ran too"
    );
    let expected = cli(&["run", "baseline.toml", "-n", samples, "-s", "9"]);
    assert_eq!(
        s.file(&id, "summary.csv"),
        read(expected.path(), "summary.csv")
    );
    assert!(
        !data
            .path()
            .join("jobs")
            .join(&id)
            .join("checkpoint.part")
            .exists(),
        "a finished job's checkpoint is removed"
    );
}

#[test]
fn sigterm_drains_and_the_next_start_finishes_the_job() {
    let data = tempdir();
    let body =
        json!({"command": "run", "model": "baseline.toml", "options": {"samples": 4e7, "seed": 5}});
    let (id, cancelled) = {
        // Two workers: both jobs run at once.
        let mut s = Server::start(data.path(), &["--jobs", "2"]);
        let id = s.submit(&body);
        // Cancelled by its user just before the drain: it must stay
        // cancelled, not be queued again.
        let cancelled = s.submit(&json!({"command": "run", "model": "baseline.toml",
            "options": {"samples": 4e7, "seed": 6}}));
        for job in [&id, &cancelled] {
            while s.get(&format!("/v1/jobs/{job}")).json()["progress"]["samples_done"] == 0 {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // A client following the job's events must not hold the drain up.
        let url = format!("{}/v1/jobs/{id}/events", s.url);
        let follower = std::thread::spawn(move || ureq::get(&url).call().map(|_| ()));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(s.delete(&format!("/v1/jobs/{cancelled}")).status, 202);
        let kill = Command::new("kill")
            .args(["-TERM", &s.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = s.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the server did not exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "a drained server exits 0");
        let _ = follower.join();
        (id, cancelled)
    };
    let s = Server::start(data.path(), &[]);
    assert_eq!(s.wait(&id, LONG)["status"], "done");
    assert_eq!(s.wait(&cancelled, LONG)["status"], "cancelled");
    let expected = cli(&["run", "baseline.toml", "-n", "40000000", "-s", "5"]);
    assert_eq!(
        s.file(&id, "summary.csv"),
        read(expected.path(), "summary.csv")
    );
}

#[test]
fn twenty_concurrent_submissions_all_give_the_cli_bytes() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let ids: Vec<(u64, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20u64)
            .map(|seed| {
                let s = &s;
                scope.spawn(move || {
                    (
                        seed,
                        s.submit(&json!({"command": "run", "model": "baseline.toml",
                            "options": {"samples": 20000, "seed": seed}})),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (seed, id) in ids {
        assert_eq!(s.wait(&id, LONG)["status"], "done");
        let expected = cli(&[
            "run",
            "baseline.toml",
            "-n",
            "20000",
            "-s",
            &seed.to_string(),
        ]);
        assert_eq!(
            s.file(&id, "summary.csv"),
            read(expected.path(), "summary.csv"),
            "seed {seed}"
        );
    }
}

#[test]
fn a_token_guards_v1_and_the_limits_answer_413_and_429() {
    let data = tempdir();
    let token_file = data.path().join("token");
    std::fs::write(&token_file, "s3cret-token-of-some-length\n").unwrap();
    let mut s = Server::start_with(
        data.path(),
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "--max-body",
            "4000",
            "--max-queue",
            "1",
        ],
        None,
    );
    assert_eq!(s.get("/v1/jobs").status, 401, "no token");
    assert_eq!(s.get("/healthz").status, 200, "health is open");
    s.token = Some("s3cret-token-of-some-lengtX".into());
    assert_eq!(s.get("/v1/jobs").status, 401, "a wrong token");
    s.token = Some("s3cret-token-of-some-length".into());
    assert_eq!(s.get("/v1/jobs").status, 200);

    let big = json!({"command": "run", "model": "x.toml", "files": {"x.toml": "#".repeat(5000)}});
    let r = s.post("/v1/jobs", &big);
    assert_eq!(r.status, 413, "{}", r.text());

    let long = json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9}});
    let running = s.submit(&long);
    while s.get(&format!("/v1/jobs/{running}")).json()["status"] != "running" {
        std::thread::sleep(Duration::from_millis(10));
    }
    s.submit(&json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9, "seed": 1}}));
    let full = s.post(
        "/v1/jobs",
        &json!({"command": "run", "model": "baseline.toml", "options": {"samples": 5e9, "seed": 2}}),
    );
    assert_eq!(full.status, 429, "{}", full.text());
    assert!(full.retry_after.is_some(), "429 says when to retry");
}

#[test]
fn listening_beyond_loopback_without_a_token_is_refused() {
    let data = tempdir();
    let out = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs --token-file"), "{stderr}");
}

#[test]
fn an_empirical_column_is_read_from_the_requests_files_only() {
    let data = tempdir();
    let s = Server::start(data.path(), &[]);
    let model = |file: &str| {
        format!(
            "[model]\nname = \"data\"\n[inputs]\nx = {{ dist = \"empirical\", file = \"{file}\", column = \"x\" }}\n[outputs]\nx = \"x\"\n"
        )
    };
    let files = json!({"m.toml": model("data/d.csv"), "data/d.csv": "x\n1\n2\n3\n6\n"});
    let check = s.post("/v1/check", &json!({"model": "m.toml", "files": files}));
    assert_eq!(check.status, 200, "{}", check.text());
    assert!(check.text().contains("sha256"), "{}", check.text());
    let id = s.submit(&json!({"command": "run", "model": "m.toml", "files": files,
        "options": {"samples": 20000}}));
    assert_eq!(s.wait(&id, LONG)["status"], "done");
    let summary = String::from_utf8(s.file(&id, "summary.csv")).unwrap();
    // Only the column's values are drawn: min 1, max 6.
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!((row[1], row[11], row[17]), ("x", "1", "6"), "{summary}");
    // Nothing outside the request's files and the library: not the
    // server's working folder, not above the top, not an absolute path.
    for file in [
        "Cargo.toml",
        "../Cargo.toml",
        "/etc/passwd",
        "data/missing.csv",
    ] {
        let files = json!({"m.toml": model(file), "data/d.csv": "x\n1\n"});
        let r = s.post("/v1/check", &json!({"model": "m.toml", "files": files}));
        assert_eq!(r.status, 422, "{file}: {}", r.text());
        let e = &r.json()["errors"][0];
        assert_eq!(e["key"], "inputs.x.file", "{file}: {e}");
        assert_eq!(e["line"], 4, "{file}: {e}");
    }
}
