//! Language 1.2 time steps (issue 27) through the real binary: horizon.csv's
//! `by_step`, `at_step` and `hazard` rows against closed forms (a constant
//! hazard, a beta frailty, an absorbing Markov chain), its `mean` and
//! quantile rows against a Gaussian random walk, the coverage of its
//! intervals over many seeds, the identities that tie a stepped model to a
//! static one and its last step to summary.csv and quantiles.csv, and the
//! bytes at any thread count and after a shard merge.
//!
//! Tolerances are common/tolerance.rs's: an estimate within
//! `STANDARD_ERRORS` (4) standard errors of its exact value at a fixed seed
//! (a false alarm about 6e-5 per check had the seed been random; the
//! defects looked for here, a carry off by one step, a hazard over the wrong
//! denominator, a stream reused across steps, miss by tens of standard
//! errors), plus `SKETCH_RELATIVE` for a quantile read from the sketch.
//! The malformed models of language 1.2 are in tests/malformed/ (checked by
//! tests/model_errors.rs).

mod common;
use common::*;
use std::path::Path;

/// horizon.csv's header, exactly as MODEL.md gives its columns.
const HORIZON_HEADER: &str = "model,quantity,step,measure,value,ci_low,ci_high,confidence";

/// A quantity's row of horizon.csv at `step` for `measure`.
fn cell<'a>(rows: &'a [Row], quantity: &str, step: u32, measure: &str) -> &'a Row {
    rows.iter()
        .find(|r| {
            r["quantity"] == quantity && r["step"] == step.to_string() && r["measure"] == measure
        })
        .unwrap_or_else(|| panic!("no horizon row {quantity} step {step} {measure}"))
}

/// The rows of a run folder's horizon.csv, after checking its header.
fn horizon(out: &Path) -> Vec<Row> {
    let path = out.join("horizon.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next(), Some(HORIZON_HEADER));
    read_summary(&path)
}

/// `gaprisk run` of a stepped model: summary rows, horizon rows, the folder.
fn run_stepped(model: &Path, args: &[&str]) -> (Vec<Row>, Vec<Row>, tempfile::TempDir) {
    let (summary, out) = run_model(model, args);
    let rows = horizon(out.path());
    (summary, rows, out)
}

/// The value, ci_low and ci_high columns of a row, as written.
fn triple(row: &Row) -> [&str; 3] {
    [&row["value"], &row["ci_low"], &row["ci_high"]]
}

/// Standard error of a proportion p estimated from n samples.
fn proportion_se(p: f64, n: f64) -> f64 {
    (p * (1.0 - p) / n).sqrt()
}

/// Standard normal density.
fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Phi^-1(0.95), as the language's percentiles use it.
const Z95: f64 = 1.644_853_626_951_472_2;

const CONSTANT_HAZARD: &str = r#"
[model]
name = "constant-hazard"
steps = 24
step_unit = "month"
[derived]
hit = { dist = "bernoulli", p = 0.05 }
[events]
hit = "hit"
"#;

const RANDOM_WALK: &str = r#"
[model]
name = "random-walk"
steps = 24
[derived]
z = { dist = "normal", mean = 0, sd = 1 }
[state]
x = { start = 0, next = "x + z" }
[outputs]
x = "x"
x2 = "x^2"
"#;

/// Every per-step mechanism at once: an input read every step, random
/// nodes drawn every step (constant and expression parameters), one drawn
/// once, two states, events, outputs.
const COMBINED: &str = r#"
[model]
name = "combined-24"
steps = 24
[inputs]
h = { dist = "beta", alpha = 2, beta = 8 }
[derived]
hit = { dist = "bernoulli", p = "h" }
once = { dist = "uniform", min = 0, max = 1, each_step = false }
z = { dist = "normal", mean = 0, sd = 1 }
u = { dist = "uniform", min = 0, max = 1 }
[state]
x = { start = 100, next = "x + z" }
s = { start = 0, next = "if(s == 0, if(u < 0.90, 0, if(u < 0.97, 1, 2)), if(s == 1, if(u < 0.10, 0, if(u < 0.90, 1, 2)), 2))" }
[events]
hit = "hit"
absorbed = "s == 2"
low = "once < 0.2 and x > 101"
[outputs]
x = "x"
y = "x * once + h"
"#;

/// Constant hazard 0.05 per step: by_step(t) = 1 - 0.95^t, at_step = 0.05
/// and hazard = 0.05 at every step, each within 4 standard errors of a
/// proportion over the row's own denominator: n for by_step and at_step,
/// the n 0.95^(t-1) samples still at risk for hazard.
#[test]
fn a_constant_hazard_gives_geometric_by_step_and_flat_at_step_and_hazard() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "hazard.toml", CONSTANT_HAZARD);
    let (summary, rows, _out) = run_stepped(&model, &["--samples", "200000", "--seed", "21"]);
    let n = 200_000.0f64;
    // 24 steps x 3 measures, in MODEL.md's order.
    assert_eq!(rows.len(), 72);
    for (i, r) in rows.iter().enumerate() {
        let measure = ["by_step", "at_step", "hazard"][i % 3];
        assert_eq!(
            (
                r["model"].as_str(),
                r["quantity"].as_str(),
                r["measure"].as_str()
            ),
            ("constant-hazard", "hit", measure)
        );
        assert_eq!(r["step"], (i / 3 + 1).to_string());
        assert_eq!(r["confidence"], "0.95");
    }
    for t in 1..=24u32 {
        let by = 1.0 - 0.95f64.powi(t as i32);
        let at_risk = n * 0.95f64.powi(t as i32 - 1);
        let by_row = cell(&rows, "hit", t, "by_step");
        assert_within_se(
            &format!("by_step({t})"),
            num(by_row, "value"),
            by,
            proportion_se(by, n),
        );
        let at_row = cell(&rows, "hit", t, "at_step");
        assert_within_se(
            &format!("at_step({t})"),
            num(at_row, "value"),
            0.05,
            proportion_se(0.05, n),
        );
        let hazard_row = cell(&rows, "hit", t, "hazard");
        assert_within_se(
            &format!("hazard({t})"),
            num(hazard_row, "value"),
            0.05,
            proportion_se(0.05, at_risk),
        );
        for r in [by_row, at_row, hazard_row] {
            assert!(num(r, "ci_low") <= num(r, "value") && num(r, "value") <= num(r, "ci_high"));
        }
    }
    // At step 1 every sample is at risk and nothing happened before: the
    // three measures are one proportion with one interval.
    let first = triple(cell(&rows, "hit", 1, "by_step"));
    assert_eq!(triple(cell(&rows, "hit", 1, "at_step")), first);
    assert_eq!(triple(cell(&rows, "hit", 1, "hazard")), first);
    // The main value is "true by the last step".
    assert_eq!(
        num(row(&summary, "hit"), "mean"),
        num(cell(&rows, "hit", 24, "by_step"), "value")
    );
}

