//! The engine on the corridor model, beside two floors:
//! (a) the baseline's inputs alone, drawn by the same engine, no logic;
//! (b) the corridor model written by hand in plain Rust: the same
//!     distributions, streams, chunks and accumulators, with the logic as
//!     one fused loop per block, calling the same `exp`, `pow` and
//!     `logistic` as the engine (`engine::vmath`), so that the ratio of the
//!     two measures the engine's overhead, not a difference in primitives.
//! Also the expression evaluator alone (ns per expression node per sample)
//! and the whole engine at 1 and 2 threads.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gaprisk::distributions::Distribution;
use gaprisk::engine::chunk::BLOCK;
use gaprisk::engine::design::{Design, chunk_streams};
use gaprisk::engine::eval::Workspace;
use gaprisk::engine::program::{Program, Step};
use gaprisk::engine::rng::{self, StreamRng};
use gaprisk::engine::vmath;
use gaprisk::engine::{CHUNK_SIZE, RunSettings, Workers};
use gaprisk::model::{self, compile::compile, spec::Body};
use gaprisk::stats::moments::Moments;
use gaprisk::stats::sketch::QuantileSketch;
use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

const SAMPLES: u64 = 1 << 20;

fn baseline_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/baseline.toml")
}

fn baseline() -> (model::Model, Program) {
    let m = model::load(&baseline_path()).unwrap();
    let p = compile(&m).unwrap();
    (m, p)
}

/// Floor (a): the baseline's [model] and [inputs] with one output.
fn inputs_only() -> Program {
    let text = std::fs::read_to_string(baseline_path()).unwrap();
    let inputs = &text[..text.find("[derived]").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inputs_only.toml");
    std::fs::write(
        &path,
        format!("{inputs}\n[outputs]\nwithdrawn_share = \"withdrawn_share\"\n"),
    )
    .unwrap();
    compile(&model::load(&path).unwrap()).unwrap()
}

/// Floor (b): the corridor model by hand. Inputs come from the baseline's own
/// compiled distributions and streams, so the draws are the engine's.
struct HandWritten {
    inputs: Vec<(String, Distribution, u64)>,
}

impl HandWritten {
    fn new(m: &model::Model) -> Self {
        let inputs = m
            .nodes()
            .filter_map(|e| match &e.body {
                Body::Fixed(d, _) if !d.is_constant() => Some((
                    e.name.clone(),
                    d.clone().with_tables(),
                    rng::stream_id(&e.name),
                )),
                _ => None,
            })
            .collect();
        HandWritten { inputs }
    }

    /// Compiled for AVX2 + FMA where the CPU has them, as the engine's loops are.
    fn run(&self, samples: u64, seed: u64) -> (u64, Moments, QuantileSketch) {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { self.run_wide(samples, seed) };
        }
        self.run_inline(samples, seed)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_wide(&self, samples: u64, seed: u64) -> (u64, Moments, QuantileSketch) {
        self.run_inline(samples, seed)
    }

    #[inline(always)]
    fn run_inline(&self, samples: u64, seed: u64) -> (u64, Moments, QuantileSketch) {
        let (mut closures, mut risk_m, mut risk_q) =
            (0u64, Moments::default(), QuantileSketch::default());
        let index: HashMap<&str, usize> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, (n, _, _))| (n.as_str(), i))
            .collect();
        let mut cols = vec![vec![0.0; BLOCK]; self.inputs.len()];
        let mut u = vec![0.0; BLOCK];
        let (mut consent_u, mut attempt_u) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
        let mut out = [
            vec![0.0; BLOCK],
            vec![0.0; BLOCK],
            vec![0.0; BLOCK],
            vec![0.0; BLOCK],
            vec![0.0; BLOCK],
            vec![0.0; BLOCK],
        ];
        for chunk in 0..samples.div_ceil(CHUNK_SIZE) {
            let len = CHUNK_SIZE.min(samples - chunk * CHUNK_SIZE) as usize;
            let mut rngs: Vec<StreamRng> = self
                .inputs
                .iter()
                .map(|(_, _, id)| rng::stream(seed, chunk, *id))
                .collect();
            let mut consent_rng = rng::stream(seed, chunk, rng::stream_id("belarus_consents"));
            let mut attempt_rng = rng::stream(seed, chunk, rng::stream_id("attempt"));
            let mut done = 0;
            while done < len {
                let n = BLOCK.min(len - done);
                for (k, (_, d, _)) in self.inputs.iter().enumerate() {
                    rngs[k].fill_unit(&mut u[..n]);
                    d.map(&u[..n], &mut cols[k][..n]);
                }
                consent_rng.fill_unit(&mut consent_u[..n]);
                attempt_rng.fill_unit(&mut attempt_u[..n]);
                let c = |name: &str| &cols[index[name]][..n];
                let block = Block {
                    ex: c("exercise_troops"),
                    wd: c("withdrawn_share"),
                    pp: c("permanent_presence"),
                    gt: c("garrison_troops"),
                    spd: c("surge_troops_per_day"),
                    kt: c("kaliningrad_troops"),
                    kcs: c("kaliningrad_committed_share"),
                    ba: c("belarus_alignment"),
                    bat: c("belarus_army_troops"),
                    bcs: c("belarus_committed_share"),
                    efl: c("efp_lithuania_troops"),
                    efp: c("efp_poland_troops"),
                    nat: c("national_troops_near_gap"),
                    wdays: c("warning_days"),
                    dd: c("decision_days"),
                    md: c("movement_days"),
                    coh: c("nato_cohesion"),
                    usc: c("us_commitment"),
                    bch: c("base_closure_hours"),
                    br: c("breakthrough_ratio"),
                    rr: c("russian_resolve"),
                    consent_u: &consent_u[..n],
                    attempt_u: &attempt_u[..n],
                };
                let [o_risk, o_p, o_ratio, o_hours, o_arrival, o_force] = &mut out;
                closures += logic(
                    &block,
                    &mut o_risk[..n],
                    &mut o_p[..n],
                    &mut o_ratio[..n],
                    &mut o_hours[..n],
                    &mut o_arrival[..n],
                    &mut o_force[..n],
                );
                // The same summaries the engine keeps for each output.
                for o in &out {
                    let m = Moments::of(&o[..n]);
                    risk_q.add_finite(&o[..n], m.min, m.max);
                    risk_m.merge(&m);
                }
                done += n;
            }
        }
        (closures, risk_m, risk_q)
    }
}

