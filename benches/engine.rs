//! The engine on the corridor model, beside two floors:
//! (a) the baseline's inputs alone, drawn by the same engine, no logic;
//! (b) the corridor model written by hand in plain Rust: the same
//!     distributions, streams, chunks and summaries (the five event counts;
//!     per output the moments, the sketch and the fine counts of the
//!     engine's windows), with the logic as one fused loop per block,
//!     calling the same `exp`, `pow` and `logistic` as the engine
//!     (`engine::vmath`), so that the ratio of the two measures the
//!     engine's overhead, not a difference in primitives or in work. The
//!     windows come from the engine's pilot, chosen before the clock starts.
//!     (b0) the same with round 3's lighter summaries (one event, one
//!     sketch and one set of moments for all six outputs, no fine counts),
//!     kept to compare with the figures of earlier rounds.
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
use gaprisk::engine::{QuantityAccumulator, refine};
use gaprisk::model::{self, compile::compile, spec::Body};
use gaprisk::stats::fine::{FineCounts, Window};
use gaprisk::stats::moments::Moments;
use gaprisk::stats::sketch::QuantileSketch;
use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

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
    fn run(&self, samples: u64, seed: u64, summaries: Summaries) -> FloorResult {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { self.run_wide(samples, seed, summaries) };
        }
        self.run_inline(samples, seed, summaries)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_wide(&self, samples: u64, seed: u64, summaries: Summaries) -> FloorResult {
        self.run_inline(samples, seed, summaries)
    }

    #[inline(always)]
    fn run_inline(&self, samples: u64, seed: u64, summaries: Summaries) -> FloorResult {
        let mut result = FloorResult::new(&summaries);
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
                    cap: c("surge_capacity"),
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
                let events = logic(
                    &block,
                    &mut o_risk[..n],
                    &mut o_p[..n],
                    &mut o_ratio[..n],
                    &mut o_hours[..n],
                    &mut o_arrival[..n],
                    &mut o_force[..n],
                );
                match summaries {
                    Summaries::Engine(_) => {
                        for (total, e) in result.events.iter_mut().zip(events) {
                            *total += e;
                        }
                        // Per output what the engine keeps (its values are
                        // finite, so no finiteness fallback is needed).
                        for (k, o) in out.iter().enumerate() {
                            let m = Moments::of(&o[..n]);
                            assert!(m.mean.is_finite(), "a non-finite output");
                            // SAFETY: finite values (their mean is), and m
                            // holds their exact min and max.
                            unsafe {
                                result.sketches[k].add_finite_noting(
                                    &o[..n],
                                    m.min,
                                    m.max,
                                    &mut result.fine[k],
                                )
                            };
                            result.moments[k].merge(&m);
                        }
                    }
                    Summaries::Round3 => {
                        result.events[0] += events[0];
                        for o in &out {
                            let m = Moments::of(&o[..n]);
                            assert!(m.mean.is_finite(), "a non-finite output");
                            // SAFETY: as above.
                            unsafe { result.sketches[0].add_finite(&o[..n], m.min, m.max) };
                            result.moments[0].merge(&m);
                        }
                    }
                }
                done += n;
            }
        }
        result
    }
}

/// The summaries floor (b) keeps.
#[derive(Clone, Copy)]
enum Summaries<'a> {
    /// What the engine keeps, counting finely in these windows (per output,
    /// in the order of `OUTPUTS`).
    Engine(&'a [Option<Arc<Window>>; 6]),
    /// Round 3's: one event count, one sketch and one set of moments.
    Round3,
}

/// The baseline's events and outputs, in the floor's order.
const EVENTS: [&str; 5] = [
    "closure",
    "attempt",
    "military_success",
    "breakthrough",
    "belarus_consents",
];
const OUTPUTS: [&str; 6] = [
    "closure_risk",
    "p_attempt",
    "force_ratio",
    "closure_hours",
    "arrival_hours",
    "attack_force",
];

struct FloorResult {
    events: [u64; 5],
    moments: [Moments; 6],
    sketches: [QuantileSketch; 6],
    fine: [Vec<FineCounts>; 6],
}

impl FloorResult {
    fn new(summaries: &Summaries) -> FloorResult {
        let fine = match summaries {
            Summaries::Engine(windows) => std::array::from_fn(|k| {
                windows[k]
                    .clone()
                    .map(FineCounts::new)
                    .into_iter()
                    .collect()
            }),
            Summaries::Round3 => Default::default(),
        };
        FloorResult {
            events: [0; 5],
            moments: [Moments::default(); 6],
            sketches: Default::default(),
            fine,
        }
    }
}