/// S_t = E[(1 - h)^t] = B(a, b + t) / B(a, b) for h ~ beta(a, b).
fn beta_survival(a: f64, b: f64, t: u32) -> f64 {
    (0..t)
        .map(|j| (b + f64::from(j)) / (a + b + f64::from(j)))
        .product()
}

/// A beta frailty: h ~ beta(2, 8) per sample, hit ~ bernoulli(h) every
/// step. by_step(t) = 1 - S_t, at_step = a / (a + b), hazard(t) =
/// a / (a + b + t - 1) (falling: the frail fail first). Tolerance: 4
/// standard errors of a proportion over the row's denominator (n, or the
/// n S_{t-1} samples at risk). Given a sample is at risk, its hit is
/// bernoulli(E[h | at risk]) independently of the others, so the hazard's
/// count is binomial over the risk set and the proportion's error applies.
#[test]
fn a_beta_frailty_gives_a_falling_hazard() {
    use statrs::function::gamma::ln_gamma;
    let (a, b) = (2.0f64, 8.0f64);
    // The product against the log-gamma form of B(a, b + t) / B(a, b), to
    // 1e-12 relative (both are double precision computations of one
    // number; a wrong product, an off-by-one in t, misses by percent).
    for t in 0..=24u32 {
        let tf = f64::from(t);
        let lgamma =
            (ln_gamma(b + tf) + ln_gamma(a + b) - ln_gamma(b) - ln_gamma(a + b + tf)).exp();
        assert_relative(&format!("S_{t}"), beta_survival(a, b, t), lgamma, 1e-12);
    }
    let dir = tempfile::tempdir().unwrap();
    let per_step = write_model(
        dir.path(),
        "frailty.toml",
        r#"
[model]
name = "beta-frailty"
steps = 24
[inputs]
h = { dist = "beta", alpha = 2, beta = 8 }
[derived]
hit = { dist = "bernoulli", p = "h" }
[events]
hit = "hit"
"#,
    );
    let n = 200_000.0f64;
    let mean = a / (a + b);
    let (_summary, rows, _out) = run_stepped(&per_step, &["--samples", "200000", "--seed", "22"]);
    for t in 1..=24u32 {
        let (s_t, s_prev) = (beta_survival(a, b, t), beta_survival(a, b, t - 1));
        let by = 1.0 - s_t;
        assert_within_se(
            &format!("by_step({t})"),
            num(cell(&rows, "hit", t, "by_step"), "value"),
            by,
            proportion_se(by, n),
        );
        assert_within_se(
            &format!("at_step({t})"),
            num(cell(&rows, "hit", t, "at_step"), "value"),
            mean,
            proportion_se(mean, n),
        );
        let hazard = a / (a + b + f64::from(t) - 1.0);
        assert_relative(
            &format!("hazard({t}) closed form"),
            1.0 - s_t / s_prev,
            hazard,
            1e-12,
        );
        assert_within_se(
            &format!("hazard({t})"),
            num(cell(&rows, "hit", t, "hazard"), "value"),
            hazard,
            proportion_se(hazard, n * s_prev),
        );
    }

    // each_step = false: hit is drawn once, at step 1, and kept. Then
    // by_step = at_step = a / (a + b) at every step (the same counts, so
    // the same row as step 1's), hazard(1) = a / (a + b), and no sample
    // can be first true after step 1: hazard(t >= 2) is 0 exactly.
    let once = write_model(
        dir.path(),
        "once.toml",
        r#"
[model]
name = "beta-once"
steps = 24
[inputs]
h = { dist = "beta", alpha = 2, beta = 8 }
[derived]
hit = { dist = "bernoulli", p = "h", each_step = false }
[events]
hit = "hit"
"#,
    );
    let (_summary, rows, _out) = run_stepped(&once, &["--samples", "200000", "--seed", "23"]);
    let first = cell(&rows, "hit", 1, "by_step");
    assert_within_se(
        "by_step(1), drawn once",
        num(first, "value"),
        mean,
        proportion_se(mean, n),
    );
    assert_eq!(triple(cell(&rows, "hit", 1, "hazard")), triple(first));
    for t in 1..=24u32 {
        assert_eq!(
            triple(cell(&rows, "hit", t, "by_step")),
            triple(first),
            "by_step({t})"
        );
        assert_eq!(
            triple(cell(&rows, "hit", t, "at_step")),
            triple(first),
            "at_step({t})"
        );
        if t >= 2 {
            // The value is 0 exactly; Wilson's lower end for 0 successes is
            // 0 up to the rounding of its formula (about 1e-21 here).
            let hazard = cell(&rows, "hit", t, "hazard");
            assert_eq!(num(hazard, "value"), 0.0, "hazard({t})");
            assert!(
                num(hazard, "ci_low").abs() < 1e-15,
                "hazard({t}): {hazard:?}"
            );
            assert!(num(hazard, "ci_high") > 0.0, "hazard({t}): {hazard:?}");
        }
    }
}

