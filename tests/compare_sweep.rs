//! `compare`, `sweep` and `--set`, through the real binary.

mod common;
use common::*;
use std::path::Path;

const VARIANTS: [(&str, f64); 8] = [
    // (file, sign of the change in P(closure) that docs/corridor-model.md section 6 states)
    ("full_withdrawal.toml", -1.0),
    ("permanent_presence.toml", 1.0),
    ("weak_us_commitment.toml", 1.0),
    ("fractured_alliance.toml", 1.0),
    ("belarus_integrated.toml", 1.0),
    ("no_us_rotation.toml", 1.0),
    ("rapid_reinforcement.toml", -1.0),
    ("kaliningrad_buildup.toml", 1.0),
];

fn compare(args: &[&str], models: &[&str]) -> (Vec<Row>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    gaprisk()
        .arg("compare")
        .args(models)
        .args(["--quiet", "--out", out.path().to_str().unwrap()])
        .args(args)
        .assert()
        .success();
    (read_summary(&out.path().join("compare.csv")), out)
}

fn closure_row<'a>(rows: &'a [Row], model: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["model"] == model && r["quantity"] == "closure")
        .unwrap_or_else(|| panic!("no closure row for {model}"))
}

#[test]
fn every_variant_moves_closure_the_stated_way_with_an_interval_excluding_zero() {
    let mut models = vec!["models/baseline.toml".to_string()];
    models.extend(VARIANTS.iter().map(|(f, _)| format!("models/{f}")));
    let models: Vec<&str> = models.iter().map(String::as_str).collect();
    // At 200,000 samples the smallest effect (no US rotation) is about ten
    // paired standard errors from zero; the seed is fixed.
    let (rows, _out) = compare(&["--samples", "200000", "--seed", "2020"], &models);
    for (file, sign) in VARIANTS {
        let text = std::fs::read_to_string(repo_path(&format!("models/{file}"))).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"');
        let r = closure_row(&rows, name);
        let (lo, hi) = (num(r, "diff_ci_low"), num(r, "diff_ci_high"));
        assert!(
            sign * lo > 0.0 && sign * hi > 0.0,
            "{name}: difference interval [{lo}, {hi}] against sign {sign}"
        );
        // The ratio's interval is on the same side of 1.
        assert!(sign * (num(r, "ratio_ci_low") - 1.0) > 0.0, "{name}: {r:?}");
        assert_eq!(r["base_model"], "suwalki-baseline");
    }
}

#[test]
fn pairing_shrinks_the_standard_error_of_the_weak_us_commitment_difference() {
    let (rows, _out) = compare(
        &["--samples", "400000", "--seed", "11"],
        &["models/baseline.toml", "models/weak_us_commitment.toml"],
    );
    let r = closure_row(&rows, "suwalki-weak-us-commitment");
    let (paired, independent) = (num(r, "diff_std_error"), num(r, "independent_std_error"));
    let ratio = paired / independent;
    assert!(
        ratio <= 0.8,
        "paired {paired} / independent {independent} = {ratio}"
    );
    // The independent figure is the textbook one: sqrt(se_base^2 + se_variant^2).
    let base = closure_row(&rows, "suwalki-baseline");
    let expected = (num(base, "std_error").powi(2) + num(r, "std_error").powi(2)).sqrt();
    assert!(
        (independent / expected - 1.0).abs() < 0.01,
        "{independent} vs {expected}"
    );
}

#[test]
fn paired_difference_matches_closed_forms() {
    // Base: u < 0.3. Variant: u < 0.5 on the same u (common random
    // numbers). The per-sample difference is the indicator of
    // 0.3 <= u < 0.5: mean 0.2, variance 0.2 * 0.8 = 0.16, where two
    // independent runs would have 0.21 + 0.25 = 0.46.
    let dir = tempfile::tempdir().unwrap();
    let base = write_model(
        dir.path(),
        "a.toml",
        "[model]\nname = \"a\"\n[inputs]\nu = { dist = \"uniform\", min = 0, max = 1 }\nt = 0.3\n[events]\nlow = \"u < t\"\n",
    );
    let variant = write_model(
        dir.path(),
        "b.toml",
        "[model]\nname = \"b\"\nextends = \"a.toml\"\n[inputs]\nt = 0.5\n",
    );
    let (rows, _out) = compare(
        &["--samples", "100000", "--seed", "3"],
        &[base.to_str().unwrap(), variant.to_str().unwrap()],
    );
    let r = rows.iter().find(|r| r["model"] == "b").unwrap();
    let n = 100_000.0_f64;
    let se = (0.16 / n).sqrt();
    assert_within_se("diff", num(r, "diff"), 0.2, se);
    assert_relative(
        "diff_std_error",
        num(r, "diff_std_error"),
        se,
        SPREAD_RELATIVE,
    );
    // Relative risk 0.5 / 0.3.
    assert_within("ratio", num(r, "ratio"), 5.0 / 3.0, PAIRED_RATIO);
}