/// One block's columns of the hand-written model, by name.
struct Block<'a> {
    ex: &'a [f64],
    wd: &'a [f64],
    pp: &'a [f64],
    gt: &'a [f64],
    spd: &'a [f64],
    cap: &'a [f64],
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

/// The model's logic as one fused loop over a block; returns the counts of
/// the five events (`EVENTS`).
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
) -> [u64; 5] {
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
    let cap = &b.cap[..n];
    let (bch, br, rr, consent_u, attempt_u) = (
        &b.bch[..n],
        &b.br[..n],
        &b.rr[..n],
        &b.consent_u[..n],
        &b.attempt_u[..n],
    );
    let (mut closures, mut attempts, mut successes, mut breakthroughs, mut consenting) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        let rib = ex[i] * (1.0 - wd[i]) + pp[i] * gt[i];
        let consents = if consent_u[i] >= 1.0 - ba[i] {
            1.0
        } else {
            0.0
        };
        let surge = consents * (spd[i] * wdays[i]).min(cap[i]);
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
        attempts += u64::from(attempt);
        successes += u64::from(success);
        breakthroughs += u64::from(breakthrough);
        consenting += u64::from(consents != 0.0);
        o_risk[i] = if success { p } else { 0.0 };
        (o_p[i], o_ratio[i], o_hours[i], o_arrival[i], o_force[i]) =
            (p, ratio, hours, arrival, attack);
    }
    [closures, attempts, successes, breakthroughs, consenting]
}

/// The windows the engine's pilot chooses for each of `OUTPUTS`.
fn output_windows(program: &Program, settings: &RunSettings) -> [Option<Arc<Window>>; 6] {
    let windows = refine::pilot_windows(program, settings);
    OUTPUTS.map(|name| {
        let q = program.quantities.iter().position(|q| q.name == name);
        windows.of(q.expect("a baseline output"))
    })
}

fn engine(c: &mut Criterion) {
    let (m, program) = baseline();
    let floor_a = inputs_only();
    let floor_b = HandWritten::new(&m);
    // The floor must be the same model keeping the same summaries: the same
    // event counts, sketches and fine counts, and the same moments but for
    // rounding (the engine merges blocks into chunks, then chunks).
    let check = RunSettings::new(200_000, 7, Design::Mc);
    let one_thread = Workers::new(1).unwrap();
    let acc = gaprisk::engine::run(&program, &check, &one_thread, &mut |_| {})
        .unwrap()
        .completed()
        .unwrap();
    let floor = floor_b.run(
        check.samples,
        check.seed,
        Summaries::Engine(&output_windows(&program, &check)),
    );
    let quantity = |name: &str| {
        let q = program.quantities.iter().position(|q| q.name == name);
        &acc.quantities[q.expect("a baseline quantity")]
    };
    for (name, &count) in EVENTS.iter().zip(&floor.events) {
        let QuantityAccumulator::Event { hits, .. } = quantity(name) else {
            panic!("{name} is an event")
        };
        assert_eq!(*hits, count, "floor (b) disagrees with the model on {name}");
    }
    for (k, name) in OUTPUTS.iter().enumerate() {
        let QuantityAccumulator::Output {
            moments,
            sketch,
            fine,
            ..
        } = quantity(name)
        else {
            panic!("{name} is an output")
        };
        let m = &floor.moments[k];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        assert!(
            (m.count, m.min, m.max) == (moments.count, moments.min, moments.max)
                && close(m.mean, moments.mean)
                && close(m.m2, moments.m2),
            "floor (b) disagrees with the model on {name}'s moments"
        );
        assert_eq!(sketch.slots(), floor.sketches[k].slots(), "{name}'s sketch");
        assert_eq!(fine, &floor.fine[k], "{name}'s fine counts");
    }
    eprintln!(
        "floor b agrees with the engine: the same 5 event counts ({} closures), 6 sketches and fine counts in {} samples",
        floor.events[0], check.samples
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
    let windows = output_windows(&program, &settings);
    group.bench_function("floor b: hand-written/1 thread", |b| {
        b.iter(|| black_box(floor_b.run(SAMPLES, 1, Summaries::Engine(&windows))))
    });
    group.bench_function("floor b0: round 3's summaries/1 thread", |b| {
        b.iter(|| black_box(floor_b.run(SAMPLES, 1, Summaries::Round3)))
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