type Matrix = [[f64; 3]; 3];

/// The distribution of the chain at steps 1..=steps from state 0: row t-1
/// is e_0' P^(t-1), by repeated vector-matrix products in f64.
fn distributions(p: &Matrix, steps: u32) -> Vec<[f64; 3]> {
    let mut v = [1.0, 0.0, 0.0];
    let mut out = Vec::new();
    for _ in 0..steps {
        out.push(v);
        v = std::array::from_fn(|j| (0..3).map(|i| v[i] * p[i][j]).sum());
    }
    out
}

/// An absorbing chain on {0, 1, 2} driven by one uniform per step:
/// P = [[0.90, 0.07, 0.03], [0.10, 0.80, 0.10], [0, 0, 1]], s_1 = 0.
/// at_step(absorbed, t) = (e_0' P^(t-1))_2 = by_step (absorbing), hazard
/// from it; at_step(in_b, t) = (e_0' P^(t-1))_1, while by_step(in_b, t) is
/// (e_0' Q^(t-1))_1 with Q = P with state 1 made absorbing: "visited 1 by
/// t" against "in 1 at t", which tests the carry against the value.
/// Tolerance: 4 standard errors of a proportion over each row's
/// denominator (n; for hazard the n (1 - by(t-1)) samples at risk).
#[test]
fn an_absorbing_markov_chain_matches_its_matrix_powers() {
    let p: Matrix = [[0.90, 0.07, 0.03], [0.10, 0.80, 0.10], [0.0, 0.0, 1.0]];
    let mut q = p;
    q[1] = [0.0, 1.0, 0.0];
    let at = distributions(&p, 24);
    let visited = distributions(&q, 24);
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "chain.toml",
        r#"
[model]
name = "absorbing-chain"
steps = 24
[derived]
u = { dist = "uniform", min = 0, max = 1 }
[state]
s = { start = 0, next = "if(s == 0, if(u < 0.90, 0, if(u < 0.97, 1, 2)), if(s == 1, if(u < 0.10, 0, if(u < 0.90, 1, 2)), 2))" }
[events]
absorbed = "s == 2"
in_b = "s == 1"
"#,
    );
    let n = 200_000.0f64;
    let (_summary, rows, _out) = run_stepped(&model, &["--samples", "200000", "--seed", "24"]);
    // Every sample starts in state 0: nothing is true at step 1, exactly.
    for quantity in ["absorbed", "in_b"] {
        for measure in ["by_step", "at_step", "hazard"] {
            assert_eq!(
                num(cell(&rows, quantity, 1, measure), "value"),
                0.0,
                "{quantity} {measure}"
            );
        }
    }
    // The checked closed forms: (event, column of at, column of by).
    for (quantity, at_of, by_of) in [("absorbed", &at, &at), ("in_b", &at, &visited)] {
        let state = if quantity == "absorbed" { 2 } else { 1 };
        for t in 2..=24u32 {
            let i = t as usize - 1;
            let (at_t, by_t, by_prev) = (at_of[i][state], by_of[i][state], by_of[i - 1][state]);
            let name = |m: &str| format!("{quantity} {m}({t})");
            assert_within_se(
                &name("at_step"),
                num(cell(&rows, quantity, t, "at_step"), "value"),
                at_t,
                proportion_se(at_t, n),
            );
            assert_within_se(
                &name("by_step"),
                num(cell(&rows, quantity, t, "by_step"), "value"),
                by_t,
                proportion_se(by_t, n),
            );
            let hazard = (by_t - by_prev) / (1.0 - by_prev);
            assert_within_se(
                &name("hazard"),
                num(cell(&rows, quantity, t, "hazard"), "value"),
                hazard,
                proportion_se(hazard, n * (1.0 - by_prev)),
            );
        }
    }
    // Absorbed once is absorbed for good: by and at count the same samples.
    for t in 1..=24 {
        assert_eq!(
            triple(cell(&rows, "absorbed", t, "by_step")),
            triple(cell(&rows, "absorbed", t, "at_step")),
            "step {t}"
        );
    }
    // Leaving state 1 is possible, so having visited it is likelier than
    // being in it, by far more than the noise from step 3 on.
    assert!(visited[23][1] - at[23][1] > 0.2);
}

