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

/// One model holding every family new in version 1.1 of the language, as
/// inputs and as `[derived]` random nodes with expression parameters; each
/// mean and probability is checked against its closed form (exact values
/// from mpmath at 30 digits where no formula fits on a line).
///
/// Tolerance: `STANDARD_ERRORS` (4) standard errors of the closed-form
/// spread at n = 400,000, from `assert_within_se`. With 24 checks at a
/// fixed seed the chance that a correct sampler fails any of them is about
/// 24 * 6e-5 = 1.5e-3 had the seed been drawn at random, while a wrong
/// parameterisation (scale for rate, an off-by-one count, the weight of
/// the wrong component) misses by tens of standard errors.
#[test]
fn means_and_probabilities_of_the_version_1_1_families() {
    let dir = tempfile::tempdir().unwrap();
    // Column `troops` has mean exactly 3 and population variance 3.5.
    std::fs::write(
        dir.path().join("sizes.csv"),
        "troops,unit\n1,a\n2,b\n3,c\n6,d\n",
    )
    .unwrap();
    let model = write_model(
        dir.path(),
        "families.toml",
        r#"
[model]
name = "families-1-1"
[inputs]
po = { dist = "poisson", rate = 3.5 }
bi = { dist = "binomial", n = 20, p = 0.3 }
di = { dist = "discrete", values = [10, 1, 5], weights = [1, 3, 2] }
we = { dist = "weibull", shape = 1.5, scale = 2 }
st = { dist = "student_t", df = 5, loc = 10, scale = 2 }
lu = { dist = "loguniform", min = 1, max = 100 }
mx = { dist = "mixture", components = [{ dist = "normal", mean = -2, sd = 1 }, { dist = "normal", mean = 3, sd = 0.5 }], weights = [3, 7] }
em = { dist = "empirical", file = "sizes.csv", column = "troops" }
u = { dist = "uniform", min = 0, max = 1 }
[derived]
bx = { dist = "binomial", n = 10, p = "0.1 + 0.5 * u" }
dx = { dist = "discrete", values = [0, 1], weights = ["u", "1 - u"] }
px = { dist = "poisson", rate = "2 * u + 1" }
[events]
po_zero = "po == 0"
po_at_most_2 = "po <= 2"
bi_at_least_10 = "bi >= 10"
di_five = "di == 5"
we_above_3 = "we > 3"
st_above_12 = "st > 12"
lu_below_10 = "lu < 10"
mx_negative = "mx < 0"
em_at_least_3 = "em >= 3"
dx_one = "dx == 1"
[outputs]
po_out = "po"
bi_out = "bi"
di_out = "di"
we_out = "we"
st_out = "st"
lu_out = "lu"
mx_out = "mx"
em_out = "em"
bx_out = "bx"
px_out = "px"
"#,
    );
    let n = 400_000.0f64;
    let (rows, _out) = run_model(&model, &["--samples", "400000", "--seed", "17"]);
    // (quantity, exact mean, exact variance)
    let means: [(&str, f64, f64); 10] = [
        ("po_out", 3.5, 3.5),
        ("bi_out", 6.0, 4.2),
        (
            "di_out",
            23.0 / 6.0,
            (300.0 + 3.0 + 50.0) / 6.0 - (23.0f64 / 6.0).powi(2),
        ),
        ("we_out", 1.805_490_585_901_867, 1.502_761_139_255_728),
        ("st_out", 10.0, 4.0 * 5.0 / 3.0),
        ("lu_out", 21.497_576_854_210_97, 623.481_820_534_947),
        // 0.3 N(-2, 1) + 0.7 N(3, 0.5^2)
        ("mx_out", 1.5, 0.3 * 5.0 + 0.7 * 9.25 - 2.25),
        ("em_out", 3.0, 3.5),
        // p ~ U(0.1, 0.6): E = 10 E[p], Var = 10 E[p(1-p)] + 100 Var[p]
        (
            "bx_out",
            3.5,
            10.0 * (0.35 - (0.1225 + 0.25 / 12.0)) + 100.0 * 0.25 / 12.0,
        ),
        // rate ~ U(1, 3): Var = E[rate] + Var[rate]
        ("px_out", 2.0, 2.0 + 4.0 / 12.0),
    ];
    for (name, mean, var) in means {
        assert_within_se(name, num(row(&rows, name), "mean"), mean, (var / n).sqrt());
    }
    let probabilities: [(&str, f64); 10] = [
        ("po_zero", (-3.5f64).exp()),
        ("po_at_most_2", 0.320_847_198_862_134),
        ("bi_at_least_10", 0.047_961_897_331_343_5),
        ("di_five", 1.0 / 3.0),
        ("we_above_3", 0.159_275_908_490_021),
        ("st_above_12", 0.181_608_733_824_561),
        ("lu_below_10", 0.5),
        ("mx_negative", 0.293_174_961_106_158),
        ("em_at_least_3", 0.5),
        ("dx_one", 0.5),
    ];
    for (name, p) in probabilities {
        let se = (p * (1.0 - p) / n).sqrt();
        assert_within_se(name, num(row(&rows, name), "mean"), p, se);
    }
    // The empirical column draws only its own values.
    let em = row(&rows, "em_out");
    assert_eq!((num(em, "min"), num(em, "max")), (1.0, 6.0));
}

