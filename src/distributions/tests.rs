//! Sampler tests in three tiers: construction and error cases, value
//! stability at a fixed seed, and goodness of fit (Kolmogorov-Smirnov against
//! the statrs CDF of the same family).

use super::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{self as sd, ContinuousCDF};

/// Draws per goodness-of-fit test: large enough that a wrong parameterisation
/// (scale for rate, sd for variance, swapped shapes) moves the KS statistic
/// far past the critical value, small enough to run in milliseconds.
const KS_DRAWS: usize = 20_000;
/// Kolmogorov's c(alpha) at alpha = 0.001: sqrt(-ln(alpha / 2) / 2).
const KS_C_ALPHA: f64 = 1.9495;
/// Quantile functions must invert the CDF to this absolute error in u.
const QUANTILE_TOL: f64 = 1e-9;
/// Tabulated quantiles must match the exact ones to this error (relative to
/// |x| + IQR). The worst measured is 1.2e-8 (gamma with shape 0.4), most
/// families stay under 1e-8: far below what any Monte Carlo run resolves.
const TABLE_TOL: f64 = 5e-8;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// The two-sided KS statistic of `draws` against `cdf`.
fn ks_statistic(mut draws: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    draws.sort_by(f64::total_cmp);
    let n = draws.len() as f64;
    draws
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

fn assert_fits(name: &str, dist: &Distribution, cdf: impl Fn(f64) -> f64) {
    let mut r = rng(0x5EED);
    let draws: Vec<f64> = (0..KS_DRAWS).map(|_| dist.sample(&mut r)).collect();
    let d = ks_statistic(draws, &cdf);
    let critical = KS_C_ALPHA / (KS_DRAWS as f64).sqrt();
    assert!(
        d < critical,
        "{name}: KS statistic {d:.5} >= critical value {critical:.5} (alpha 0.001, n {KS_DRAWS})"
    );
    // The exact quantile must invert the same CDF, and the tabulated one
    // nearly so.
    for u in [0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999] {
        let x = dist.quantile_exact(u);
        assert!(
            (cdf(x) - u).abs() < QUANTILE_TOL,
            "{name}: cdf(quantile_exact({u})) = {}",
            cdf(x)
        );
        let x = dist.quantile(u);
        assert!(
            (cdf(x) - u).abs() < TABLE_TOL,
            "{name}: cdf(quantile({u})) = {}",
            cdf(x)
        );
    }
}

fn build(family: Family, params: &[(&str, f64)]) -> Result<Distribution, String> {
    let names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
    let form = Form::resolve(family, &names)?;
    let values: Vec<f64> = form
        .params()
        .iter()
        .map(|p| params.iter().find(|(k, _)| *k == p.as_ref()).unwrap().1)
        .collect();
    form.build(&values)
        .map(Distribution::with_tables)
        .map_err(|e| e.to_string())
}

// ---- tier 1: construction and error cases ----

#[test]
fn rejects_out_of_range_parameters() {
    type Case<'a> = (Family, &'a [(&'a str, f64)], &'a str);
    let bad: &[Case] = &[
        (Family::Normal, &[("mean", 0.0), ("sd", 0.0)], "'sd'"),
        (Family::Normal, &[("mean", 0.0), ("sd", -1.0)], "'sd'"),
        (Family::Normal, &[("p05", 3.0), ("p95", 2.0)], "'p05'"),
        (
            Family::Normal,
            &[("mean", 0.0), ("sd", 1.0), ("min", 2.0), ("max", 1.0)],
            "'min'",
        ),
        (
            Family::Normal,
            &[("mean", 0.0), ("sd", 1.0), ("min", 60.0)],
            "no probability",
        ),
        (Family::Uniform, &[("min", 1.0), ("max", 1.0)], "'min'"),
        (Family::Lognormal, &[("mu", 0.0), ("sigma", 0.0)], "'sigma'"),
        (Family::Lognormal, &[("p05", -1.0), ("p95", 2.0)], "'p05'"),
        (
            Family::Lognormal,
            &[("median", 5.0), ("p95", 2.0)],
            "'median'",
        ),
        (Family::Beta, &[("alpha", 0.0), ("beta", 1.0)], "'alpha'"),
        (Family::Beta, &[("alpha", 1.0), ("beta", -2.0)], "'beta'"),
        (
            Family::Beta,
            &[("mean", 1.0), ("concentration", 5.0)],
            "'mean'",
        ),
        (
            Family::Triangular,
            &[("min", 0.0), ("mode", 2.0), ("max", 1.0)],
            "'mode'",
        ),
        (
            Family::Pert,
            &[("min", 0.0), ("mode", 0.5), ("max", 1.0), ("lambda", 0.0)],
            "'lambda'",
        ),
        (Family::Gamma, &[("shape", 0.0), ("scale", 1.0)], "'shape'"),
        (
            Family::Gamma,
            &[("shape", 1.0), ("scale", f64::INFINITY)],
            "'scale'",
        ),
        (Family::Exponential, &[("rate", 0.0)], "'rate'"),
        (Family::Bernoulli, &[("p", 1.5)], "'p'"),
        (Family::Bernoulli, &[("p", f64::NAN)], "'p'"),
        (Family::Constant, &[("value", f64::NAN)], "'value'"),
    ];
    for (family, params, expect) in bad {
        let err = build(*family, params).expect_err(&format!("{family:?} {params:?} accepted"));
        assert!(
            err.contains(expect),
            "{family:?} {params:?}: '{err}' lacks {expect}"
        );
    }
}

#[test]
fn rejects_unknown_missing_and_mixed_parameter_sets() {
    let err = Form::resolve(Family::Beta, &["alpha", "gamma"]).unwrap_err();
    assert!(err.contains("unknown parameter 'gamma'"), "{err}");
    let err = Form::resolve(Family::Normal, &["mean"]).unwrap_err();
    assert!(err.contains("normal needs mean + sd"), "{err}");
    let err = Form::resolve(Family::Lognormal, &["mu", "sigma", "p95"]).unwrap_err();
    assert!(err.contains("got mu, p95, sigma"), "{err}");
    assert!(Family::from_name("cauchy").is_none());
}

#[test]
fn alternative_parameterisations_hit_their_percentiles() {
    let z_tol = 1e-12;
    let n = build(Family::Normal, &[("p05", 10.0), ("p95", 30.0)]).unwrap();
    assert!(
        (n.quantile_exact(0.05) - 10.0).abs() < 1e-9
            && (n.quantile_exact(0.95) - 30.0).abs() < 1e-9
    );
    let ln = build(Family::Lognormal, &[("p05", 2000.0), ("p95", 12000.0)]).unwrap();
    assert!((ln.quantile_exact(0.05) / 2000.0 - 1.0).abs() < 1e-9);
    assert!((ln.quantile_exact(0.95) / 12000.0 - 1.0).abs() < 1e-9);
    let ln = build(Family::Lognormal, &[("median", 5.0), ("p95", 20.0)]).unwrap();
    assert!((ln.quantile_exact(0.5) / 5.0 - 1.0).abs() < z_tol * 1e3);
    assert!((ln.quantile_exact(0.95) / 20.0 - 1.0).abs() < 1e-9);
    let b = build(Family::Beta, &[("mean", 0.25), ("concentration", 8.0)]).unwrap();
    assert_eq!(
        b,
        build(Family::Beta, &[("alpha", 2.0), ("beta", 6.0)]).unwrap()
    );
}

// ---- tier 2: value stability at a fixed seed ----

/// The first draws at seed 42. These pin the sampling algorithms: a change of
/// sampler or table changes results at a fixed seed and must be made
/// deliberately, updating these values and saying so. (Updated when every
/// family moved to inverse transform through quantile tables, and again
/// when uniforms moved to the 52-bit float-bits construction.)
#[test]
fn draws_are_stable_at_a_fixed_seed() {
    let cases: Vec<(Distribution, [f64; 3])> = vec![
        (
            build(Family::Uniform, &[("min", 0.0), ("max", 1.0)]).unwrap(),
            STABLE_UNIFORM,
        ),
        (
            build(Family::Normal, &[("mean", 0.0), ("sd", 1.0)]).unwrap(),
            STABLE_NORMAL,
        ),
        (
            build(Family::Beta, &[("alpha", 4.0), ("beta", 1.5)]).unwrap(),
            STABLE_BETA,
        ),
        (
            build(Family::Gamma, &[("shape", 2.0), ("scale", 3.0)]).unwrap(),
            STABLE_GAMMA,
        ),
        (
            build(
                Family::Triangular,
                &[("min", 1.0), ("mode", 1.5), ("max", 3.0)],
            )
            .unwrap(),
            STABLE_TRIANGULAR,
        ),
    ];
    for (dist, expected) in cases {
        let mut r = rng(42);
        let got: Vec<f64> = (0..3).map(|_| dist.sample(&mut r)).collect();
        assert_eq!(got, expected, "{dist:?}");
    }
}

const STABLE_UNIFORM: [f64; 3] = [0.8143051451229099, 0.31882104006166123, 0.9838941681774888];
const STABLE_NORMAL: [f64; 3] = [0.8938732522493449, -0.47099811532425157, 2.1417741113187643];
const STABLE_BETA: [f64; 3] = [0.8943292926567874, 0.6599674447570838, 0.9813931428058548];
const STABLE_GAMMA: [f64; 3] = [9.27871699232515, 3.4466231308059356, 18.260427056726595];
const STABLE_TRIANGULAR: [f64; 3] = [2.2536190217916388, 1.570476694903152, 2.7801875902785884];

// ---- tier 3: goodness of fit ----

#[test]
fn uniform_fits() {
    let d = build(Family::Uniform, &[("min", -2.0), ("max", 5.0)]).unwrap();
    let c = sd::Uniform::new(-2.0, 5.0).unwrap();
    assert_fits("uniform", &d, |x| c.cdf(x));
}

#[test]
fn normal_fits() {
    let d = build(Family::Normal, &[("mean", 12000.0), ("sd", 1500.0)]).unwrap();
    let c = sd::Normal::new(12000.0, 1500.0).unwrap();
    assert_fits("normal", &d, |x| c.cdf(x));
}

#[test]
fn truncated_normal_fits_on_either_side_of_the_mean() {
    for (lo, hi) in [(-1.0, 0.5), (1.5, f64::INFINITY), (f64::NEG_INFINITY, -0.3)] {
        let d = Distribution::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, lo, hi).unwrap());
        let c = sd::Normal::standard();
        let (fa, fb) = (c.cdf(lo), c.cdf(hi));
        assert_fits("truncated normal", &d, |x| {
            ((c.cdf(x.clamp(lo, hi)) - fa) / (fb - fa)).clamp(0.0, 1.0)
        });
    }
}