/// A Gaussian random walk x_1 = 0, x_{t+1} = x_t + z_t: x_t ~ N(0, t - 1).
/// Means: E[x_t] = 0 with standard error sqrt((t - 1) / n); E[x_t^2] = t - 1
/// with standard error sqrt(2 / n) (t - 1); within 4 of them. Quantiles:
/// p05, p50, p95 of x_t = -1.645, 0, +1.645 times sqrt(t - 1) and (t - 1)
/// times chi-square(1)'s for x_t^2, within 4 standard errors of a sample
/// quantile (sqrt(p (1 - p) / n) / density) plus the sketch's relative
/// resolution `SKETCH_RELATIVE` (its buckets are 1/257 wide, relative,
/// at every step but the last, which is finer). Step 1 is 0 exactly.
#[test]
fn a_random_walk_has_the_mean_spread_and_quantiles_of_its_steps() {
    use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF};
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "walk.toml", RANDOM_WALK);
    let n = 200_000.0f64;
    let (_summary, rows, _out) = run_stepped(&model, &["--samples", "200000", "--seed", "25"]);
    for quantity in ["x", "x2"] {
        for measure in ["mean", "p05", "p50", "p95"] {
            let r = cell(&rows, quantity, 1, measure);
            assert_eq!(triple(r), ["0", "0", "0"], "{quantity} {measure} at step 1");
        }
    }
    let chi = ChiSquared::new(1.0).unwrap();
    let quantile_tolerance = |exact: f64, se: f64| {
        STANDARD_ERRORS * se + SKETCH_RELATIVE * (exact.abs() + STANDARD_ERRORS * se)
    };
    for t in 2..=24u32 {
        let var = f64::from(t - 1);
        let sd = var.sqrt();
        assert_within_se(
            &format!("mean x({t})"),
            num(cell(&rows, "x", t, "mean"), "value"),
            0.0,
            sd / n.sqrt(),
        );
        assert_within_se(
            &format!("mean x2({t})"),
            num(cell(&rows, "x2", t, "mean"), "value"),
            var,
            (2.0 / n).sqrt() * var,
        );
        for (measure, p, z) in [("p05", 0.05, -Z95), ("p50", 0.5, 0.0), ("p95", 0.95, Z95)] {
            let spread = (p * (1.0 - p) / n).sqrt();
            let exact = z * sd;
            let se = spread * sd / phi(z);
            assert_within(
                &format!("{measure} x({t})"),
                num(cell(&rows, "x", t, measure), "value"),
                exact,
                quantile_tolerance(exact, se),
            );
            let c = chi.inverse_cdf(p);
            let exact = var * c;
            let se = spread * var / chi.pdf(c);
            assert_within(
                &format!("{measure} x2({t})"),
                num(cell(&rows, "x2", t, measure), "value"),
                exact,
                quantile_tolerance(exact, se),
            );
        }
    }
}

/// Pooled coverage of one measure over seeds: how many rows covered the
/// truth, of how many, and per seed (for the design effect).
#[derive(Default)]
struct Pool {
    covered: u64,
    rows: u64,
    per_seed: Vec<u64>,
}

impl Pool {
    fn rate(&self) -> f64 {
        self.covered as f64 / self.rows as f64
    }

    /// Rows are correlated within a seed (by_step(t) and by_step(t + 1)
    /// share most of their samples; so do a walk's steps), so the pooled
    /// count varies more than a binomial. The design effect is the
    /// between-seed variance of the per-seed counts over the binomial's,
    /// and the effective trials are the rows over it (at least 1).
    fn effective_trials(&self) -> f64 {
        let seeds = self.per_seed.len() as f64;
        let m = self.rows as f64 / seeds;
        let mean = self.covered as f64 / seeds;
        let var = self
            .per_seed
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / (seeds - 1.0);
        let p = self.rate();
        let binomial = m * p * (1.0 - p);
        let effect = if binomial > 0.0 {
            (var / binomial).max(1.0)
        } else {
            1.0
        };
        self.rows as f64 / effect
    }
}

/// The seeds of the coverage test; each run has 4,096 samples.
const COVERAGE_SEEDS: u64 = 400;

