//! Variants that add inputs (model language 1.1), through the real binary:
//! a child's new input is a factor like any other, which `--set` and
//! `sweep` move; a new input that nothing uses is taken for a misspelt
//! override and refused with the parent's closest name; any other unused
//! input is a warning.

mod common;
use common::*;
use std::path::Path;

/// P(N(100, 10) > 110) = Phi(-1), from statrs (the tests' reference).
fn upper(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().cdf(-z)
}

const PARENT: &str = r#"
[model]
name = "project"

[inputs]
base_days = { dist = "normal", mean = 100, sd = 10 }
deadline = 110

[derived]
total_days = "base_days"

[events]
late = "total_days > deadline"
"#;

/// The variant brings its own uncertain input, a probability, and the
/// Bernoulli node it drives (the probability an input, the draw derived).
const CHILD: &str = r#"
[model]
name = "project-with-contractor"
extends = "parent.toml"

[inputs]
contractor_delay_p = 0.3

[derived]
contractor_late = { dist = "bernoulli", p = "contractor_delay_p" }
total_days = "base_days + 20 * contractor_late"
"#;

/// P(late) for the child at probability p: late by 20 days with
/// probability p, so Phi(-1) (1 - p) + Phi(1) p.
fn exact(p: f64) -> f64 {
    upper(1.0) * (1.0 - p) + upper(-1.0) * p
}

fn models(dir: &Path) -> std::path::PathBuf {
    write_model(dir, "parent.toml", PARENT);
    write_model(dir, "child.toml", CHILD)
}

#[test]
fn set_moves_an_input_a_variant_adds() {
    let dir = tempfile::tempdir().unwrap();
    let child = models(dir.path());
    for (args, p) in [
        (vec![], 0.3),
        (vec!["--set", "contractor_delay_p=0.6"], 0.6),
    ] {
        let mut all = vec!["-n", "200000"];
        all.extend(args);
        let (rows, _out) = run_model(&child, &all);
        let late = row(&rows, "late");
        let (mean, se) = (num(late, "mean"), num(late, "std_error"));
        // Within four standard errors at this fixed seed.
        assert!(
            (mean - exact(p)).abs() < 4.0 * se,
            "p = {p}: P(late) = {mean} (se {se}), exact {}",
            exact(p)
        );
    }
}

#[test]
fn sweep_moves_an_input_a_variant_adds() {
    let dir = tempfile::tempdir().unwrap();
    let child = models(dir.path());
    let out = dir.path().join("sweep");
    gaprisk()
        .arg("sweep")
        .arg(&child)
        .args([
            "--set",
            "contractor_delay_p=0:1:3",
            "-n",
            "100000",
            "--quiet",
        ])
        .args(["--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = read_summary(&out.join("sweep.csv"));
    let late: Vec<&Row> = rows.iter().filter(|r| r["quantity"] == "late").collect();
    assert_eq!(late.len(), 3);
    for r in late {
        let p = num(r, "contractor_delay_p");
        let (mean, se) = (num(r, "mean"), num(r, "std_error"));
        // p = 0 and 1 are exact forms too; se is 0 nowhere here.
        assert!(
            (mean - exact(p)).abs() < 4.0 * se.max(1e-12),
            "p = {p}: {mean} (se {se}), exact {}",
            exact(p)
        );
    }
}

#[test]
fn a_new_input_nothing_uses_is_taken_for_a_misspelt_override() {
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), "parent.toml", PARENT);
    let typo = write_model(
        dir.path(),
        "typo.toml",
        "[model]\nname = \"typo\"\nextends = \"parent.toml\"\n[inputs]\ndealine = 120\n",
    );
    let assert = gaprisk().arg("check").arg(&typo).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(":5: inputs.dealine: new input 'dealine' is used by no event or output (did you mean 'deadline'?)"),
        "{stderr}"
    );
}

#[test]
fn an_input_nothing_uses_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "spare.toml",
        &PARENT.replace("deadline = 110", "deadline = 110\nspare = 3"),
    );
    let out = dir.path().join("out");
    let assert = gaprisk()
        .arg("run")
        .arg(&model)
        .args(["-n", "20000", "--quiet", "--no-report", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("inputs.spare: input 'spare' is used by no event or output"),
        "{stderr}"
    );
    assert!(out.join("summary.csv").exists());
}