#[test]
fn lognormal_fits() {
    let d = build(Family::Lognormal, &[("mu", 1.0), ("sigma", 0.7)]).unwrap();
    let c = sd::LogNormal::new(1.0, 0.7).unwrap();
    assert_fits("lognormal", &d, |x| c.cdf(x));
}

#[test]
fn beta_fits() {
    for (a, b) in [(4.0, 1.5), (0.5, 0.5), (2.0, 6.0)] {
        let d = build(Family::Beta, &[("alpha", a), ("beta", b)]).unwrap();
        let c = sd::Beta::new(a, b).unwrap();
        assert_fits("beta", &d, |x| c.cdf(x));
    }
}

#[test]
fn triangular_fits() {
    for (lo, mode, hi) in [(900.0, 1000.0, 1100.0), (1.0, 1.0, 3.0), (0.0, 2.0, 2.0)] {
        let d = build(
            Family::Triangular,
            &[("min", lo), ("mode", mode), ("max", hi)],
        )
        .unwrap();
        let c = sd::Triangular::new(lo, hi, mode).unwrap();
        assert_fits("triangular", &d, |x| c.cdf(x));
    }
}

#[test]
fn pert_fits_its_scaled_beta() {
    let d = build(Family::Pert, &[("min", 2.0), ("mode", 3.0), ("max", 10.0)]).unwrap();
    // alpha = 1 + 4 * (3 - 2) / 8 = 1.5, beta = 1 + 4 * (10 - 3) / 8 = 4.5
    let c = sd::Beta::new(1.5, 4.5).unwrap();
    assert_fits("pert", &d, |x| c.cdf(((x - 2.0) / 8.0).clamp(0.0, 1.0)));
}

#[test]
fn gamma_fits() {
    for (shape, scale) in [(2.0, 3.0), (0.4, 1.0)] {
        let d = build(Family::Gamma, &[("shape", shape), ("scale", scale)]).unwrap();
        let c = sd::Gamma::new(shape, 1.0 / scale).unwrap();
        assert_fits("gamma", &d, |x| c.cdf(x));
    }
}

#[test]
fn exponential_fits() {
    let d = build(Family::Exponential, &[("rate", 0.25)]).unwrap();
    let c = sd::Exp::new(0.25).unwrap();
    assert_fits("exponential", &d, |x| c.cdf(x));
}

#[test]
fn bernoulli_frequency_is_within_four_standard_errors() {
    let p = 0.3;
    let d = build(Family::Bernoulli, &[("p", p)]).unwrap();
    let mut r = rng(7);
    let n = 100_000;
    let hits: f64 = (0..n).map(|_| d.sample(&mut r)).sum();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((hits / n as f64 - p).abs() < 4.0 * se);
    assert_eq!(d.quantile(0.0), 0.0);
    assert_eq!(d.quantile(0.71), 1.0);
    assert_eq!(
        build(Family::Bernoulli, &[("p", 0.0)])
            .unwrap()
            .quantile(0.999_999),
        0.0
    );
    assert_eq!(
        build(Family::Bernoulli, &[("p", 1.0)])
            .unwrap()
            .quantile(0.0),
        1.0
    );
}