/// One block's columns of the hand-written model, by name.
struct Block<'a> {
    ex: &'a [f64],
    wd: &'a [f64],
    pp: &'a [f64],
    gt: &'a [f64],
    spd: &'a [f64],
    kt: &'a [f64],
    kcs: &'a [f64],
    ba: &'a [f64],
    bat: &'a [f64],
    bcs: &'a [f64],
    efl: &'a [f64],
    efp: &'a [f64],
    nat: &'a [f64],
    wdays: &'a [f64],
    dd: &'a [f64],
    md: &'a [f64],
    coh: &'a [f64],
    usc: &'a [f64],
    bch: &'a [f64],
    br: &'a [f64],
    rr: &'a [f64],
    consent_u: &'a [f64],
    attempt_u: &'a [f64],
}

/// The model's logic as one fused loop over a block; returns the closures.
/// The outputs are `&mut` parameters, which tells the compiler they
/// overlap no input, and every slice is cut to the block's length, so there
/// are no bounds checks: the loop vectorises, as the engine's loops do
/// (written inline, with outputs and inputs all borrowed from local
/// vectors, it stayed scalar).
#[inline(always)]
fn logic(
    b: &Block,
    o_risk: &mut [f64],
    o_p: &mut [f64],
    o_ratio: &mut [f64],
    o_hours: &mut [f64],
    o_arrival: &mut [f64],
    o_force: &mut [f64],
) -> u64 {
    let n = o_risk.len();
    let (o_p, o_ratio, o_hours) = (&mut o_p[..n], &mut o_ratio[..n], &mut o_hours[..n]);
    let (o_arrival, o_force) = (&mut o_arrival[..n], &mut o_force[..n]);
    let (ex, wd, pp, gt, spd, kt) = (
        &b.ex[..n],
        &b.wd[..n],
        &b.pp[..n],
        &b.gt[..n],
        &b.spd[..n],
        &b.kt[..n],
    );
    let (kcs, ba, bat, bcs, efl, efp) = (
        &b.kcs[..n],
        &b.ba[..n],
        &b.bat[..n],
        &b.bcs[..n],
        &b.efl[..n],
        &b.efp[..n],
    );
    let (nat, wdays, dd, md, coh, usc) = (
        &b.nat[..n],
        &b.wdays[..n],
        &b.dd[..n],
        &b.md[..n],
        &b.coh[..n],
        &b.usc[..n],
    );
    let (bch, br, rr, consent_u, attempt_u) = (
        &b.bch[..n],
        &b.br[..n],
        &b.rr[..n],
        &b.consent_u[..n],
        &b.attempt_u[..n],
    );
    let mut closures = 0u64;
    for i in 0..n {
        let rib = ex[i] * (1.0 - wd[i]) + pp[i] * gt[i];
        let consents = if consent_u[i] >= 1.0 - ba[i] {
            1.0
        } else {
            0.0
        };
        let surge = consents * spd[i] * wdays[i];
        let joining = consents * ba[i] * bcs[i] * bat[i];
        let attack = kcs[i] * kt[i] + consents * (rib + surge) + joining;
        let defence = 500.0 + efl[i] + efp[i] + nat[i];
        let ratio = attack / defence;
        let breakthrough = ratio >= br[i];
        let hours = bch[i] * vmath::pow(3.0 / ratio, 1.5);
        let response = dd[i] * (1.0 + 2.0 * (1.0 - coh[i])) + md[i] * (1.0 + (1.0 - usc[i]));
        let arrival = 24.0 * (response - wdays[i]).max(0.0);
        let success = breakthrough && hours < arrival;
        let tripwire = 1.0 - vmath::exp(-(500.0 + efl[i] + efp[i]) / 2000.0);
        let deterrence = 0.35 * coh[i] + 0.45 * usc[i] + 0.2 * tripwire;
        let opportunity = if breakthrough {
            vmath::logistic((arrival - hours) / 24.0)
        } else {
            0.0
        };
        let p = vmath::logistic(-4.0 + 4.0 * rr[i] + 2.0 * opportunity - 5.0 * deterrence);
        let attempt = attempt_u[i] >= 1.0 - p;
        closures += u64::from(attempt && success);
        o_risk[i] = if success { p } else { 0.0 };
        (o_p[i], o_ratio[i], o_hours[i], o_arrival[i], o_force[i]) =
            (p, ratio, hours, arrival, attack);
    }
    closures
}

