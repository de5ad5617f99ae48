//! Stopping rules: `--precision`, `--relative-precision`, `--target`, `--max-samples`.

mod common;
use common::*;

#[test]
fn relative_precision_on_the_baseline_stops_when_the_interval_is_narrow_enough() {
    let (rows, out) = run_model(
        &repo_path("models/baseline.toml"),
        &["--relative-precision", "0.05", "--threads", "2"],
    );
    let closure = row(&rows, "closure");
    let (p, half) = (
        num(closure, "mean"),
        (num(closure, "ci_high") - num(closure, "ci_low")) / 2.0,
    );
    assert!(half <= 0.05 * p, "half-width {half} > 5% of {p}");
    let samples: u64 = closure["samples"].parse().unwrap();
    assert_eq!(samples % 16_384, 0, "stops at a chunk boundary");
    // One chunk fewer would not have been enough: the sample count is
    // about (1.96 / 0.05)^2 (1 - p) / p, not the 10^8 cap.
    let needed = (1.96f64 / 0.05).powi(2) * (1.0 - p) / p;
    assert!(
        (samples as f64) < needed * 1.2 && (samples as f64) > needed * 0.8,
        "{samples} vs {needed}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["stopping"]["reached"], true);
    assert_eq!(manifest["stopping"]["target"], "closure");
    assert_eq!(manifest["samples"], samples);
}

#[test]
fn sequential_intervals_cover_a_known_probability() {
    // u < 0.3 with a 2% relative precision: the rule is checked after each
    // chunk and stops after the second (n = 32,768), so the decision is
    // really sequential. Over 150 seeds a 95% interval should cover 0.3
    // about 142 times; four binomial standard errors (4 x 2.7) allow 131.
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "p.toml",
        "[model]\nname = \"known\"\n[inputs]\nu = { dist = \"uniform\", min = 0, max = 1 }\n[events]\nhit = \"u < 0.3\"\n",
    );
    let seeds = 150;
    let mut covered = 0;
    for seed in 0..seeds {
        let (rows, _out) = run_model(
            &model,
            &[
                "--relative-precision",
                "0.02",
                "--seed",
                &seed.to_string(),
                "--threads",
                "1",
            ],
        );
        let r = row(&rows, "hit");
        assert_eq!(r["samples"], "32768");
        if num(r, "ci_low") <= 0.3 && 0.3 <= num(r, "ci_high") {
            covered += 1;
        }
    }
    assert!(covered >= 131, "coverage {covered} / {seeds}");
}

#[test]
fn stopping_is_deterministic_at_any_thread_count_and_respects_the_cap() {
    let model = repo_path("models/baseline.toml");
    let args = [
        "--precision",
        "0.0004",
        "--target",
        "attempt",
        "--seed",
        "3",
    ];
    let (a, _o1) = run_model(&model, &[&args[..], &["--threads", "1"]].concat());
    let (b, _o2) = run_model(&model, &[&args[..], &["--threads", "8"]].concat());
    assert_eq!(a, b);
    // A cap below what the rule needs: stops at the cap, not reached.
    let (c, out) = run_model(
        &model,
        &["--relative-precision", "0.01", "--max-samples", "40000"],
    );
    assert_eq!(row(&c, "closure")["samples"], "40000");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["stopping"]["reached"], false);
}

#[test]
fn stopping_rule_options_are_checked() {
    for (args, message) in [
        (
            vec!["--precision", "0"],
            "--precision must be a positive number",
        ),
        (
            vec!["--relative-precision=-1"],
            "--relative-precision must be a positive number",
        ),
        (vec!["--target", "closure"], "--target needs --precision"),
        (
            vec!["--precision", "0.1", "--target", "nothing"],
            "--target nothing",
        ),
        (
            vec!["--precision", "0.1", "--relative-precision", "0.1"],
            "cannot be used with",
        ),
    ] {
        let assert = gaprisk()
            .args(["run", "models/baseline.toml"])
            .args(&args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