/// Coverage of horizon.csv's intervals: 400 seeds x 4,096 samples of a
/// model holding the constant hazard (hit) and the random walk (x, x2) as
/// independent streams, so one run serves both. Pooled per measure over
/// seeds and steps (the walk's step 1 left out: it is 0 exactly), the
/// proportion rows (Wilson; hazard with n its denominator) and the t
/// intervals of the means must cover their exact values 93% to 97% of the
/// time at 95% confidence: pooled, the rows number 9,200 to 9,600 per
/// measure, and even the most correlated (the walk's means, whose design
/// effect was measured at about 9) leave some 1,000 effective trials, a
/// standard error of 0.7%: the band is about 3 of them either way (the
/// test prints each measure's coverage and effective trials), while an interval
/// with a wrong n or a standard deviation in place of a standard error
/// misses it by far. Quantile rows (order-statistic intervals widened to
/// the bucket ends, conservative by construction) only need the
/// `coverage_floor` of their effective trials.
#[test]
fn horizon_intervals_cover_at_their_level_over_400_seeds() {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "coverage.toml",
        r#"
[model]
name = "coverage"
steps = 24
[derived]
hit = { dist = "bernoulli", p = 0.05 }
z = { dist = "normal", mean = 0, sd = 1 }
[state]
x = { start = 0, next = "x + z" }
[events]
hit = "hit"
[outputs]
x = "x"
x2 = "x^2"
"#,
    );
    let chi = ChiSquared::new(1.0).unwrap();
    let truth = |quantity: &str, t: u32, measure: &str| -> f64 {
        let var = f64::from(t - 1);
        let level = |m: &str| match m {
            "p05" => 0.05,
            "p50" => 0.5,
            "p95" => 0.95,
            _ => unreachable!("{m}"),
        };
        match (quantity, measure) {
            ("hit", "by_step") => 1.0 - 0.95f64.powi(t as i32),
            ("hit", _) => 0.05,
            ("x", "mean") | ("x", "p50") => 0.0,
            ("x", "p05") => -Z95 * var.sqrt(),
            ("x", "p95") => Z95 * var.sqrt(),
            ("x2", "mean") => var,
            ("x2", m) => var * chi.inverse_cdf(level(m)),
            _ => unreachable!("{quantity} {measure}"),
        }
    };
    // Two runs at a time, one thread each (the machine is shared).
    let next = std::sync::atomic::AtomicU64::new(1);
    let per_seed: Vec<Vec<(String, bool)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if seed > COVERAGE_SEEDS {
                            return out;
                        }
                        let folder = dir.path().join(format!("seed-{seed}"));
                        gaprisk()
                            .arg("run")
                            .arg(&model)
                            .args(["--samples", "4096", "--seed", &seed.to_string()])
                            .args(["--threads", "1", "--quiet", "--no-report", "--out"])
                            .arg(&folder)
                            .assert()
                            .success();
                        let hits: Vec<(String, bool)> = horizon(&folder)
                            .iter()
                            .filter(|r| r["quantity"] == "hit" || r["step"] != "1")
                            .map(|r| {
                                let t: u32 = r["step"].parse().unwrap();
                                let exact = truth(&r["quantity"], t, &r["measure"]);
                                let kind = format!("{} {}", r["quantity"], r["measure"]);
                                (
                                    kind,
                                    num(r, "ci_low") <= exact && exact <= num(r, "ci_high"),
                                )
                            })
                            .collect();
                        std::fs::remove_dir_all(&folder).unwrap();
                        out.push(hits);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(per_seed.len() as u64, COVERAGE_SEEDS);
    let mut pools: std::collections::BTreeMap<String, Pool> = Default::default();
    for rows in &per_seed {
        let mut counts: std::collections::BTreeMap<&str, u64> = Default::default();
        for (kind, covered) in rows {
            let pool = pools.entry(kind.clone()).or_default();
            pool.rows += 1;
            pool.covered += u64::from(*covered);
            *counts.entry(kind).or_default() += u64::from(*covered);
        }
        for (kind, c) in counts {
            pools.get_mut(kind).unwrap().per_seed.push(c);
        }
    }
    eprintln!("coverage over {COVERAGE_SEEDS} seeds x 4096 samples, 95% intervals:");
    for (kind, pool) in &pools {
        let effective = pool.effective_trials();
        eprintln!(
            "  {kind:12} {:5} of {:5} = {:.2}%, effective trials {effective:.0}",
            pool.covered,
            pool.rows,
            100.0 * pool.rate()
        );
        if kind.ends_with("mean") || kind.starts_with("hit") {
            assert!(
                (0.93..=0.97).contains(&pool.rate()),
                "{kind}: coverage {:.2}% ({} of {}, about {effective:.0} effective trials) is outside 93-97%",
                100.0 * pool.rate(),
                pool.covered,
                pool.rows
            );
        } else {
            let trials = effective.round() as u64;
            assert_coverage(kind, (pool.rate() * effective).round() as u64, trials, 0.95);
        }
    }
    assert_eq!(
        pools.len(),
        11,
        "3 event measures and 2 x 4 output measures"
    );
}

/// The rows of a CSV file without its first (`model`) column.
fn without_model_column(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split_once(',').expect("a model column").1.to_string())
        .collect()
}

/// A stepped run's last-step rows equal summary.csv's (events: by_step
/// against the mean and its interval; outputs: mean) and quantiles.csv's
/// (p05, p50, p95) digit for digit: they are read from the same
/// accumulators.
fn assert_last_step_is_the_summary(out: &Path, steps: u32, context: &str) {
    let rows = horizon(out);
    let summary = read_summary(&out.join("summary.csv"));
    let quantiles = read_summary(&out.join("quantiles.csv"));
    for s in &summary {
        let quantity = s["quantity"].as_str();
        let summary_triple = [&s["mean"], &s["ci_low"], &s["ci_high"]].map(String::as_str);
        let measure = if s["kind"] == "event" {
            "by_step"
        } else {
            "mean"
        };
        assert_eq!(
            triple(cell(&rows, quantity, steps, measure)),
            summary_triple,
            "{context}: {quantity} {measure}"
        );
        if s["kind"] == "output" {
            for (measure, p) in [("p05", "0.05"), ("p50", "0.5"), ("p95", "0.95")] {
                let q = quantiles
                    .iter()
                    .find(|q| q["quantity"] == quantity && q["p"] == p)
                    .unwrap_or_else(|| panic!("no quantile {quantity} {p}"));
                let quantile_triple =
                    [&q["value"], &q["ci_low"], &q["ci_high"]].map(String::as_str);
                assert_eq!(
                    triple(cell(&rows, quantity, steps, measure)),
                    quantile_triple,
                    "{context}: {quantity} {measure}"
                );
            }
        }
    }
}

