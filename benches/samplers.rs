//! ns per draw for each family: gaprisk's samplers as the engine calls them
//! (a block of uniforms from a stream, mapped through the quantile), beside
//! rand_distr's samplers driven by the same xoshiro256++ algorithm.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gaprisk::distributions::{Distribution, Family, Form};
use gaprisk::engine::rng;
use rand_distr::Distribution as _;
use std::hint::black_box;

const N: usize = 1024;

fn build(family: Family, params: &[(&str, f64)]) -> Distribution {
    let names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
    let form = Form::resolve(family, &names).unwrap();
    let values: Vec<f64> = form
        .params()
        .iter()
        .map(|p| params.iter().find(|(k, _)| *k == p.as_ref()).unwrap().1)
        .collect();
    form.build(&values).unwrap().with_tables()
}

fn samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("sampler");
    group.throughput(Throughput::Elements(N as u64));
    let cases: Vec<(&str, Distribution)> = vec![
        (
            "uniform",
            build(Family::Uniform, &[("min", 0.0), ("max", 1.0)]),
        ),
        (
            "normal",
            build(Family::Normal, &[("mean", 12000.0), ("sd", 1500.0)]),
        ),
        (
            "lognormal",
            build(Family::Lognormal, &[("p05", 2000.0), ("p95", 12000.0)]),
        ),
        (
            "beta",
            build(Family::Beta, &[("alpha", 4.0), ("beta", 1.5)]),
        ),
        (
            "triangular",
            build(
                Family::Triangular,
                &[("min", 900.0), ("mode", 1000.0), ("max", 1100.0)],
            ),
        ),
        (
            "pert",
            build(Family::Pert, &[("min", 1.0), ("mode", 2.0), ("max", 5.0)]),
        ),
        (
            "gamma",
            build(Family::Gamma, &[("shape", 2.0), ("scale", 3.0)]),
        ),
        ("exponential", build(Family::Exponential, &[("rate", 0.5)])),
        ("bernoulli", build(Family::Bernoulli, &[("p", 0.3)])),
    ];
    let mut out = vec![0.0; N];
    let mut uniforms = vec![0.0; N];
    for (name, dist) in &cases {
        let mut r = rng::stream(1, 0, 0);
        group.bench_with_input(BenchmarkId::new("gaprisk", name), dist, |b, d| {
            b.iter(|| {
                r.fill_unit(&mut uniforms);
                d.map(&uniforms, &mut out);
                black_box(&out);
            })
        });
    }
    // rand_distr's samplers of the same distributions, for reference.
    macro_rules! reference {
        ($name:expr, $d:expr) => {
            let d = $d;
            let mut r = <rand_xoshiro::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(1);
            group.bench_function(BenchmarkId::new("rand_distr", $name), |b| {
                b.iter(|| {
                    for x in out.iter_mut() {
                        *x = d.sample(&mut r);
                    }
                    black_box(&out);
                })
            });
        };
    }
    reference!("normal", rand_distr::Normal::new(12000.0, 1500.0).unwrap());
    reference!(
        "lognormal",
        rand_distr::LogNormal::new(8.497, 0.5447).unwrap()
    );
    reference!("beta", rand_distr::Beta::new(4.0, 1.5).unwrap());
    reference!(
        "triangular",
        rand_distr::Triangular::new(900.0, 1100.0, 1000.0).unwrap()
    );
    reference!("gamma", rand_distr::Gamma::new(2.0, 3.0).unwrap());
    reference!("exponential", rand_distr::Exp::new(0.5).unwrap());
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = samplers
}
criterion_main!(benches);