/// Worst error of the tabulated quantile against the exact one, relative to
/// |exact| + the interquartile range (so that quantiles near zero are judged
/// on the distribution's scale), over a dense grid of u and points deep in
/// both tails; and where it occurs.
fn worst_table_error(dist: &Distribution) -> (f64, f64) {
    let scale = dist.quantile_exact(0.75) - dist.quantile_exact(0.25);
    let mut points: Vec<f64> = (1..20_000).map(|i| i as f64 / 20_000.0).collect();
    for k in 2..60 {
        let s = 2f64.powi(-k) * 1.37;
        points.extend([s, 1.0 - s]);
    }
    points
        .iter()
        .map(|&u| {
            let (t, e) = (dist.quantile(u), dist.quantile_exact(u));
            ((t - e).abs() / (e.abs() + scale), u)
        })
        .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

#[test]
fn tabulated_quantiles_match_the_exact_ones() {
    let cases = [
        build(Family::Normal, &[("mean", 0.0), ("sd", 1.0)]).unwrap(),
        build(Family::Lognormal, &[("p05", 0.5), ("p95", 10.0)]).unwrap(),
        build(Family::Lognormal, &[("p05", 2000.0), ("p95", 12000.0)]).unwrap(),
        build(Family::Beta, &[("alpha", 4.0), ("beta", 1.5)]).unwrap(),
        build(Family::Beta, &[("alpha", 0.5), ("beta", 0.5)]).unwrap(),
        build(Family::Beta, &[("alpha", 8.0), ("beta", 2.0)]).unwrap(),
        build(Family::Beta, &[("alpha", 18.0), ("beta", 2.0)]).unwrap(),
        build(Family::Pert, &[("min", 2.0), ("mode", 3.0), ("max", 10.0)]).unwrap(),
        build(Family::Gamma, &[("shape", 2.0), ("scale", 3.0)]).unwrap(),
        build(Family::Gamma, &[("shape", 0.4), ("scale", 1.0)]).unwrap(),
    ];
    for d in &cases {
        let (worst, at) = worst_table_error(d);
        assert!(
            worst < TABLE_TOL,
            "{d:?}: worst relative error {worst:e} at u = {at}"
        );
    }
}

// ---- the families new in version 1.1 of the model language ----

/// The distribution of `dist` with list parameters (`build` takes scalars only).
fn discrete(values: &[f64], weights: &[f64]) -> Result<Distribution, String> {
    let mut v = values.to_vec();
    v.extend_from_slice(weights);
    if values.len() != weights.len() {
        return Discrete::new(values, weights)
            .map(Distribution::Discrete)
            .map_err(|e| e.to_string());
    }
    Form::discrete(values.len())
        .build(&v)
        .map(Distribution::with_tables)
        .map_err(|e| e.to_string())
}

fn two_normals() -> Distribution {
    // 0.3 N(-2, 1) + 0.7 N(3, 0.5)
    Form::mixture(vec![
        Form::Normal {
            quantiles: false,
            min: false,
            max: false,
        };
        2
    ])
    .build(&[-2.0, 1.0, 3.0, 0.5, 3.0, 7.0])
    .unwrap()
    .with_tables()
}

fn two_normals_cdf(x: f64) -> f64 {
    let (a, b) = (
        sd::Normal::new(-2.0, 1.0).unwrap(),
        sd::Normal::new(3.0, 0.5).unwrap(),
    );
    0.3 * a.cdf(x) + 0.7 * b.cdf(x)
}

fn column(text: &str, column: &str) -> Result<Distribution, String> {
    Empirical::from_csv("data.csv", column, text)
        .map(Distribution::Empirical)
        .map_err(|e| e.to_string())
}

#[test]
fn new_families_reject_out_of_range_parameters() {
    type Case<'a> = (Family, &'a [(&'a str, f64)], &'a str);
    let bad: &[Case] = &[
        (Family::Poisson, &[("rate", -1.0)], "'rate'"),
        (Family::Poisson, &[("rate", f64::INFINITY)], "'rate'"),
        (Family::Binomial, &[("n", 2.5), ("p", 0.5)], "whole number"),
        (Family::Binomial, &[("n", -1.0), ("p", 0.5)], "'n'"),
        (Family::Binomial, &[("n", 10.0), ("p", 1.5)], "'p'"),
        (
            Family::Weibull,
            &[("shape", 0.0), ("scale", 1.0)],
            "'shape'",
        ),
        (
            Family::Weibull,
            &[("shape", 1.0), ("scale", -1.0)],
            "'scale'",
        ),
        (Family::StudentT, &[("df", 0.0)], "'df'"),
        (Family::StudentT, &[("df", -3.0), ("loc", 1.0)], "'df'"),
        (Family::StudentT, &[("df", 3.0), ("scale", 0.0)], "'scale'"),
        (
            Family::Loguniform,
            &[("min", 0.0), ("max", 1.0)],
            "must be > 0",
        ),
        (
            Family::Loguniform,
            &[("min", -1.0), ("max", 1.0)],
            "must be > 0",
        ),
        (
            Family::Loguniform,
            &[("min", 5.0), ("max", 5.0)],
            "must be < max",
        ),
    ];
    for (family, params, expect) in bad {
        let err = build(*family, params).expect_err(&format!("{family:?} {params:?} accepted"));
        assert!(
            err.contains(expect),
            "{family:?} {params:?}: '{err}' lacks {expect}"
        );
    }
    for (values, weights, expect) in [
        (&[1.0, 2.0][..], &[1.0][..], "one entry per value"),
        (&[1.0, 2.0], &[1.0, -1.0], "must be >= 0"),
        (&[1.0, 2.0], &[0.0, 0.0], "positive finite sum"),
        (&[], &[], "must not be empty"),
        (&[f64::NAN], &[1.0], "'values'"),
    ] {
        let err = discrete(values, weights).expect_err("accepted");
        assert!(err.contains(expect), "{values:?} {weights:?}: {err}");
    }
    let normal = Distribution::Normal(Normal::new(0.0, 1.0).unwrap());
    let err = Mixture::new(vec![normal.clone()], &[1.0, 2.0]).unwrap_err();
    assert!(err.to_string().contains("one entry per component"), "{err}");
    let err = Mixture::new(vec![normal.clone()], &[-1.0]).unwrap_err();
    assert!(err.to_string().contains("must be >= 0"), "{err}");
    let inner = Distribution::Mixture(Mixture::new(vec![normal.clone()], &[1.0]).unwrap());
    let err = Mixture::new(vec![normal, inner], &[1.0, 1.0]).unwrap_err();
    assert!(err.to_string().contains("cannot be a component"), "{err}");
    // A component's own error names the component.
    let err = Form::mixture(vec![Form::Exponential, Form::Exponential])
        .build(&[1.0, 0.0, 1.0, 1.0])
        .unwrap_err();
    assert_eq!(err.param, "components");
    assert!(
        err.message.contains("component 2: parameter 'rate'"),
        "{err}"
    );
    for (text, col, expect) in [
        (
            "a,b\n1,2\n",
            "c",
            "'c' is not a column of 'data.csv' (its columns: a, b)",
        ),
        ("a\n1\nx\n", "a", "line 3: 'x' is not a finite number"),
        ("a\n1\ninf\n", "a", "'inf' is not a finite number"),
        ("a,b\n,1\n", "a", "'a' of 'data.csv' has no values"),
        ("a\n", "a", "has no values"),
    ] {
        let err = column(text, col).expect_err("accepted");
        assert!(err.contains(expect), "{text:?}: {err}");
    }
}

#[test]
fn new_families_check_their_parameter_names() {
    assert!(Family::from_name("weibull").is_some());
    assert!(Family::from_name("student_t").is_some());
    let err = Form::check_names(Family::Discrete, &["values"]).unwrap_err();
    assert!(
        err.contains("discrete needs values = [..] + weights = [..]; got values"),
        "{err}"
    );
    let err = Form::check_names(Family::Mixture, &["components", "weight"]).unwrap_err();
    assert!(err.contains("unknown parameter 'weight'"), "{err}");
    let err = Form::check_names(Family::Empirical, &["file"]).unwrap_err();
    assert!(err.contains("empirical needs file + column"), "{err}");
    let err = Form::resolve(Family::StudentT, &["loc"]).unwrap_err();
    assert!(err.contains("student_t needs df"), "{err}");
    assert_eq!(
        Form::resolve(Family::StudentT, &["scale", "df"]).unwrap(),
        Form::StudentT {
            loc: false,
            scale: true
        }
    );
    // Defaults: loc 0, scale 1.
    assert_eq!(
        build(Family::StudentT, &[("df", 3.0)])
            .unwrap()
            .quantile_exact(0.5),
        0.0
    );
}

/// The first draws at seed 42 of each new family, pinned as for the older
/// families above.
#[test]
fn new_families_draw_stably_at_a_fixed_seed() {
    let cases: Vec<(&str, Distribution)> = vec![
        ("poisson", build(Family::Poisson, &[("rate", 3.5)]).unwrap()),
        (
            "binomial",
            build(Family::Binomial, &[("n", 20.0), ("p", 0.3)]).unwrap(),
        ),
        (
            "discrete",
            discrete(&[10.0, 1.0, 5.0], &[1.0, 1.0, 2.0]).unwrap(),
        ),
        (
            "weibull",
            build(Family::Weibull, &[("shape", 1.5), ("scale", 2.0)]).unwrap(),
        ),
        (
            "student_t",
            build(
                Family::StudentT,
                &[("df", 4.0), ("loc", 1.0), ("scale", 2.0)],
            )
            .unwrap(),
        ),
        (
            "loguniform",
            build(Family::Loguniform, &[("min", 1.0), ("max", 100.0)]).unwrap(),
        ),
        ("mixture", two_normals()),
        ("empirical", column("x\n3\n1\n2\n6\n", "x").unwrap()),
    ];
    let got: Vec<(&str, Vec<f64>)> = cases
        .iter()
        .map(|(name, d)| {
            let mut r = rng(42);
            (*name, (0..3).map(|_| d.sample(&mut r)).collect())
        })
        .collect();
    let expected: Vec<(&str, Vec<f64>)> =
        STABLE_1_1.iter().map(|(n, v)| (*n, v.to_vec())).collect();
    assert_eq!(got, expected);
}

const STABLE_1_1: [(&str, [f64; 3]); 8] = [
    ("poisson", [5.0, 2.0, 8.0]),
    ("binomial", [8.0, 5.0, 11.0]),
    ("discrete", [10.0, 5.0, 10.0]),
    (
        "weibull",
        [2.830509571430988, 1.0564887063445747, 5.14710902084452],
    ),
    (
        "student_t",
        [3.011733009114498, -0.01769608602382866, 7.444495585012476],
    ),
    (
        "loguniform",
        [42.52166780074765, 4.34152274013807, 92.85137434428461],
    ),
    (
        "mixture",
        [3.3135781935558555, 2.035675293122646, 3.997620220002996],
    ),
    ("empirical", [6.0, 2.0, 6.0]),
];

#[test]
fn weibull_fits() {
    for (shape, scale) in [(1.5, 2.0), (0.5, 10.0)] {
        let d = build(Family::Weibull, &[("shape", shape), ("scale", scale)]).unwrap();
        let c = sd::Weibull::new(shape, scale).unwrap();
        assert_fits("weibull", &d, |x| c.cdf(x));
    }
}

#[test]
fn student_t_fits() {
    for (df, loc, scale) in [
        (4.0, 1.0, 2.0),
        (1.0, 0.0, 1.0),
        (0.5, 0.0, 1.0),
        (30.0, -5.0, 0.1),
    ] {
        let d = build(
            Family::StudentT,
            &[("df", df), ("loc", loc), ("scale", scale)],
        )
        .unwrap();
        let c = sd::StudentsT::new(loc, scale, df).unwrap();
        assert_fits("student_t", &d, |x| c.cdf(x));
    }
}

#[test]
fn loguniform_fits() {
    let (lo, hi) = (0.01f64, 1000.0f64);
    let d = build(Family::Loguniform, &[("min", lo), ("max", hi)]).unwrap();
    // ln X ~ uniform(ln min, ln max)
    let c = sd::Uniform::new(lo.ln(), hi.ln()).unwrap();
    assert_fits("loguniform", &d, |x| c.cdf(x.ln()));
}

#[test]
fn mixture_of_two_normals_fits() {
    let d = two_normals();
    let mut r = rng(0x5EED);
    let draws: Vec<f64> = (0..KS_DRAWS).map(|_| d.sample(&mut r)).collect();
    let stat = ks_statistic(draws, two_normals_cdf);
    assert!(stat < KS_C_ALPHA / (KS_DRAWS as f64).sqrt(), "KS {stat}");
    // u in the first share (0, 0.3] maps to the first component's quantile
    // of u / 0.3; u in (0.3, 1) to the second's of (u - 0.3) / 0.7.
    let n1 = sd::Normal::new(-2.0, 1.0).unwrap();
    let n2 = sd::Normal::new(3.0, 0.5).unwrap();
    assert!((d.quantile_exact(0.15) - n1.inverse_cdf(0.5)).abs() < 1e-9);
    assert!((d.quantile_exact(0.65) - n2.inverse_cdf(0.5)).abs() < 1e-9);
}

/// Pearson's chi-square test of `draws` of a counting distribution against
/// `pmf`: cells of expected count >= 5, the rest pooled into the ends.
fn assert_chi_square(name: &str, draws: &[f64], lo: i64, hi: i64, pmf: impl Fn(i64) -> f64) {
    let n = draws.len() as f64;
    let mut cells: Vec<(i64, i64, f64)> = Vec::new(); // [from, to], expected
    let mut from = i64::MIN;
    let mut acc = (lo..=hi)
        .take_while(|_| true)
        .map(&pmf)
        .sum::<f64>()
        .max(0.0);
    acc = 1.0 - acc; // mass outside [lo, hi], pooled into the first cell
    for k in lo..=hi {
        acc += pmf(k);
        if acc * n >= 5.0 {
            cells.push((from, k, acc * n));
            from = k + 1;
            acc = 0.0;
        }
    }
    // The remainder joins the last cell, which then runs to +infinity.
    if let Some(last) = cells.last_mut() {
        last.1 = i64::MAX;
        last.2 += acc * n;
    }
    let mut stat = 0.0;
    for &(a, b, expected) in &cells {
        let observed = draws
            .iter()
            .filter(|&&x| (x as i64) >= a && (x as i64) <= b)
            .count() as f64;
        stat += (observed - expected).powi(2) / expected;
    }
    let dof = cells.len() as f64 - 1.0;
    let critical = sd::ChiSquared::new(dof).unwrap().inverse_cdf(0.999);
    assert!(
        stat < critical,
        "{name}: chi-square {stat:.2} >= {critical:.2} (alpha 0.001, {dof} dof)"
    );
    assert!(draws.iter().all(|x| x.fract() == 0.0), "{name}: not whole");
}

fn draws_of(d: &Distribution, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..KS_DRAWS).map(|_| d.sample(&mut r)).collect()
}

/// The quantile of a counting distribution is the smallest k whose CDF
/// (statrs') reaches u, on a grid and deep in both tails, with and without
/// its table, which must agree bit for bit.
fn assert_smallest_reaching(name: &str, d: &Distribution, cdf: impl Fn(f64) -> f64) {
    let mut us: Vec<f64> = (1..2000).map(|i| i as f64 / 2000.0).collect();
    for k in 2..53 {
        let s = 2f64.powi(-k) * 1.37;
        us.extend([s, 1.0 - s]);
    }
    for &u in &us {
        let (k, exact) = (d.quantile(u), d.quantile_exact(u));
        assert_eq!(
            k.to_bits(),
            exact.to_bits(),
            "{name}: table and exact differ at u = {u}"
        );
        // 1e-12 allows for the special functions' rounding in either CDF.
        assert!(
            cdf(k) >= u - 1e-12,
            "{name}: cdf({k}) = {} < u = {u}",
            cdf(k)
        );
        assert!(
            k == 0.0 || cdf(k - 1.0) < u + 1e-12,
            "{name}: cdf({}) = {} already reaches u = {u}",
            k - 1.0,
            cdf(k - 1.0)
        );
    }
}

#[test]
fn poisson_fits_and_inverts_its_cdf() {
    use statrs::distribution::{Discrete as _, DiscreteCDF};
    for (rate, seed) in [(3.5, 1), (0.2, 2), (800.0, 3), (2.5e5, 4)] {
        let d = build(Family::Poisson, &[("rate", rate)]).unwrap();
        let c = sd::Poisson::new(rate).unwrap();
        let width = 10.0 * rate.sqrt() + 10.0;
        let (lo, hi) = ((rate - width).max(0.0) as i64, (rate + width) as i64);
        assert_chi_square("poisson", &draws_of(&d, seed), lo, hi, |k| c.pmf(k as u64));
        assert_smallest_reaching("poisson", &d, |k| c.cdf(k as u64));
    }
    // Beyond the table (a standard deviation of 1e6): Cornish-Fisher,
    // within a count of the normal approximation's quantile.
    let d = build(Family::Poisson, &[("rate", 1e12)]).unwrap();
    let n = sd::Normal::standard();
    for u in [1e-10, 0.3, 0.5, 0.9, 1.0 - 1e-10] {
        let z = n.inverse_cdf(u);
        let approx = 1e12 + 1e6 * z + (z * z - 1.0) / 6.0 - 0.5;
        assert!(
            (d.quantile(u) - approx).abs() <= 1.0,
            "u {u}: {}",
            d.quantile(u)
        );
    }
    assert_eq!(
        build(Family::Poisson, &[("rate", 0.0)])
            .unwrap()
            .quantile(0.99),
        0.0
    );
}

#[test]
fn binomial_fits_and_inverts_its_cdf() {
    use statrs::distribution::{Discrete as _, DiscreteCDF};
    for (n, p, seed) in [
        (20.0, 0.3, 1),
        (1.0, 0.5, 2),
        (5000.0, 0.001, 3),
        (1e6, 0.6, 4),
    ] {
        let d = build(Family::Binomial, &[("n", n), ("p", p)]).unwrap();
        let c = sd::Binomial::new(p, n as u64).unwrap();
        let sd_ = (n * p * (1.0 - p)).sqrt();
        let (lo, hi) = (
            (n * p - 10.0 * sd_ - 5.0).max(0.0) as i64,
            (n * p + 10.0 * sd_ + 5.0).min(n) as i64,
        );
        // statrs' pmf is accurate at every n (unlike its CDF, below).
        assert_chi_square("binomial", &draws_of(&d, seed), lo, hi, |k| c.pmf(k as u64));
        if n < 1e5 {
            assert_smallest_reaching("binomial", &d, |k| c.cdf(k as u64));
        }
    }
    // statrs' CDF, an incomplete beta function, is off by 1e-3 (and not
    // monotone) at n = 1e6, and its pmf (through ln_gamma of 1.3e7) by
    // about 1e-9. Ours, from the saddle-point pmf, against the sum of the
    // pmf over 590,000..=600,000 computed by mpmath at 40 digits
    // (0.5003800240981602874); ours measured 2.4e-15 off.
    let b = Binomial::new(1e6, 0.6).unwrap();
    let ours = b.table_cdf(600_000.0) - b.table_cdf(589_999.0);
    assert!((ours - 0.500_380_024_098_160_3).abs() < 1e-13, "{ours}");
    assert_smallest_reaching(
        "binomial",
        &Distribution::Binomial(b.clone().with_table()),
        |k| b.table_cdf(k),
    );
    for (n, p, value) in [(0.0, 0.5, 0.0), (7.0, 0.0, 0.0), (7.0, 1.0, 7.0)] {
        let d = build(Family::Binomial, &[("n", n), ("p", p)]).unwrap();
        assert_eq!((d.quantile(0.01), d.quantile(0.99)), (value, value));
    }
}

#[test]
fn discrete_and_empirical_fit_their_weights() {
    // Unsorted values with a repeat: 1 has weight 3, 5 weight 2, 10 weight 1.
    let d = discrete(&[5.0, 1.0, 10.0, 1.0], &[2.0, 1.0, 1.0, 2.0]).unwrap();
    let pmf = |k: i64| match k {
        1 => 0.5,
        5 => 1.0 / 3.0,
        10 => 1.0 / 6.0,
        _ => 0.0,
    };
    assert_chi_square("discrete", &draws_of(&d, 9), 0, 11, pmf);
    // The smallest value whose CDF reaches u.
    assert_eq!(d.quantile(0.5), 1.0);
    assert_eq!(d.quantile(0.500_001), 5.0);
    assert_eq!(d.quantile(0.999), 10.0);
    // A zero weight is never drawn, even at the boundary it would share.
    let z = discrete(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0]).unwrap();
    assert_eq!((z.quantile(0.5), z.quantile(0.500_001)), (1.0, 3.0));
    // An empirical column: each row equally likely.
    let e = column("x,y\n4,a\n1,b\n4,c\n2,d\n", "x").unwrap();
    let pmf = |k: i64| match k {
        1 | 2 => 0.25,
        4 => 0.5,
        _ => 0.0,
    };
    assert_chi_square("empirical", &draws_of(&e, 10), 0, 5, pmf);
    assert_eq!(
        [0.25, 0.26, 0.5, 0.51, 0.99].map(|u| e.quantile(u)),
        [1.0, 2.0, 2.0, 4.0, 4.0]
    );
}