/// Pareto and negative binomial (issue 28): means of inputs and of random
/// nodes with expression parameters within four standard errors of their
/// closed forms, and two event probabilities.
#[test]
fn pareto_and_negative_binomial_means_match_their_closed_forms() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "issue28.toml",
        r#"
[model]
name = "pareto-negative-binomial"
[inputs]
pa = { dist = "pareto", scale = 2, shape = 3 }
nb = { dist = "negative_binomial", r = 2.5, p = 0.3 }
nm = { dist = "negative_binomial", mean = 40, r = 3 }
u = { dist = "uniform", min = 0, max = 1 }
[derived]
pd = { dist = "pareto", scale = "1 + u", shape = 4 }
nd = { dist = "negative_binomial", mean = "10 + 20 * u", r = 2 }
[events]
pa_above_4 = "pa > 4"
nb_zero = "nb == 0"
[outputs]
pa_out = "pa"
nb_out = "nb"
nm_out = "nm"
pd_out = "pd"
nd_out = "nd"
"#,
    );
    let n = 400_000.0f64;
    let (rows, _out) = run_model(&model, &["--samples", "400000", "--seed", "28"]);
    // (quantity, exact mean, exact variance)
    let means: [(&str, f64, f64); 5] = [
        // alpha x_m / (alpha - 1); x_m^2 alpha / ((alpha - 1)^2 (alpha - 2))
        ("pa_out", 3.0, 3.0),
        // r (1 - p) / p; mean / p
        ("nb_out", 2.5 * 0.7 / 0.3, 2.5 * 0.7 / 0.09),
        // mean; mean + mean^2 / r
        ("nm_out", 40.0, 40.0 + 1600.0 / 3.0),
        // s = 1 + u: E = 4/3 E[s]; Var = (4 / 18) E[s^2] + (16 / 9) Var[s]
        (
            "pd_out",
            2.0,
            (4.0 / 18.0) * (2.25 + 1.0 / 12.0) + (16.0 / 9.0) / 12.0,
        ),
        // m = 10 + 20 u: Var = E[m + m^2 / 2] + Var[m]
        (
            "nd_out",
            20.0,
            20.0 + (400.0 + 400.0 / 12.0) / 2.0 + 400.0 / 12.0,
        ),
    ];
    for (name, mean, var) in means {
        assert_within_se(name, num(row(&rows, name), "mean"), mean, (var / n).sqrt());
    }
    // P(pa > 4) = (2 / 4)^3; P(nb = 0) = p^r.
    for (name, p) in [("pa_above_4", 0.125), ("nb_zero", 0.3f64.powf(2.5))] {
        let se = (p * (1.0 - p) / n).sqrt();
        assert_within_se(name, num(row(&rows, name), "mean"), p, se);
    }
    // The pareto's support starts at its scale; the counts are whole.
    assert!(num(row(&rows, "pa_out"), "min") >= 2.0);
    assert_eq!(num(row(&rows, "nb_out"), "min"), 0.0);
}

/// Pareto and negative binomial under every design: one inverse transform
/// of one uniform each, so Latin hypercube and quasi-Monte Carlo estimate
/// the same mean.
#[test]
fn pareto_and_negative_binomial_work_under_every_design() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "designs28.toml",
        r#"