#[test]
fn compare_and_sweep_are_byte_identical_at_any_thread_count() {
    let outputs: Vec<(Vec<u8>, Vec<u8>)> = ["1", "2", "8"]
        .iter()
        .map(|t| {
            let (_, out) = compare(
                &["--samples", "60000", "--threads", t],
                &[
                    "models/baseline.toml",
                    "models/fractured_alliance.toml",
                    "models/no_us_rotation.toml",
                ],
            );
            let sweep = tempfile::tempdir().unwrap();
            gaprisk()
                .args([
                    "sweep",
                    "models/baseline.toml",
                    "--set",
                    "us_commitment=0:1:3",
                    "--set",
                    "nato_cohesion=0.2,0.8",
                ])
                .args([
                    "--samples",
                    "60000",
                    "--quiet",
                    "--threads",
                    t,
                    "--out",
                    sweep.path().to_str().unwrap(),
                ])
                .assert()
                .success();
            (
                std::fs::read(out.path().join("compare.csv")).unwrap(),
                std::fs::read(sweep.path().join("sweep.csv")).unwrap(),
            )
        })
        .collect();
    assert!(outputs[0] == outputs[1] && outputs[0] == outputs[2]);
}

fn sweep_closure(set: &str) -> Vec<(f64, f64)> {
    let out = tempfile::tempdir().unwrap();
    gaprisk()
        .args([
            "sweep",
            "models/baseline.toml",
            "--set",
            set,
            "--samples",
            "100000",
            "--seed",
            "5",
            "--quiet",
        ])
        .args(["--out", out.path().to_str().unwrap()])
        .assert()
        .success();
    let name = set.split('=').next().unwrap();
    read_summary(&out.path().join("sweep.csv"))
        .iter()
        .filter(|r| r["quantity"] == "closure")
        .map(|r| (num(r, name), num(r, "mean")))
        .collect()
}

#[test]
fn sweeps_move_closure_monotonically() {
    // On common random numbers each sample's closure can only switch off as
    // US commitment grows (later arrival is impossible, deterrence rises),
    // and only switch on as movement takes longer: the estimates are
    // monotone exactly, not just on average.
    let us = sweep_closure("us_commitment=0:1:11");
    assert_eq!(us.len(), 11);
    assert_eq!((us[0].0, us[10].0), (0.0, 1.0));
    assert!(us.windows(2).all(|w| w[1].1 <= w[0].1), "{us:?}");
    assert!(us[0].1 > 3.0 * us[10].1, "{us:?}");
    let movement = sweep_closure("movement_days=1,2,5,10,20,40");
    assert!(
        movement.windows(2).all(|w| w[1].1 >= w[0].1),
        "{movement:?}"
    );
    assert!(movement[5].1 > 2.0 * movement[0].1, "{movement:?}");
}

#[test]
fn set_on_run_equals_the_variant_that_makes_the_same_change() {
    let (set, _a) = run_model(
        &repo_path("models/baseline.toml"),
        &["--samples", "50000", "--set", "us_rotation_troops=0"],
    );
    let (variant, _b) = run_model(
        &repo_path("models/no_us_rotation.toml"),
        &["--samples", "50000"],
    );
    for (x, y) in set.iter().zip(&variant) {
        for column in [
            "quantity",
            "mean",
            "std_error",
            "ci_low",
            "ci_high",
            "p50",
            "p95",
        ] {
            assert_eq!(x[column], y[column], "{column}");
        }
    }
}

#[test]
fn compare_base_rows_equal_run() {
    let (run, _a) = run_model(&repo_path("models/baseline.toml"), &["--samples", "40000"]);
    let (rows, _b) = compare(
        &["--samples", "40000"],
        &["models/baseline.toml", "models/kaliningrad_buildup.toml"],
    );
    for r in &run {
        let c = rows
            .iter()
            .find(|c| c["model"] == "suwalki-baseline" && c["quantity"] == r["quantity"])
            .unwrap();
        assert_eq!(
            (&c["mean"], &c["ci_low"], &c["ci_high"]),
            (&r["mean"], &r["ci_low"], &r["ci_high"])
        );
    }
}

#[test]
fn bad_set_and_sweep_options_are_usage_errors() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["run", "models/baseline.toml", "--set", "us_comitment=0.5"],
            "has no input 'us_comitment'",
        ),
        (
            &["run", "models/baseline.toml", "--set", "p_attempt=0.5"],
            "'p_attempt' is in [derived]",
        ),
        (
            &["run", "models/baseline.toml", "--set", "us_commitment"],
            "is not NAME=VALUE",
        ),
        (
            &["compare", "models/baseline.toml", "models/baseline.toml"],
            "nothing to compare",
        ),
        (
            &[
                "sweep",
                "models/baseline.toml",
                "--set",
                "us_commitment=0:1",
            ],
            "START:STOP:POINTS",
        ),
        (
            &[
                "sweep",
                "models/baseline.toml",
                "--set",
                "a=1,2",
                "--set",
                "b=1,2",
                "--set",
                "c=1,2",
            ],
            "at most two",
        ),
        (
            &["sweep", "models/baseline.toml", "--set", "nowhere=1,2"],
            "has no input 'nowhere'",
        ),
    ];
    for (args, message) in cases {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("never");
        let assert = gaprisk()
            .args(args)
            .args(["--out", dir.to_str().unwrap()])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(
            !Path::new(&dir).exists(),
            "{args:?} created the output folder"
        );
    }
}