fn engine(c: &mut Criterion) {
    let (m, program) = baseline();
    let floor_a = inputs_only();
    let floor_b = HandWritten::new(&m);
    // The floor must be the same model: same closure count at the same seed.
    let check = RunSettings::new(200_000, 7, Design::Mc);
    let one_thread = Workers::new(1).unwrap();
    let acc = gaprisk::engine::run(&program, &check, &one_thread, &mut |_| {})
        .unwrap()
        .completed()
        .unwrap();
    let gaprisk::engine::QuantityAccumulator::Event { hits, .. } = acc.quantities[0] else {
        unreachable!()
    };
    let (closures, _, _) = floor_b.run(check.samples, check.seed);
    assert_eq!(
        hits, closures,
        "the hand-written floor disagrees with the model file"
    );
    eprintln!(
        "floor b agrees with the engine: {closures} closures in {} samples",
        check.samples
    );
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(SAMPLES));
    let settings = RunSettings::new(SAMPLES, 1, Design::Mc);
    for threads in [1, 2] {
        // The pool is built once, as a server or a CLI run builds it.
        let workers = Workers::new(threads).unwrap();
        group.bench_with_input(
            BenchmarkId::new("baseline", format!("{threads} threads")),
            &settings,
            |b, s| {
                b.iter(|| {
                    black_box(gaprisk::engine::run(&program, s, &workers, &mut |_| {}).unwrap())
                })
            },
        );
    }
    group.bench_function("floor a: inputs only/1 thread", |b| {
        b.iter(|| {
            black_box(gaprisk::engine::run(&floor_a, &settings, &one_thread, &mut |_| {}).unwrap())
        })
    });
    group.bench_function("floor b: hand-written/1 thread", |b| {
        b.iter(|| black_box(floor_b.run(SAMPLES, 1)))
    });
    group.finish();

    // The evaluator alone: the Compute steps of the baseline over one block,
    // after its random inputs were drawn once.
    let computes: Vec<Step> = program
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Compute(_)))
        .cloned()
        .collect();
    let instructions: usize = computes
        .iter()
        .map(|s| if let Step::Compute(c) = s { c.len() } else { 0 })
        .sum();
    let logic = Program {
        steps: computes,
        ..program.clone()
    };
    let mut ws = Workspace::new(&program);
    let mut rngs = chunk_streams(
        &program,
        Design::Mc,
        &vec![1; program.streams.len()],
        0,
        CHUNK_SIZE,
    );
    ws.run(&program, &mut rngs, BLOCK);
    let mut group = c.benchmark_group("evaluator");
    group.throughput(Throughput::Elements((BLOCK * instructions) as u64));
    group.bench_function(
        format!("baseline logic ({instructions} instructions x {BLOCK} samples)"),
        |b| b.iter(|| ws.run(&logic, &mut rngs, BLOCK)),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(3));
    targets = engine
}
criterion_main!(benches);
