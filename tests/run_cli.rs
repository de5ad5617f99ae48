//! `gaprisk run` on the shipped model, through the real binary.

mod common;
use common::*;

#[test]
fn baseline_writes_summary_and_manifest_with_closure_first() {
    let (rows, out) = run_model(&repo_path("models/baseline.toml"), &["--samples", "50000"]);
    let header = csv::Reader::from_path(out.path().join("summary.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    let expected = [
        "model",
        "quantity",
        "kind",
        "samples",
        "mean",
        "std_error",
        "ci_low",
        "ci_high",
        "confidence",
        "interval",
        "sd",
        "min",
        "p05",
        "p25",
        "p50",
        "p75",
        "p95",
        "max",
        "non_finite",
    ];
    assert_eq!(header.iter().collect::<Vec<_>>(), expected);
    assert_eq!(rows[0]["quantity"], "closure");
    assert_eq!(rows[0]["model"], "suwalki-baseline");
    let quantities: Vec<&str> = rows.iter().map(|r| r["quantity"].as_str()).collect();
    assert_eq!(
        quantities,
        [
            "closure",
            "attempt",
            "military_success",
            "breakthrough",
            "belarus_consents",
            "closure_risk",
            "p_attempt",
            "force_ratio",
            "closure_hours",
            "arrival_hours",
            "attack_force"
        ]
    );
    for r in &rows {
        assert_eq!(r["samples"], "50000");
        assert!(
            num(r, "ci_low") <= num(r, "mean") && num(r, "mean") <= num(r, "ci_high"),
            "{r:?}"
        );
        assert_eq!(r["non_finite"], "0", "{r:?}");
    }
    // closure_risk's mean estimates P(closure); both within their joint noise.
    let (closure, risk) = (row(&rows, "closure"), row(&rows, "closure_risk"));
    let se = (num(closure, "std_error").powi(2) + num(risk, "std_error").powi(2)).sqrt();
    assert_within_se(
        "closure_risk against closure",
        num(risk, "mean"),
        num(closure, "mean"),
        se,
    );
    // Belarus consents with probability E[beta(6, 3)] = 2/3.
    let consent = row(&rows, "belarus_consents");
    assert_within_se(
        "belarus_consents",
        num(consent, "mean"),
        2.0 / 3.0,
        num(consent, "std_error"),
    );

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["model"]["name"], "suwalki-baseline");
    assert_eq!(manifest["seed"], 20_200_925);
    assert_eq!(manifest["samples"], 50_000);
    assert_eq!(manifest["model"]["hash"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["gaprisk_version"], env!("CARGO_PKG_VERSION"));
    // No temporary files are left behind.
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "convergence.csv",
            "histogram.csv",
            "manifest.json",
            "quantiles.csv",
            "report.html",
            "summary.csv"
        ]
    );
}

#[test]
fn summary_is_byte_identical_at_any_thread_count() {
    let model = repo_path("models/baseline.toml");
    // 13 chunks of 16384 (the last one partial), so threads really split the work.
    let args = ["--samples", "200000", "--seed", "77"];
    let summaries: Vec<Vec<u8>> = ["1", "2", "8"]
        .iter()
        .map(|t| {
            let out = tempfile::tempdir().unwrap();
            gaprisk()
                .arg("run")
                .arg(&model)
                .args(args)
                .args([
                    "--threads",
                    t,
                    "--quiet",
                    "--draws",
                    "--out",
                    out.path().to_str().unwrap(),
                ])
                .assert()
                .success();
            let mut bytes = std::fs::read(out.path().join("summary.csv")).unwrap();
            bytes.extend(std::fs::read(out.path().join("draws.csv")).unwrap());
            bytes
        })
        .collect();
    assert!(summaries[0] == summaries[1], "1 vs 2 threads differ");
    assert!(summaries[0] == summaries[2], "1 vs 8 threads differ");
}

#[test]
fn a_different_seed_gives_different_numbers() {
    let model = repo_path("models/baseline.toml");
    let (a, _o1) = run_model(&model, &["--samples", "20000", "--seed", "1"]);
    let (b, _o2) = run_model(&model, &["--samples", "20000", "--seed", "2"]);
    assert_ne!(
        row(&a, "attack_force")["mean"],
        row(&b, "attack_force")["mean"]
    );
}

#[test]
fn draws_have_one_row_per_sample_and_a_column_per_node() {
    let (_rows, out) = run_model(
        &repo_path("models/baseline.toml"),
        &["--samples", "20000", "--draws"],
    );
    let mut reader = csv::Reader::from_path(out.path().join("draws.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "sample");
    for name in [
        "withdrawn_share",
        "belarus_consents",
        "attack_force",
        "p_attempt",
        "attempt",
        "closure",
        "closure_risk",
    ] {
        assert!(header.iter().any(|h| h == name), "no column {name}");
    }
    // Constants are not columns (they are the same in every row).
    assert!(!header.iter().any(|h| h == "us_rotation_troops"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 20_000);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r[0].parse::<usize>().unwrap(), i);
        // Recompute two derived nodes from the row itself.
        let x: f64 = r[col("closure")].parse().unwrap();
        let a: f64 = r[col("attempt")].parse().unwrap();
        let m: f64 = r[col("military_success")].parse().unwrap();
        assert_eq!(x, if a != 0.0 && m != 0.0 { 1.0 } else { 0.0 });
        let force: f64 = r[col("attack_force")].parse().unwrap();
        let ratio: f64 = r[col("force_ratio")].parse().unwrap();
        let defence: f64 = r[col("defence_force")].parse().unwrap();
        assert_eq!(ratio, force / defence);
    }
}

#[test]
fn check_prints_nodes_in_evaluation_order() {
    let out = gaprisk()
        .args(["check", "models/baseline.toml"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let pos = |name: &str| {
        text.find(&format!(" {name} "))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(pos("withdrawn_share") < pos("russians_in_belarus"));
    assert!(pos("russians_in_belarus") < pos("attack_force"));
    assert!(pos("p_attempt") < pos("attempt"));
    assert!(text.contains("ok (52 nodes, 11 quantities)"));
}

#[test]
fn usage_errors_exit_2_before_any_work() {
    for args in [
        vec!["run", "models/baseline.toml", "--samples", "1"],
        vec!["run", "models/baseline.toml", "--confidence", "1.5"],
        vec!["run", "models/baseline.toml", "--threads", "0"],
        vec!["run", "models/baseline.toml", "--samples", "lots"],
        vec!["frobnicate"],
    ] {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("never");
        gaprisk()
            .args(&args)
            .args(["--out", dir.to_str().unwrap()])
            .assert()
            .code(2);
        assert!(!dir.exists(), "{args:?} created the output folder");
    }
}

/// Corridor model 1.1 caps the surge into Belarus by `surge_capacity`: in
/// 1.0 the largest attack force at the defaults was above 800,000 troops,
/// more than Russia's whole Western Military District. Kaliningrad's
/// committed troops, the Russians in Belarus, a capped surge and the
/// Belarusians who join stay far below 150,000 in a million samples.
#[test]
fn the_baselines_attack_force_is_bounded() {
    let (rows, _out) = run_model(
        &repo_path("models/baseline.toml"),
        &["--samples", "1000000"],
    );
    let max = num(row(&rows, "attack_force"), "max");
    assert!(max < 150_000.0, "attack_force reaches {max}");
    assert!(
        max > 30_000.0,
        "attack_force max {max}: is the surge still drawn?"
    );
}