/// A `steps = 1` child of a static model (inputs, random derived nodes
/// with constant and expression parameters, an expression, events and
/// outputs) is the static model: summary.csv and quantiles.csv equal the
/// parent's but for the model column under every design (step 1's streams
/// are the static streams; the child adds no node, so qmc's dimensions are
/// the parent's too), and its horizon.csv's one step is its summary.
#[test]
fn a_one_step_child_is_its_static_parent() {
    let dir = tempfile::tempdir().unwrap();
    let parent = write_model(
        dir.path(),
        "static.toml",
        r#"
[model]
name = "static-parent"
[inputs]
a = { dist = "normal", mean = 0, sd = 1 }
b = { dist = "beta", alpha = 2, beta = 5 }
[derived]
c = { dist = "bernoulli", p = "b" }
d = { dist = "lognormal", p05 = 1, p95 = 10 }
g = { dist = "normal", mean = "a", sd = 2 }
f = "a + d * c"
[events]
big = "f > 3"
both = "c == 1 and g > 0"
[outputs]
f = "f"
g = "g"
"#,
    );
    let child = write_model(
        dir.path(),
        "one_step.toml",
        "[model]\nname = \"one-step-child\"\nextends = \"static.toml\"\nsteps = 1\n",
    );
    for design in ["mc", "lhs", "antithetic", "qmc"] {
        let args = ["--samples", "40000", "--seed", "26", "--design", design];
        let (_rows, static_out) = run_model(&parent, &args);
        let (_rows, stepped_out) = run_model(&child, &args);
        assert!(!static_out.path().join("horizon.csv").exists());
        for file in ["summary.csv", "quantiles.csv"] {
            assert_eq!(
                without_model_column(&static_out.path().join(file)),
                without_model_column(&stepped_out.path().join(file)),
                "{design}: {file}"
            );
        }
        assert_last_step_is_the_summary(stepped_out.path(), 1, design);
        let rows = horizon(stepped_out.path());
        assert_eq!(rows.len(), 2 * 3 + 2 * 4, "{design}: one step");
        for event in ["big", "both"] {
            assert_eq!(
                triple(cell(&rows, event, 1, "at_step")),
                triple(cell(&rows, event, 1, "by_step")),
                "{design}: {event}"
            );
        }
    }
}

/// For a model of many steps, horizon.csv's last step is summary.csv and
/// quantiles.csv digit for digit, under every design.
#[test]
fn the_last_step_of_the_horizon_is_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "combined.toml", COMBINED);
    for design in ["mc", "antithetic", "qmc"] {
        let (_rows, out) = run_model(
            &model,
            &["--samples", "30000", "--seed", "27", "--design", design],
        );
        assert_last_step_is_the_summary(out.path(), 24, design);
    }
}

/// A child with `steps = 12` of a 24-step model repeats the parent's first
/// 12 steps: streams are per node and step, and qmc's dimensions are
/// ordered by step. Steps 1 to 11 are equal row for row. At step 12 the
/// events and means are equal; its quantiles are the child's last step,
/// read with fine counts, where the parent's are the sketch's bucket
/// midpoints: each within `SKETCH_RELATIVE` of the child's (a bucket's
/// midpoint is within 1/257 of every value in the bucket, and the fine
/// value lies in it).
#[test]
fn a_shorter_child_repeats_its_parents_first_steps() {
    let dir = tempfile::tempdir().unwrap();
    let parent = write_model(dir.path(), "combined.toml", COMBINED);
    let child = write_model(
        dir.path(),
        "twelve.toml",
        "[model]\nname = \"combined-12\"\nextends = \"combined.toml\"\nsteps = 12\n",
    );
    for design in ["mc", "qmc"] {
        let args = ["--samples", "30000", "--seed", "28", "--design", design];
        let (_s, long, _o1) = run_stepped(&parent, &args);
        let (_s, short, _o2) = run_stepped(&child, &args);
        let key = |r: &Row| {
            (
                r["quantity"].clone(),
                r["step"].clone(),
                r["measure"].clone(),
            )
        };
        let early: Vec<&Row> = long.iter().filter(|r| num(r, "step") <= 12.0).collect();
        assert_eq!(early.len(), short.len(), "{design}");
        for (a, b) in early.iter().zip(&short) {
            assert_eq!(key(a), key(b), "{design}: row order");
            let quantile = b["step"] == "12" && b["measure"].starts_with('p');
            if quantile {
                let (coarse, fine) = (num(a, "value"), num(b, "value"));
                assert_within(
                    &format!("{design}: {:?}", key(b)),
                    coarse,
                    fine,
                    SKETCH_RELATIVE * fine.abs(),
                );
            } else {
                assert_eq!(triple(a), triple(b), "{design}: {:?}", key(b));
            }
        }
    }
}