[model]
name = "designs-issue-28"
[inputs]
pa = { dist = "pareto", scale = 2, shape = 5 }
nb = { dist = "negative_binomial", mean = 6, r = 2 }
[outputs]
total = "pa + nb"
"#,
    );
    // pareto: mean 5 * 2 / 4, variance 4 * 5 / (16 * 3); negative
    // binomial: mean 6, variance 6 + 36 / 2. 4 standard errors of plain
    // Monte Carlo bound the better designs too.
    let se = ((20.0 / 48.0 + 24.0) / 100_000.0f64).sqrt();
    for design in ["mc", "lhs", "qmc"] {
        let (rows, _out) = run_model(
            &model,
            &["--samples", "100000", "--seed", "4", "--design", design],
        );
        assert_within_se(design, num(row(&rows, "total"), "mean"), 8.5, se);
    }
}

/// The same model under each design: every new family is one inverse
/// transform of one uniform, so Latin hypercube and quasi-Monte Carlo
/// estimate the same means.
#[test]
fn the_version_1_1_families_work_under_every_design() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), "x\n1\n2\n3\n6\n").unwrap();
    let model = write_model(
        dir.path(),
        "designs.toml",
        r#"
[model]
name = "designs-1-1"
[inputs]
po = { dist = "poisson", rate = 3.5 }
mx = { dist = "mixture", components = [{ dist = "normal", mean = -2, sd = 1 }, { dist = "normal", mean = 3, sd = 0.5 }], weights = [3, 7] }
em = { dist = "empirical", file = "d.csv", column = "x" }
[outputs]
total = "po + mx + em"
"#,
    );
    // Var = 3.5 + 5.725 + 3.5; 4 standard errors of plain Monte Carlo
    // bound the better designs too.
    let se = ((3.5 + 5.725 + 3.5) / 100_000.0f64).sqrt();
    for design in ["mc", "lhs", "qmc"] {
        let (rows, _out) = run_model(
            &model,
            &["--samples", "100000", "--seed", "4", "--design", design],
        );
        assert_within_se(design, num(row(&rows, "total"), "mean"), 8.0, se);
    }
}

/// Every family of language 1.1, as inputs and as per-sample random nodes,
/// gives the same bytes (summary and every draw) at any thread count.
#[test]
fn the_version_1_1_families_are_byte_identical_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), "x\n1\n2\n3\n6\n").unwrap();
    let model = write_model(
        dir.path(),
        "threads.toml",
        r#"
[model]
name = "threads-1-1"
[inputs]
po = { dist = "poisson", rate = 40 }
bi = { dist = "binomial", n = 50, p = 0.2 }
we = { dist = "weibull", shape = 0.8, scale = 3 }
st = { dist = "student_t", df = 1.5 }
lu = { dist = "loguniform", min = 0.1, max = 10 }
em = { dist = "empirical", file = "d.csv", column = "x" }
u = { dist = "uniform", min = 0, max = 1 }
[derived]
bx = { dist = "binomial", n = "po", p = "u" }
px = { dist = "poisson", rate = "500 * u" }
dx = { dist = "discrete", values = [1, "we", 3], weights = ["u", 1, "lu"] }
mx = { dist = "mixture", components = [{ dist = "normal", mean = "st", sd = 1 }, { dist = "empirical", file = "d.csv", column = "x" }], weights = ["u", 0.5] }
[outputs]
total = "po + bi + we + st + lu + em + bx + px + dx + mx"
"#,
    );
    // 5 chunks of 16384, the last one partial.
    let bytes: Vec<Vec<u8>> = ["1", "2", "8"]
        .iter()
        .map(|t| {
            let out = tempfile::tempdir().unwrap();
            gaprisk()
                .arg("run")
                .arg(&model)
                .args(["--samples", "70000", "--seed", "8", "--threads", t])
                .args(["--quiet", "--draws", "--out", out.path().to_str().unwrap()])
                .assert()
                .success();
            let mut bytes = std::fs::read(out.path().join("summary.csv")).unwrap();
            bytes.extend(std::fs::read(out.path().join("draws.csv")).unwrap());
            bytes
        })
        .collect();
    assert!(bytes[0] == bytes[1], "1 vs 2 threads differ");
    assert!(bytes[0] == bytes[2], "1 vs 8 threads differ");
}
