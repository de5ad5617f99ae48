//! One run per folder, through the real binary: a command leaves its
//! output folder holding its own files alone (the previous result's files
//! that it does not write are removed, nothing else is), analyses of other
//! quantities and methods get folders of their own, and `--out` naming a
//! file is refused.

mod common;
use common::*;
use std::path::Path;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn run_into(dir: &Path, extra: &[&str]) {
    gaprisk()
        .args([
            "run",
            "models/baseline.toml",
            "-n",
            "20000",
            "--quiet",
            "--out",
        ])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn a_run_removes_what_the_previous_run_wrote_and_it_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_into(&dir, &["--draws", "--seed", "1"]);
    assert!(dir.join("draws.csv").exists() && dir.join("report.html").exists());
    // A file of the user's own, and one the manifest does not list.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    run_into(&dir, &["--seed", "2", "--no-report"]);
    assert_eq!(
        names(&dir),
        [
            "convergence.csv",
            "histogram.csv",
            "manifest.json",
            "notes.txt",
            "quantiles.csv",
            "summary.csv"
        ]
    );
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 2);
}

#[test]
fn a_manifest_cannot_make_a_run_remove_anything_outside_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_into(&dir, &[]);
    let outside = tmp.path().join("precious.txt");
    std::fs::write(&outside, "keep").unwrap();
    std::fs::write(dir.join(".hidden"), "keep").unwrap();
    // A manifest edited to list paths outside the folder and a hidden file.
    let edited = r#"{"gaprisk_version": "0.1.0", "files": ["../precious.txt", ".hidden", "/etc/passwd", "summary.csv"]}"#;
    std::fs::write(dir.join("manifest.json"), edited).unwrap();
    run_into(&dir, &[]);
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
    assert_eq!(std::fs::read(dir.join(".hidden")).unwrap(), b"keep");
    assert!(dir.join("summary.csv").exists());
}

#[test]
fn sensitivity_folders_name_the_quantity_and_the_method() {
    let tmp = tempfile::tempdir().unwrap();
    let model = repo_path("models/baseline.toml");
    for (quantity, method) in [
        ("closure", "rank"),
        ("closure", "filter"),
        ("attempt", "rank"),
    ] {
        gaprisk()
            .current_dir(tmp.path())
            .arg("sensitivity")
            .arg(&model)
            .args([
                "--quantity",
                quantity,
                "--method",
                method,
                "-n",
                "20000",
                "--quiet",
            ])
            .assert()
            .success();
    }
    assert_eq!(
        names(&tmp.path().join("results")),
        [
            "sensitivity-suwalki-baseline-attempt-rank",
            "sensitivity-suwalki-baseline-closure-filter",
            "sensitivity-suwalki-baseline-closure-rank"
        ]
    );
}

#[test]
fn out_naming_a_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("summary.csv");
    std::fs::write(&file, "not a folder").unwrap();
    let assert = gaprisk()
        .args(["run", "models/baseline.toml", "-n", "20000", "--out"])
        .arg(&file)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn a_command_that_fails_after_creating_its_folder_leaves_none() {
    // The rare-event search fails while it runs (no sample of the first
    // level can climb: the event's margin is the same everywhere), after
    // the folder was created.
    let tmp = tempfile::tempdir().unwrap();
    let model = write_model(
        tmp.path(),
        "flat.toml",
        r#"
[model]
name = "flat"

[inputs]
x = { dist = "uniform", min = 0, max = 1 }

[events]
never = "x > 2"
"#,
    );
    let dir = tmp.path().join("new").join("out");
    let assert = gaprisk()
        .args(["rare"])
        .arg(&model)
        .args(["--quiet", "--out"])
        .arg(&dir)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("no sample reached the event"), "{stderr}");
    assert!(
        !tmp.path().join("new").exists(),
        "the folders were left behind"
    );
}