/// horizon.csv, summary.csv and quantiles.csv are the same bytes at 1, 2
/// and 8 threads (70,000 samples: five chunks, the last one partial).
#[test]
fn stepped_results_are_byte_identical_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "combined.toml", COMBINED);
    for design in ["mc", "qmc"] {
        let outs: Vec<tempfile::TempDir> = ["1", "2", "8"]
            .iter()
            .map(|threads| {
                let args = ["--samples", "70000", "--seed", "29", "--design", design];
                run_model(&model, &[&args[..], &["--threads", threads]].concat()).1
            })
            .collect();
        for file in ["horizon.csv", "summary.csv", "quantiles.csv"] {
            let bytes: Vec<Vec<u8>> = outs
                .iter()
                .map(|o| std::fs::read(o.path().join(file)).unwrap())
                .collect();
            assert!(
                bytes[0] == bytes[1],
                "{design} {file}: 1 vs 2 threads differ"
            );
            assert!(
                bytes[0] == bytes[2],
                "{design} {file}: 1 vs 8 threads differ"
            );
        }
    }
}

fn shard(model: &Path, parts: &Path, k: u64, args: &[&str]) -> std::path::PathBuf {
    gaprisk()
        .arg("run")
        .arg(model)
        .args(["--quiet", "--shard", &format!("{k}/3"), "--out"])
        .arg(parts)
        .args(args)
        .assert()
        .success();
    parts.join(format!("part-{k}-of-3.json"))
}

/// Three shards and `merge` write the horizon.csv, summary.csv and
/// quantiles.csv of a single run, byte for byte. (COMBINED's outputs keep
/// away from 0: there, a quantile's buckets are so narrow that the pilot's
/// fine windows may miss the final one, which a single run replays and a
/// merge cannot, README "Sharded runs"; the same holds for static models.)
#[test]
fn stepped_shards_merge_into_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "combined.toml", COMBINED);
    for design in ["mc", "antithetic"] {
        let args = ["--samples", "70000", "--seed", "30", "--design", design];
        let parts_dir = dir.path().join(format!("parts-{design}"));
        let parts: Vec<_> = (1..=3)
            .map(|k| shard(&model, &parts_dir, k, &args))
            .collect();
        for part in &parts {
            let text = std::fs::read_to_string(part).unwrap();
            assert!(
                text.contains("\"format\":\"gaprisk-part\",\"version\":7,"),
                "{design}"
            );
        }
        let merged = dir.path().join(format!("merged-{design}"));
        gaprisk()
            .arg("merge")
            .args(&parts)
            .args(["--quiet", "--out"])
            .arg(&merged)
            .assert()
            .success();
        let (_rows, single) = run_model(&model, &args);
        for file in ["horizon.csv", "summary.csv", "quantiles.csv"] {
            assert!(
                std::fs::read(merged.join(file)).unwrap()
                    == std::fs::read(single.path().join(file)).unwrap(),
                "{design}: {file} of the merge differs from the single run's"
            );
        }
    }
}

/// A part of a stepped model that says version 6 (which has no horizon)
/// is refused by merge, naming both versions; a static model's part stays
/// version 6.
#[test]
fn merge_refuses_a_version_6_part_of_a_stepped_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path(), "hazard.toml", CONSTANT_HAZARD);
    let args = ["--samples", "40000", "--seed", "31"];
    let parts: Vec<_> = (1..=3)
        .map(|k| shard(&model, &dir.path().join("parts"), k, &args))
        .collect();
    let text = std::fs::read_to_string(&parts[0]).unwrap();
    let marker = "\"format\":\"gaprisk-part\",\"version\":7,";
    assert!(text.contains(marker));
    let edited = write_model(
        dir.path(),
        "part-1-of-3.json",
        &text.replacen(marker, "\"format\":\"gaprisk-part\",\"version\":6,", 1),
    );
    let never = dir.path().join("never");
    let assert = gaprisk()
        .arg("merge")
        .args([&edited, &parts[1], &parts[2]])
        .args(["--quiet", "--out"])
        .arg(&never)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains(&edited.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("version 6") && stderr.contains("version 7"),
        "{stderr}"
    );
    assert!(!never.exists());

    let static_model = write_model(
        dir.path(),
        "static.toml",
        "[model]\nname = \"static\"\n[inputs]\nu = { dist = \"uniform\", min = 0, max = 1 }\n[events]\nlow = \"u < 0.1\"\n",
    );
    let part = shard(&static_model, &dir.path().join("static-parts"), 1, &args);
    let text = std::fs::read_to_string(part).unwrap();
    assert!(
        text.contains("\"format\":\"gaprisk-part\",\"version\":6,"),
        "{}",
        &text[..200]
    );
}

/// The carry is Kleene's: true once true, even if unknown (NaN) at an
/// earlier step; else unknown once unknown; else false. And the hazard's
/// denominator is the samples false at every earlier step and finite now.
/// Exact counts, read from the draws: at step 2 the value is NaN where
/// u < 0.5; at step 3 it is true where u < 0.3.
#[test]
fn events_carry_as_kleene_logic_and_hazard_counts_only_known_risk() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "kleene.toml",
        r#"
