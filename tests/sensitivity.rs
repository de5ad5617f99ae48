//! `gaprisk sensitivity`, through the real binary: Sobol indices against the
//! Ishigami function's closed forms, the baseline's factors, determinism.

mod common;
use common::*;

/// The bootstrap standard error of an Ishigami Sobol index at N = 2^16
/// (about 0.005 for every index; a property of the estimator, not a
/// tolerance).
const SOBOL_SE: f64 = 0.005;

fn sensitivity(args: &[&str]) -> (Vec<Row>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    gaprisk()
        .arg("sensitivity")
        .args(args)
        .args(["--quiet", "--out", out.path().to_str().unwrap()])
        .assert()
        .success();
    (read_summary(&out.path().join("sensitivity.csv")), out)
}

fn measure<'a>(rows: &'a [Row], factor: &str, m: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["factor"] == factor && r["measure"] == m)
        .unwrap_or_else(|| panic!("no {m} for {factor}"))
}

#[test]
fn ishigami_indices_match_their_closed_forms() {
    // Analytic indices for a = 7, b = 0.1 (Ishigami and Homma 1990).
    let analytic = [
        ("x1", 0.3139, 0.5576),
        ("x2", 0.4424, 0.4424),
        ("x3", 0.0, 0.2437),
    ];
    // N = 2^16 at a fixed seed: bootstrap standard errors are about
    // SOBOL_SE = 0.005, and an index may be STANDARD_ERRORS of them off.
    let (rows, _out) = sensitivity(&[
        "models/examples/ishigami.toml",
        "--quantity",
        "y",
        "--samples",
        "65536",
        "--seed",
        "1990",
    ]);
    for (x, s1, st) in analytic {
        for (m, want) in [("first_order", s1), ("total", st)] {
            let r = measure(&rows, x, m);
            let (v, lo, hi) = (num(r, "value"), num(r, "ci_low"), num(r, "ci_high"));
            assert_within_se(&format!("{x} {m}"), v, want, SOBOL_SE);
            assert!(
                lo <= want && want <= hi,
                "{x} {m}: {want} outside [{lo}, {hi}]"
            );
        }
    }
    // Ranked by total effect: x1, x2, x3.
    let order: Vec<&str> = rows
        .iter()
        .filter(|r| r["measure"] == "total")
        .map(|r| r["factor"].as_str())
        .collect();
    assert_eq!(order, ["x1", "x2", "x3"]);
}

#[test]
fn baseline_sobol_covers_every_random_node_and_is_thread_independent() {
    let run = |threads: &str| {
        let (rows, out) = sensitivity(&[
            "models/baseline.toml",
            "--samples",
            "8192",
            "--bootstrap",
            "40",
            "--threads",
            threads,
        ]);
        (
            rows,
            std::fs::read(out.path().join("sensitivity.csv")).unwrap(),
        )
    };
    let (rows, one) = run("1");
    let (_, two) = run("2");
    let (_, eight) = run("8");
    assert!(
        one == two && one == eight,
        "sensitivity.csv depends on the thread count"
    );
    // 21 uncertain inputs and 2 random derived nodes; constants are not factors.
    let factors: std::collections::HashSet<&str> =
        rows.iter().map(|r| r["factor"].as_str()).collect();
    assert_eq!(factors.len(), 23);
    for f in [
        "attempt",
        "belarus_consents",
        "russian_resolve",
        "withdrawn_share",
    ] {
        assert!(factors.contains(f), "{f} missing");
    }
    assert!(
        !factors.contains("us_rotation_troops"),
        "a constant is not a factor"
    );
    for r in &rows {
        assert!(num(r, "ci_low") <= num(r, "ci_high"), "{r:?}");
        assert_eq!(r["quantity"], "closure");
    }
}

#[test]
fn tornado_and_rank_report_every_uncertain_input() {
    let (tornado, _a) = sensitivity(&[
        "models/baseline.toml",
        "--method",
        "tornado",
        "--samples",
        "20000",
    ]);
    let swings: Vec<&Row> = tornado.iter().filter(|r| r["measure"] == "swing").collect();
    assert_eq!(swings.len(), 21);
    // Sorted by |swing|, and each swing is p90 minus p10.
    assert!(
        swings
            .windows(2)
            .all(|w| num(w[0], "value").abs() >= num(w[1], "value").abs())
    );
    let f = swings[0]["factor"].as_str();
    let (lo, hi) = (
        measure(&tornado, f, "at_p10"),
        measure(&tornado, f, "at_p90"),
    );
    assert!((num(hi, "value") - num(lo, "value") - num(swings[0], "value")).abs() < 1e-15);
    // The fixed values are the input's 10th and 90th percentiles:
    // russian_resolve ~ beta(2, 5).
    use statrs::distribution::{Beta, ContinuousCDF};
    let beta = Beta::new(2.0, 5.0).unwrap();
    let r = measure(&tornado, "russian_resolve", "at_p10");
    assert!((num(r, "factor_value") - beta.inverse_cdf(0.1)).abs() < 1e-9);

    let (rank, _b) = sensitivity(&[
        "models/baseline.toml",
        "--method",
        "rank",
        "--samples",
        "20000",
        "--quantity",
        "attack_force",
    ]);
    // attack_force rises with the share of Kaliningrad's troops committed.
    let r = measure(&rank, "kaliningrad_committed_share", "spearman");
    assert!(num(r, "value") > 0.2 && num(r, "ci_low") > 0.0, "{r:?}");
}

#[test]
fn an_unknown_quantity_is_a_usage_error() {
    let assert = gaprisk()
        .args([
            "sensitivity",
            "models/baseline.toml",
            "--quantity",
            "closur",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("--quantity closur") && stderr.contains("closure"),
        "{stderr}"
    );
}
