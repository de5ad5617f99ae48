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
        .map(|p| params.iter().find(|(k, _)| k == p).unwrap().1)
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
    assert!(Family::from_name("weibull").is_none());
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