[model]
name = "kleene"
steps = 4
[inputs]
u = { dist = "uniform", min = 0, max = 1 }
[derived]
v = "if(t == 2, if(u < 0.5, sqrt(-1), 0), if(t == 3 and u < 0.3, 1, 0))"
[events]
ev = "v > 0"
"#,
    );
    let (summary, rows, out) =
        run_stepped(&model, &["--samples", "5000", "--seed", "32", "--draws"]);
    // draws.csv has a row per sample and step; u is an input, the same at
    // every step: one row per sample is read, step 1's.
    let draws = read_summary(&out.path().join("draws.csv"));
    assert_eq!(draws.len(), 4 * 5000, "a row per sample and step");
    let u: Vec<f64> = draws
        .iter()
        .filter(|r| num(r, "step") == 1.0)
        .map(|r| num(r, "u"))
        .collect();
    let count = |f: &dyn Fn(f64) -> bool| u.iter().filter(|&&x| f(x)).count() as f64;
    let (true_at_3, unknown, never) = (
        count(&|x| x < 0.3),
        count(&|x| (0.3..0.5).contains(&x)),
        count(&|x| x >= 0.5),
    );
    assert_eq!(true_at_3 + unknown + never, 5000.0);
    let value = |t: u32, m: &str| num(cell(&rows, "ev", t, m), "value");
    for m in ["by_step", "at_step", "hazard"] {
        assert_eq!(value(1, m), 0.0, "{m}(1)");
        assert_eq!(value(2, m), 0.0, "{m}(2): the NaN samples are left out");
    }
    // NaN at step 2 then true at step 3 is true by step 3; NaN then false
    // stays unknown and leaves the denominator.
    let by = true_at_3 / (true_at_3 + never);
    assert_relative("by_step(3)", value(3, "by_step"), by, 1e-15);
    assert_relative("by_step(4)", value(4, "by_step"), by, 1e-15);
    assert_relative("at_step(3)", value(3, "at_step"), true_at_3 / 5000.0, 1e-15);
    assert_eq!(value(4, "at_step"), 0.0);
    // Those first true at step 3 were not known false at step 2: only the
    // samples with u >= 0.5 were at risk, and none of them became true.
    assert_eq!((value(3, "hazard"), value(4, "hazard")), (0.0, 0.0));
    let s = row(&summary, "ev");
    assert_eq!(num(s, "non_finite"), unknown);
    assert_eq!(s["mean"], cell(&rows, "ev", 4, "by_step")["value"]);
}

/// draws.csv of a stepped model: a row per sample and step, sample by
/// sample, with the states at that step and each event's value at that
/// step (not its carry). Exact: x counts the steps, and the event is true
/// at step 2 only.
#[test]
fn draws_have_a_row_per_sample_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "count.toml",
        r#"
[model]
name = "count"
steps = 3
[inputs]
u = { dist = "uniform", min = 0, max = 1 }
[state]
x = { start = 0, next = "x + 1" }
[events]
second = "x == 1"
[outputs]
ux = "u * x"
"#,
    );
    let out = tempfile::tempdir().unwrap();
    gaprisk()
        .args(["run"])
        .arg(&model)
        .args(["--samples", "5", "--draws", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("draws.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("sample,step,u,x,second,ux"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 15);
    for (r, row) in rows.iter().enumerate() {
        let (sample, step) = ((r / 3) as f64, (r % 3 + 1) as f64);
        assert_eq!(row[..2], [sample, step], "row {r}");
        assert_eq!(row[2], rows[r - r % 3][2], "u is drawn once per sample");
        assert_eq!(row[3], step - 1.0, "x at step {step}");
        assert_eq!(row[4], f64::from(step == 2.0), "the event at its step");
        assert_eq!(row[5], row[2] * row[3]);
    }
}

/// Sobol indices of a stepped model treat a per-step random node as one
/// factor over its steps. y = a + z_1 + z_2 (the walk's state at step 3)
/// with a and each z_s standard normal: Var y = 3, a explains 1/3 and z
/// (its two draws together) 2/3, alone and in total (the model is
/// additive). Under qmc (2 x 3 node-steps) and mc, each index within 0.02
/// of its closed form at N = 16,384: mc's 95% bootstrap interval is about
/// +-0.0065 here (a standard error near 0.0033, so 0.02 is 6 of them; qmc's
/// is ten times narrower), and a wrong grouping (z's draws as two factors,
/// or the last step's alone: 1/3 each) is far outside.
#[test]
fn sobol_counts_a_per_step_node_as_one_factor() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "walk.toml",
        r#"
[model]
name = "walk3"
steps = 3
[inputs]
a = { dist = "normal", mean = 0, sd = 1 }
[derived]
z = { dist = "normal", mean = 0, sd = 1 }
[state]
x = { start = 0, next = "x + z" }
[outputs]
y = "a + x"
"#,
    );
    for design in ["qmc", "mc"] {
        let out = dir.path().join(design);
        gaprisk()
            .args(["sensitivity"])
            .arg(&model)
            .args(["-n", "16384", "--design", design, "--quiet", "--out"])
            .arg(&out)
            .assert()
            .success();
        let rows = read_summary(&out.join("sensitivity.csv"));
        for (factor, exact) in [("a", 1.0 / 3.0), ("z", 2.0 / 3.0)] {
            for measure in ["first_order", "total"] {
                let r = rows
                    .iter()
                    .find(|r| r["factor"] == factor && r["measure"] == measure)
                    .unwrap_or_else(|| panic!("{design}: no {factor} {measure}"));
                assert_within(
                    &format!("{design} {factor} {measure}"),
                    num(r, "value"),
                    exact,
                    0.02,
                );
            }
        }
    }
}
