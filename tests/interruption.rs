//! Interruption: SIGTERM stops at a chunk boundary and keeps what is done;
//! SIGKILL never leaves a truncated result file. Unix only (signals).
#![cfg(unix)]

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn spawn_long_run(out: &std::path::Path, draws: bool) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gaprisk"));
    cmd.current_dir(REPO)
        .args([
            "run",
            "models/baseline.toml",
            "--samples",
            "1e10",
            "--quiet",
            "--threads",
            "2",
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if draws {
        cmd.arg("--draws");
    }
    cmd.spawn().unwrap()
}

fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits until the run has been going for a while (its output folder exists).
fn let_it_run(out: &std::path::Path) {
    for _ in 0..100 {
        if out.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(700));
}

#[test]
fn sigterm_writes_partial_results_of_whole_chunks_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = spawn_long_run(&out, false);
    let_it_run(&out);
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let rows = read_summary(&out.join("summary.csv"));
    let samples: u64 = row(&rows, "closure")["samples"].parse().unwrap();
    assert!(
        samples > 0 && samples < 10_000_000_000 && samples.is_multiple_of(16_384),
        "{samples}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["partial"], true);
    assert_eq!(manifest["samples"], samples);
}

#[test]
fn sigkill_leaves_no_truncated_result_and_the_next_run_clears_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = spawn_long_run(&out, true);
    let_it_run(&out);
    signal(&child, "KILL");
    child.wait().unwrap();
    // Results appear whole or not at all: none was complete, so none is there.
    let visible: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(visible.is_empty(), "{visible:?}");
    // The dead run's streamed draws are in a hidden temporary file...
    let temporaries = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(".gaprisk-") && n.ends_with(".tmp"))
            .collect()
    };
    assert_eq!(temporaries(&out).len(), 1);
    // ...which the next run into the folder removes.
    let rows = read_summary_after_run(&out);
    assert_eq!(row(&rows, "closure")["samples"], "20000");
    assert!(temporaries(&out).is_empty(), "{:?}", temporaries(&out));
}

fn read_summary_after_run(out: &std::path::Path) -> Vec<Row> {
    gaprisk()
        .args([
            "run",
            "models/baseline.toml",
            "--samples",
            "20000",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
    read_summary(&out.join("summary.csv"))
}

#[test]
fn a_sigtermed_checkpointed_run_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("run.ckpt");
    // Long enough (about 1.2 s on two cores at 16 M samples/s) that the
    // signal sent 0.7 s in arrives mid-run; 3 M samples, as this test once
    // used, finished first on a two-core Xeon, so it passed or failed by
    // the machine's speed.
    interrupt_and_resume(
        dir.path(),
        "models/baseline.toml",
        "20000000",
        &["summary.csv"],
    );
    // A checkpoint of another run is refused.
    let assert = gaprisk()
        .args([
            "run",
            "models/baseline.toml",
            "--samples",
            "20000000",
            "--seed",
            "7",
            "--resume",
        ])
        .arg(&ckpt)
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&assert.get_output().stderr)
            .contains("a checkpoint of another run")
    );
}

/// A stepped model's checkpoint carries every step's accumulators: the
/// resumed run's horizon.csv, like its summary.csv, is the uninterrupted
/// run's byte for byte. 10^6 samples of the 36-month timeline take about
/// 2 s on two cores, so the signal 0.7 s in arrives mid-run.
#[test]
fn a_stepped_run_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    interrupt_and_resume(
        dir.path(),
        "models/timeline.toml",
        "1000000",
        &["summary.csv", "quantiles.csv", "horizon.csv"],
    );
}

/// Runs `model` with a checkpoint in `dir/run.ckpt`, stops it with
/// SIGTERM mid-run, resumes it, and checks that `files` equal those of an
/// uninterrupted run.
fn interrupt_and_resume(dir: &std::path::Path, model: &str, samples: &str, files: &[&str]) {
    let (out, ckpt) = (dir.join("run"), dir.join("run.ckpt"));
    let args = [
        "run",
        model,
        "--samples",
        samples,
        "--seed",
        "6",
        "--quiet",
        "--threads",
        "2",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .current_dir(REPO)
        .args(args)
        .arg("--checkpoint")
        .arg(&ckpt)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let_it_run(&out);
    signal(&child, "TERM");
    assert_eq!(
        child.wait().unwrap().code(),
        Some(1),
        "the run should have been interrupted, not finished"
    );
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&ckpt).unwrap()).unwrap();
    let done = saved["chunks"][1].as_u64().unwrap();
    let chunks = samples.parse::<u64>().unwrap().div_ceil(16384);
    assert!(
        done > 0 && done < chunks,
        "checkpoint after {done} of {chunks} chunks"
    );
    // Resume, checkpointing on.
    gaprisk()
        .args(args)
        .arg("--resume")
        .arg(&ckpt)
        .arg("--checkpoint")
        .arg(&ckpt)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let (_rows, whole) = run_model(&repo_path(model), &["--samples", samples, "--seed", "6"]);
    for file in files {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(whole.path().join(file)).unwrap(),
            "{file}"
        );
    }
}
