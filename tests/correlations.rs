//! `[correlations]`: achieved rank correlation, exact marginals, errors.

mod common;
use common::*;
use statrs::distribution::{Beta, ContinuousCDF};

fn column(out: &std::path::Path, name: &str) -> Vec<f64> {
    let mut reader = csv::Reader::from_path(out.join("draws.csv")).unwrap();
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[at].parse().unwrap())
        .collect()
}

fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    for (rank, &i) in order.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let m = (n - 1.0) / 2.0;
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - m) * (b - m)).sum();
    let var: f64 = rx.iter().map(|a| (a - m) * (a - m)).sum();
    cov / var
}

fn ks(mut x: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| (cdf(v) - i as f64 / n).max((i + 1) as f64 / n - cdf(v)))
        .fold(0.0, f64::max)
}

#[test]
fn requested_rank_correlation_is_achieved_and_marginals_are_kept() {
    let (_rows, out) = run_model(
        &repo_path("models/correlated_deterrence.toml"),
        &["--samples", "50000", "--seed", "8", "--draws"],
    );
    let (cohesion, commitment) = (
        column(out.path(), "nato_cohesion"),
        column(out.path(), "us_commitment"),
    );
    // The sampling error of a rank correlation near 0.6 at n = 50,000 is
    // about 0.003; RANK_CORRELATION (0.02) is the tolerance.
    let rho = spearman(&cohesion, &commitment);
    assert_within("rank correlation", rho, 0.6, RANK_CORRELATION);
    // Uncorrelated inputs stay uncorrelated.
    let other = spearman(&cohesion, &column(out.path(), "withdrawn_share"));
    assert_within(
        "uncorrelated rank correlation",
        other,
        0.0,
        RANK_CORRELATION,
    );
    // KS at alpha = 0.001.
    let critical = ks_critical(cohesion.len());
    let (b73, b82) = (Beta::new(7.0, 3.0).unwrap(), Beta::new(8.0, 2.0).unwrap());
    let (d1, d2) = (ks(cohesion, |x| b73.cdf(x)), ks(commitment, |x| b82.cdf(x)));
    assert!(
        d1 < critical && d2 < critical,
        "KS {d1}, {d2} vs {critical}"
    );
}

#[test]
fn correlation_errors_name_the_pair() {
    let header = "[model]\nname = \"c\"\n[inputs]\na = { dist = \"uniform\", min = 0, max = 1 }\nb = { dist = \"uniform\", min = 0, max = 1 }\nc = { dist = \"uniform\", min = 0, max = 1 }\nk = 3\n[outputs]\na = \"a + b + c\"\n[correlations]\n";
    let cases = [
        (
            "a.b = 0.9\na.c = 0.9\nb.c = -0.9\n",
            ":13: correlations.b.c: the correlations are impossible together",
        ),
        ("a.z = 0.5\n", ":11: correlations.a.z: unknown input 'z'"),
        ("a.k = 0.5\n", ":11: correlations.a.k: 'k' is a constant"),
        (
            "a.b = 1.5\n",
            ":11: correlations.a.b: a rank correlation must be in [-1, 1]",
        ),
        ("a.b = 0.2\nb.a = 0.3\n", ":12: correlations.b.a: duplicate"),
        (
            "a.a = 0.2\n",
            ":11: correlations.a.a: an input's correlation with itself",
        ),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let model = write_model(dir.path(), "m.toml", &format!("{header}{text}"));
        let assert = gaprisk().arg("check").arg(&model).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            stderr.contains(&format!("{}{expected}", model.display())),
            "{text}: {stderr}"
        );
    }
}