#[test]
fn new_continuous_tables_match_the_exact_quantiles() {
    for d in [
        build(
            Family::StudentT,
            &[("df", 4.0), ("loc", 1.0), ("scale", 2.0)],
        )
        .unwrap(),
        build(Family::StudentT, &[("df", 2.0)]).unwrap(),
        build(Family::StudentT, &[("df", 100.0)]).unwrap(),
    ] {
        let (worst, at) = worst_table_error(&d);
        assert!(
            worst < TABLE_TOL,
            "{d:?}: worst relative error {worst:e} at u = {at}"
        );
    }
}

// ---- any two percentiles (language 1.2) ----

/// The distribution of `family` given by these (key, value) pairs, without
/// tables, so that `quantile_exact` is the exact quantile.
fn by_percentiles(family: Family, pairs: &[(&str, f64)]) -> Result<Distribution, String> {
    let names: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    let form = Form::resolve(family, &names)?;
    let values: Vec<f64> = form
        .params()
        .iter()
        .map(|p| pairs.iter().find(|(k, _)| *k == p.as_ref()).unwrap().1)
        .collect();
    form.build(&values).map_err(|e| e.to_string())
}

/// A percentile key and its probability.
type Level = (&'static str, f64);

/// The level pairs of the tests, with their probabilities.
const LEVEL_PAIRS: [(Level, Level); 7] = [
    (("p10", 0.10), ("p90", 0.90)),
    (("median", 0.5), ("p90", 0.90)),
    (("p1", 0.01), ("p99_9", 0.999)),
    (("p2_5", 0.025), ("p97_5", 0.975)),
    (("p05", 0.05), ("p97_5", 0.975)),
    (("p25", 0.25), ("p75", 0.75)),
    (("p60", 0.60), ("p99", 0.99)),
];

#[test]
fn percentile_keys_parse_to_their_levels_and_canonical_names() {
    for (key, name, p) in [
        ("p1", "p01", 0.01),
        ("p01", "p01", 0.01),
        ("p5", "p05", 0.05),
        ("p05", "p05", 0.05),
        ("p5_0", "p05", 0.05),
        ("p10", "p10", 0.10),
        ("p90", "p90", 0.90),
        ("p97_5", "p97_5", 0.975),
        ("p97_50", "p97_5", 0.975),
        ("p99_9", "p99_9", 0.999),
        ("p0_1", "p00_1", 0.001),
        ("p50", "median", 0.5),
        ("median", "median", 0.5),
    ] {
        let pct = Percentile::parse(key).unwrap();
        assert_eq!((pct.key(), pct.name(), pct.prob()), (key, name, p), "{key}");
    }
    // z(L) = Phi^-1(L/100), mirrored below 50: p05/p95 keep the language's z.
    assert_eq!(Percentile::parse("p95").unwrap().z(), Z95);
    assert_eq!(Percentile::parse("p05").unwrap().z(), -Z95);
    assert_eq!(Percentile::parse("median").unwrap().z(), 0.0);
    for (lo, hi) in [("p1", "p99"), ("p2_5", "p97_5"), ("p0_1", "p99_9"), ("p33_3", "p66_7")] {
        let (lo, hi) = (Percentile::parse(lo).unwrap(), Percentile::parse(hi).unwrap());
        assert_eq!(lo.z(), -hi.z());
        let exact = sd::Normal::standard().inverse_cdf(hi.prob());
        assert!((hi.z() - exact).abs() <= 1e-15 * exact.abs(), "{}", hi.name());
    }
    for bad in [
        "p0", "p00", "p0_0", "p100", "p050", "p5_", "p5_x", "p1a", "p9_9_9", "p123",
    ] {
        let err = Percentile::parse(bad).unwrap_err();
        assert!(err.contains(&format!("'{bad}'")), "{bad}: {err}");
    }
    assert!(!Percentile::looks_like("p") && !Percentile::looks_like("mean"));
    assert!(Percentile::looks_like("p100") && Percentile::looks_like("median"));
}

/// Each family's quantile at each given level returns the given value to
/// 1e-12 relative (gamma too: its shape is a root, polished to that).
#[test]
fn any_two_percentiles_are_hit_to_1e_12_relative() {
    let families: [(Family, [f64; 2]); 8] = [
        (Family::Normal, [12.0, 30.0]),
        (Family::Normal, [-40.0, -3.5]),
        (Family::Lognormal, [2000.0, 12000.0]),
        (Family::Weibull, [3.0, 7.5]),
        (Family::Loguniform, [0.01, 250.0]),
        (Family::Gamma, [4.0, 9.0]),
        (Family::Gamma, [1.0, 1.05]),
        (Family::Gamma, [0.5, 400.0]),
    ];
    let mut worst: f64 = 0.0;
    for (family, x) in families {
        for ((k1, p1), (k2, p2)) in LEVEL_PAIRS {
            let d = by_percentiles(family, &[(k2, x[1]), (k1, x[0])])
                .unwrap_or_else(|e| panic!("{family:?} {k1}/{k2}: {e}"));
            for (p, want) in [(p1, x[0]), (p2, x[1])] {
                let got = d.quantile_exact(p);
                let rel = (got / want - 1.0).abs();
                worst = worst.max(rel);
                assert!(
                    rel < 1e-12,
                    "{family:?} {k1}/{k2}: quantile({p}) = {got}, asked {want} ({rel:e})"
                );
            }
        }
    }
    // The worst measured is 5.7e-14 (CHANGELOG); the bound above is what
    // the language promises.
    assert!(worst < 1e-12);
}

/// p05/p95 (normal, lognormal) and median/p95 (lognormal), however the
/// levels are spelt, build the distribution of language 1.0 bit for bit.
#[test]
fn percentile_spellings_of_p05_p95_give_the_old_bits() {
    let (lo, hi) = (3.25, 17.5);
    for family in [Family::Normal, Family::Lognormal] {
        let old = by_percentiles(family, &[("p05", lo), ("p95", hi)]).unwrap();
        for (a, b) in [("p5", "p95"), ("p5_0", "p95"), ("p05", "p95_00")] {
            let form = Form::resolve(family, &[a, b]).unwrap();
            assert!(matches!(form, Form::Percentiles { .. }), "{form:?}");
            assert_eq!(form.canonical_params(), ["p05", "p95"]);
            assert_eq!(by_percentiles(family, &[(a, lo), (b, hi)]).unwrap(), old);
        }
    }
    assert_eq!(
        Form::resolve(Family::Normal, &["p95", "max", "p05"]).unwrap(),
        Form::Normal {
            quantiles: true,
            min: false,
            max: true
        }
    );
    assert_eq!(
        Form::resolve(Family::Lognormal, &["p95", "median"]).unwrap(),
        Form::LognormalMedianP95
    );
    let old = by_percentiles(Family::Lognormal, &[("median", lo), ("p95", hi)]).unwrap();
    let new = by_percentiles(Family::Lognormal, &[("p50", lo), ("p95", hi)]).unwrap();
    assert_eq!(new, old);
    // The normal's median form is new; its name is `median` too.
    let form = Form::resolve(Family::Normal, &["p50", "p90", "min"]).unwrap();
    assert_eq!(form.params(), ["p50", "p90", "min"]);
    assert_eq!(form.canonical_params(), ["median", "p90", "min"]);
}

#[test]
fn percentiles_are_truncated_by_min_and_max_after_fitting() {
    // The percentiles are the untruncated normal's.
    let d = by_percentiles(
        Family::Normal,
        &[("p10", 10.0), ("p90", 30.0), ("min", 0.0)],
    )
    .unwrap();
    let sd = 20.0 / (2.0 * sd::Normal::standard().inverse_cdf(0.9));
    assert_eq!(d, Distribution::TruncatedNormal(TruncatedNormal::new(20.0, sd, 0.0, f64::INFINITY).unwrap()));
}

#[test]
fn percentile_errors_name_the_keys() {
    let err = |family, names: &[&str]| Form::resolve(family, names).unwrap_err();
    let e = err(Family::Normal, &["p5", "p05"]);
    assert!(e.contains("'p5'") && e.contains("'p05'"), "{e}");
    let e = err(Family::Gamma, &["median", "p50"]);
    assert!(e.contains("'median'") && e.contains("'p50'"), "{e}");
    let e = err(Family::Weibull, &["p10", "p90", "p50"]);
    assert!(e.contains("got p10, p50, p90"), "{e}");
    let e = err(Family::Normal, &["p10", "mean", "sd", "min"]);
    assert!(e.contains("not both; got mean, p10, sd"), "{e}");
    let e = err(Family::Loguniform, &["min", "p90"]);
    assert!(e.contains("got min, p90"), "{e}");
    let e = err(Family::Lognormal, &["p90"]);
    assert!(e.contains("two percentiles") && e.contains("got p90"), "{e}");
    let e = err(Family::Gamma, &["p100", "p10"]);
    assert!(e.contains("'p100' is not a percentile key"), "{e}");
    let e = err(Family::Beta, &["p10", "p90"]);
    assert!(e.contains("unknown parameter 'p10'"), "{e}");
    // Values out of order, or not > 0 where the family needs it.
    for family in [Family::Normal, Family::Lognormal, Family::Weibull, Family::Loguniform, Family::Gamma] {
        let e = by_percentiles(family, &[("p10", 5.0), ("p90", 5.0)]).unwrap_err();
        assert!(e.contains("'p10' must be < p90, got p10 = 5, p90 = 5"), "{family:?}: {e}");
        let e = by_percentiles(family, &[("p97_5", 1.0), ("p1", 2.0)]).unwrap_err();
        assert!(e.contains("'p1' must be < p97_5"), "{family:?}: {e}");
        let e = by_percentiles(family, &[("p10", f64::NAN), ("p90", 2.0)]).unwrap_err();
        assert!(e.contains("'p10' must be finite"), "{family:?}: {e}");
        if family != Family::Normal {
            let e = by_percentiles(family, &[("p10", -1.0), ("p90", 2.0)]).unwrap_err();
            assert!(e.contains("'p10' must be > 0"), "{family:?}: {e}");
        }
    }
    assert!(by_percentiles(Family::Normal, &[("p10", -1.0), ("p90", 2.0)]).is_ok());
}

// ---- pareto and negative binomial (issue 28) ----

#[test]
fn pareto_and_negative_binomial_reject_out_of_range_parameters() {
    type Case<'a> = (Family, &'a [(&'a str, f64)], &'a str);
    let bad: &[Case] = &[
        (Family::Pareto, &[("scale", 0.0), ("shape", 2.0)], "'scale'"),
        (Family::Pareto, &[("scale", -1.0), ("shape", 2.0)], "'scale'"),
        (
            Family::Pareto,
            &[("scale", f64::INFINITY), ("shape", 2.0)],
            "'scale'",
        ),
        (Family::Pareto, &[("scale", 1.0), ("shape", 0.0)], "'shape'"),
        (
            Family::Pareto,
            &[("scale", 1.0), ("shape", f64::NAN)],
            "'shape'",
        ),
        (Family::NegativeBinomial, &[("r", 0.0), ("p", 0.5)], "'r'"),
        (Family::NegativeBinomial, &[("r", -2.0), ("p", 0.5)], "'r'"),
        (
            Family::NegativeBinomial,
            &[("r", f64::INFINITY), ("p", 0.5)],
            "'r'",
        ),
        (
            Family::NegativeBinomial,
            &[("r", 2.0), ("p", 0.0)],
            "parameter 'p' must be in (0, 1], got 0",
        ),
        (Family::NegativeBinomial, &[("r", 2.0), ("p", 1.5)], "'p'"),
        (
            Family::NegativeBinomial,
            &[("r", 2.0), ("p", f64::NAN)],
            "'p'",
        ),
        (
            Family::NegativeBinomial,
            &[("r", 1e6), ("p", 1e-10)],
            "above 1e15",
        ),
        (
            Family::NegativeBinomial,
            &[("mean", -1.0), ("r", 2.0)],
            "parameter 'mean' must be >= 0",
        ),
        (
            Family::NegativeBinomial,
            &[("mean", 2e15), ("r", 2.0)],
            "'mean'",
        ),
        (
            Family::NegativeBinomial,
            &[("mean", 5.0), ("r", 0.0)],
            "parameter 'r' must be > 0",
        ),
        (
            Family::NegativeBinomial,
            &[("mean", 5.0), ("r", f64::NAN)],
            "'r'",
        ),
    ];
    for (family, params, expect) in bad {
        let err = build(*family, params).expect_err(&format!("{family:?} {params:?} accepted"));
        assert!(
            err.contains(expect),
            "{family:?} {params:?}: '{err}' lacks {expect}"
        );
    }
    // Parameter sets: r + p, or mean + r; nothing mixed.
    assert_eq!(Family::from_name("pareto"), Some(Family::Pareto));
    assert_eq!(
        Family::from_name("negative_binomial"),
        Some(Family::NegativeBinomial)
    );
    let err = Form::resolve(Family::NegativeBinomial, &["r", "p", "mean"]).unwrap_err();
    assert!(
        err.contains("negative_binomial needs r + p, or mean + r; got mean, p, r"),
        "{err}"
    );
    let err = Form::resolve(Family::NegativeBinomial, &["mean", "size"]).unwrap_err();
    assert!(err.contains("unknown parameter 'size'"), "{err}");
    let err = Form::resolve(Family::Pareto, &["scale"]).unwrap_err();
    assert!(err.contains("pareto needs scale + shape"), "{err}");
    // mean 6 with r 2 is p = 2 / (2 + 6) = 0.25.
    assert_eq!(
        build(Family::NegativeBinomial, &[("mean", 6.0), ("r", 2.0)]).unwrap(),
        build(Family::NegativeBinomial, &[("r", 2.0), ("p", 0.25)]).unwrap()
    );
    // p = 1 (or a mean of 0) always draws 0.
    for d in [
        build(Family::NegativeBinomial, &[("r", 3.0), ("p", 1.0)]).unwrap(),
        build(Family::NegativeBinomial, &[("mean", 0.0), ("r", 3.0)]).unwrap(),
    ] {
        assert_eq!((d.quantile(1e-9), d.quantile(1.0 - 1e-9)), (0.0, 0.0));
    }
}

#[test]
fn pareto_and_negative_binomial_draw_stably_at_a_fixed_seed() {
    let cases: Vec<(&str, Distribution)> = vec![
        (
            "pareto",
            build(Family::Pareto, &[("scale", 2.0), ("shape", 3.0)]).unwrap(),
        ),
        (
            "negative_binomial",
            build(Family::NegativeBinomial, &[("r", 2.5), ("p", 0.3)]).unwrap(),
        ),
    ];
    let got: Vec<(&str, Vec<f64>)> = cases
        .iter()
        .map(|(name, d)| {
            let mut r = rng(42);
            (*name, (0..3).map(|_| d.sample(&mut r)).collect())
        })
        .collect();
    let expected: Vec<(&str, Vec<f64>)> = STABLE_ISSUE_28
        .iter()
        .map(|(n, v)| (*n, v.to_vec()))
        .collect();
    assert_eq!(got, expected);
}

const STABLE_ISSUE_28: [(&str, [f64; 3]); 2] = [
    (
        "pareto",
        [3.5056081677644584, 2.273053131617383, 7.9195822885135785],
    ),
    ("negative_binomial", [9.0, 3.0, 18.0]),
];

#[test]
fn pareto_quantile_is_its_closed_form_and_fits() {
    for (scale, shape) in [(2.0, 3.0), (1000.0, 1.2), (0.5, 0.7)] {
        let d = build(Family::Pareto, &[("scale", scale), ("shape", shape)]).unwrap();
        let cdf = |x: f64| {
            if x <= scale {
                0.0
            } else {
                1.0 - (scale / x).powf(shape)
            }
        };
        // Both tails to a few ulps of the closed form, the support's
        // lower end at u -> 0.
        for u in [1e-12f64, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0 - 1e-6, 1.0 - 1e-12] {
            let closed = scale * (1.0 - u).powf(-1.0 / shape);
            let x = d.quantile(u);
            assert!(
                (x / closed - 1.0).abs() < 1e-13,
                "pareto({scale}, {shape}) at {u}: {x} vs {closed}"
            );
        }
        assert_eq!(d.quantile(0.5), scale * 2f64.powf(1.0 / shape));
        assert!(d.quantile(1e-300) >= scale);
        // Kolmogorov-Smirnov against the closed-form CDF, and statrs'.
        assert_fits("pareto", &d, cdf);
        let c = sd::Pareto::new(scale, shape).unwrap();
        assert_fits("pareto (statrs)", &d, |x| c.cdf(x));
    }
}

/// P(K = k) of a negative binomial directly from its definition, for the
/// tests: Gamma(k + r) / (k! Gamma(r)) p^r (1 - p)^k through ln_gamma.
fn nb_pmf_direct(k: f64, r: f64, p: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    (ln_gamma(k + r) - ln_gamma(k + 1.0) - ln_gamma(r) + r * p.ln() + k * (-p).ln_1p()).exp()
}

/// The CDF of a negative binomial at 0..=last by summing `nb_pmf_direct`.
fn nb_cdf_direct(r: f64, p: f64, last: usize) -> Vec<f64> {
    let mut acc = 0.0;
    (0..=last)
        .map(|k| {
            acc += nb_pmf_direct(k as f64, r, p);
            acc
        })
        .collect()
}

#[test]
fn negative_binomial_cdf_matches_the_sum_of_its_pmf_and_fits() {
    for (r, p, seed) in [
        (2.5, 0.3, 1),
        (1.0, 0.5, 2),
        (0.3, 0.05, 3),
        (10.0, 0.8, 4),
        (50.0, 0.01, 5),
        (0.05, 0.002, 6),
    ] {
        let d = build(Family::NegativeBinomial, &[("r", r), ("p", p)]).unwrap();
        let nb = NegativeBinomial::new(r, p).unwrap().count_table().unwrap();
        let (mean, var) = (r * (1.0 - p) / p, r * (1.0 - p) / (p * p));
        // Far enough that the direct CDF is 1 to rounding.
        let last = (mean + 60.0 * var.sqrt() + 60.0 / p) as usize;
        let direct = nb_cdf_direct(r, p, last);
        // The table's CDF against the direct sum, at every count.
        let worst = (0..=last)
            .map(|k| (nb.cdf(k as f64) - direct[k]).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "nb({r}, {p}): CDF off by {worst:e}");
        // Its mean and variance, from the same table.
        let (mut m1, mut m2) = (0.0, 0.0);
        let mut below = 0.0;
        for k in 0..=last {
            let f = nb.cdf(k as f64);
            let pk = f - below;
            below = f;
            m1 += k as f64 * pk;
            m2 += (k as f64).powi(2) * pk;
        }
        let v = m2 - m1 * m1;
        assert!((m1 / mean - 1.0).abs() < 1e-10, "nb({r}, {p}): mean {m1}");
        assert!((v / var - 1.0).abs() < 1e-9, "nb({r}, {p}): variance {v}");
        // The quantile is the smallest count whose (direct) CDF reaches u,
        // with and without the table.
        let cdf = |k: f64| {
            if k < 0.0 {
                0.0
            } else {
                direct.get(k as usize).copied().unwrap_or(1.0)
            }
        };
        assert_smallest_reaching("negative_binomial", &d, cdf);
        // Goodness of fit of draws (chi-square) and their mean.
        let draws = draws_of(&d, seed);
        let hi = last.min(1_000_000) as i64;
        assert_chi_square("negative_binomial", &draws, 0, hi, |k| {
            nb_pmf_direct(k as f64, r, p)
        });
        let n = draws.len() as f64;
        let sample_mean = draws.iter().sum::<f64>() / n;
        let se = (var / n).sqrt();
        assert!(
            (sample_mean - mean).abs() < 4.0 * se,
            "nb({r}, {p}): sample mean {sample_mean} vs {mean} (se {se})"
        );
    }
    // r = 1 is the geometric: P(K <= k) = 1 - (1 - p)^(k + 1).
    let g = NegativeBinomial::new(1.0, 0.2).unwrap().count_table().unwrap();
    for k in [0.0, 1.0, 5.0, 40.0] {
        let closed = 1.0 - 0.8f64.powf(k + 1.0);
        assert!((g.cdf(k) - closed).abs() < 1e-14, "{k}");
    }
}

#[test]
fn negative_binomial_beyond_the_table_follows_its_matched_gamma() {
    // r = 1, p = 1e-4: a geometric whose tail spans some 500,000 counts,
    // past the table. Its exact quantile is the smallest k with
    // 1 - (1 - p)^(k + 1) >= u.
    let p = 1e-4f64;
    let d = build(Family::NegativeBinomial, &[("r", 1.0), ("p", p)]).unwrap();
    let nb = NegativeBinomial::new(1.0, p).unwrap();
    assert!(nb.count_table().is_none(), "tabulated");
    let sd = (1.0 - p).sqrt() / p;
    let mut last = 0.0;
    let mut worst: f64 = 0.0;
    for i in 1..10_000 {
        let u = i as f64 / 10_000.0;
        let (k, exact) = (d.quantile(u), d.quantile_exact(u));
        assert!(k >= last, "not monotone at {u}");
        last = k;
        assert_eq!(k.fract(), 0.0);
        // The table of the gamma against its exact quantile: at most a count.
        assert!((k - exact).abs() <= 1.0, "{u}: {k} vs {exact}");
        let geometric = ((-u).ln_1p() / (-p).ln_1p() - 1.0).ceil().max(0.0);
        worst = worst.max((exact - geometric).abs());
    }
    assert!(worst <= 1e-3 * sd, "worst {worst} counts (sd {sd})");
    // Analyst form with a large mean: the draws' mean within 4 SE.
    let (mean, r) = (1e6, 0.5);
    let d = build(Family::NegativeBinomial, &[("mean", mean), ("r", r)]).unwrap();
    let draws = draws_of(&d, 12);
    let n = draws.len() as f64;
    let se = ((mean + mean * mean / r) / n).sqrt();
    let m = draws.iter().sum::<f64>() / n;
    assert!((m - mean).abs() < 4.0 * se, "{m} vs {mean}");
}
