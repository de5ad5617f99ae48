//! Estimates checked against closed forms, through the real binary. The
//! tolerances are in common/tolerance.rs: estimates within
//! `STANDARD_ERRORS` standard errors at a fixed seed, reported spreads
//! within `SPREAD_RELATIVE` of their closed forms.

mod common;
use common::*;

#[test]
fn event_probability_of_a_uniform_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "u.toml",
        r#"
[model]
name = "uniform-threshold"
[inputs]
u = { dist = "uniform", min = 0, max = 1 }
[events]
below = "u < 0.3"
"#,
    );
    for interval in ["wilson", "clopper-pearson"] {
        let (rows, _out) = run_model(
            &model,
            &[
                "--samples",
                "200000",
                "--seed",
                "11",
                "--interval",
                interval,
            ],
        );
        let r = row(&rows, "below");
        let (p, n): (f64, f64) = (0.3, 200_000.0);
        let se = (p * (1.0 - p) / n).sqrt();
        assert_within_se(&format!("below ({interval})"), num(r, "mean"), p, se);
        assert!(num(r, "ci_low") < p && p < num(r, "ci_high"), "{r:?}");
        assert_relative(
            &format!("below std_error ({interval})"),
            num(r, "std_error"),
            se,
            SPREAD_RELATIVE,
        );
        assert_eq!(r["interval"], interval);
    }
}

#[test]
fn stress_exceeds_resistance_with_the_known_failure_probability() {
    // R ~ N(4, 1), S ~ N(2, 1): P(R < S) = P(N(2, 2) < 0) = Phi(-sqrt 2).
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "rs.toml",
        r#"
[model]
name = "resistance-stress"
[inputs]
resistance = { dist = "normal", mean = 4, sd = 1 }
stress = { dist = "normal", p05 = 0.3551463730485278, p95 = 3.644853626951472 }
[events]
failure = "resistance < stress"
"#,
    );
    let (rows, _out) = run_model(&model, &["--samples", "400000", "--seed", "5"]);
    let r = row(&rows, "failure");
    let p = 0.078_649_603_525_142_6; // Phi(-sqrt(2))
    let se = (p * (1.0 - p) / 400_000.0f64).sqrt();
    assert_within_se("failure", num(r, "mean"), p, se);
}

#[test]
fn mean_and_quantiles_of_a_beta_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "beta.toml",
        r#"
[model]
name = "beta-mean"
[inputs]
x = { dist = "beta", mean = 0.2857142857142857, concentration = 7 }
[outputs]
x = "x"
"#,
    );
    let (rows, _out) = run_model(&model, &["--samples", "200000", "--seed", "9"]);
    let r = row(&rows, "x");
    let (a, b): (f64, f64) = (2.0, 5.0);
    let mean = a / (a + b);
    let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let se = sd / (200_000.0f64).sqrt();
    assert_within_se("x", num(r, "mean"), mean, se);
    assert_relative("x sd", num(r, "sd"), sd, SPREAD_RELATIVE);
    // Median of beta(2, 5) = 0.26445 (statrs); the sketch is within 0.39%
    // of the sample median, whose own standard error is about 0.0004.
    use statrs::distribution::{Beta, ContinuousCDF};
    let median = Beta::new(a, b).unwrap().inverse_cdf(0.5);
    assert_within(
        "x p50",
        num(r, "p50"),
        median,
        SKETCH_RELATIVE * median + STANDARD_ERRORS * 0.0004,
    );
}

#[test]
fn random_node_with_expression_parameters() {
    // y ~ normal(mean = 10 x, sd = 1) with x ~ uniform(0, 1): E[y] = 5,
    // Var[y] = 100 / 12 + 1.
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "hier.toml",
        r#"
[model]
name = "hierarchical"
[inputs]
x = { dist = "uniform", min = 0, max = 1 }
[derived]
y = { dist = "normal", mean = "10 * x", sd = "1" }
[outputs]
y = "y"
"#,
    );
    let (rows, _out) = run_model(&model, &["--samples", "200000", "--seed", "3"]);
    let r = row(&rows, "y");
    let sd = (100.0f64 / 12.0 + 1.0).sqrt();
    assert_within_se("y", num(r, "mean"), 5.0, sd / (200_000.0f64).sqrt());
    assert_relative("y sd", num(r, "sd"), sd, SPREAD_RELATIVE);
}
