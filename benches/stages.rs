//! Where a sample's time goes, stage by stage, on the baseline model:
//! uniforms, quantile lookups (and the two derived Bernoulli draws), the
//! expression steps, the transcendental calls inside them (and `pow` on its
//! own), accumulators with their fine counts (and, for comparison, the
//! lighter summaries of floor (b0) in benches/engine.rs),
//! the ordered merge, and what a whole run adds (chunk set-up, hand-off).
//!
//! Each stage is its own `#[inline(never)]` function named `stage_*`, so
//! `valgrind --tool=callgrind` gives its instruction count (inclusive) as
//! well as the wall time printed here:
//!
//!     cargo bench --bench stages                      # ns per sample
//!     cargo bench --bench stages --features portable  # the portable path
//!     valgrind --tool=callgrind target/release/deps/stages-* --quick
//!
//! Wall times are medians of repeated passes over 2^20 samples on one
//! thread; on a shared machine prefer the instruction counts.

use gaprisk::engine::accumulate::{Accumulators, Windows};
use gaprisk::engine::chunk::BLOCK;
use gaprisk::engine::design::{Design, chunk_streams};
use gaprisk::engine::eval::{Values, Workspace};
use gaprisk::engine::operators::{BinaryOp, UnaryOp};
use gaprisk::engine::program::{Program, QuantityKind, Step};
use gaprisk::engine::refine;
use gaprisk::engine::rng;
use gaprisk::engine::{CHUNK_SIZE, RunSettings, Workers};
use gaprisk::model::{self, compile::compile};
use gaprisk::stats::moments::Moments;
use gaprisk::stats::sketch::QuantileSketch;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn baseline() -> Program {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/baseline.toml");
    compile(&model::load(&path).unwrap()).unwrap()
}

fn only(program: &Program, keep: impl Fn(&Step) -> bool) -> Program {
    Program {
        steps: program.steps.iter().filter(|s| keep(s)).cloned().collect(),
        ..program.clone()
    }
}

fn settings(samples: u64) -> RunSettings {
    RunSettings::new(samples, 1, Design::Mc)
}

/// `blocks` blocks of uniforms from every stream of the program.
#[inline(never)]
fn stage_uniforms(program: &Program, blocks: usize) -> f64 {
    let mut rngs: Vec<_> = program
        .streams
        .iter()
        .map(|&id| rng::stream(1, 0, id))
        .collect();
    let mut u = vec![0.0; BLOCK];
    let mut sink = 0.0;
    for _ in 0..blocks {
        for r in &mut rngs {
            r.fill_unit(&mut u);
            sink += u[0];
        }
    }
    sink
}

/// Steps of `program` (a subset of the baseline's) over `blocks` blocks.
#[inline(never)]
fn stage_steps(program: &Program, ws: &mut Workspace, blocks: usize) {
    let mut rngs = chunk_streams(
        program,
        Design::Mc,
        &vec![1; program.streams.len()],
        0,
        CHUNK_SIZE,
    );
    for _ in 0..blocks {
        ws.run(program, &mut rngs, BLOCK);
    }
}

/// The draws alone (uniforms and quantiles of the 21 inputs, the two
/// derived Bernoulli draws).
#[inline(never)]
fn stage_draws(program: &Program, ws: &mut Workspace, blocks: usize) {
    // Distinct bodies, so the linker does not fold the two stages into one.
    black_box("draws");
    stage_steps(program, ws, blocks)
}

/// The Compute steps alone (every expression instruction, exp/pow included).
#[inline(never)]
fn stage_expressions(program: &Program, ws: &mut Workspace, blocks: usize) {
    black_box("expressions");
    stage_steps(program, ws, blocks)
}

/// The transcendental calls the baseline makes per sample (one pow, one
/// exp, two logistic), through the operators the evaluator uses, in loops
/// compiled the way the evaluator's are.
#[inline(never)]
fn stage_transcendental(x: &[f64], out: &mut [f64], blocks: usize) {
    #[cfg(target_arch = "x86_64")]
    if !cfg!(feature = "portable")
        && is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { transcendental_wide(x, out, blocks) };
        return;
    }
    transcendental_inline(x, out, blocks)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn transcendental_wide(x: &[f64], out: &mut [f64], blocks: usize) {
    transcendental_inline(x, out, blocks)
}

#[inline(always)]
fn transcendental_inline(x: &[f64], out: &mut [f64], blocks: usize) {
    for _ in 0..blocks {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = BinaryOp::Pow.apply(v, 1.5);
        }
        for (o, &v) in out.iter_mut().zip(x) {
            *o = UnaryOp::Exp.apply(-v);
        }
        for _ in 0..2 {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = UnaryOp::Logistic.apply(v - 2.0);
            }
        }
        black_box(&mut *out);
    }
}

/// `pow` alone (the model's `(3 / force_ratio) ^ 1.5`), compiled as above.
#[inline(never)]
fn stage_pow(x: &[f64], out: &mut [f64], blocks: usize) {
    #[cfg(target_arch = "x86_64")]
    if !cfg!(feature = "portable")
        && is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { pow_wide(x, out, blocks) };
        return;
    }
    pow_inline(x, out, blocks)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pow_wide(x: &[f64], out: &mut [f64], blocks: usize) {
    pow_inline(x, out, blocks)
}

#[inline(always)]
fn pow_inline(x: &[f64], out: &mut [f64], blocks: usize) {
    for _ in 0..blocks {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = BinaryOp::Pow.apply(v, 1.5);
        }
        black_box(&mut *out);
    }
}

#[inline(never)]
fn stage_accumulators(
    program: &Program,
    windows: &Windows,
    ws: &Workspace,
    blocks: usize,
) -> Accumulators {
    let mut acc = Accumulators::windowed(program, &settings(CHUNK_SIZE), windows);
    let mut scratch = Vec::new();
    for b in 0..blocks {
        acc.add_block(program, ws, (b * BLOCK) as u64, BLOCK, &mut scratch);
    }
    acc
}

/// What floor (b0) in benches/engine.rs keeps per block (round 3's floor):
/// moments and one sketch over the 6 outputs' columns, no event counts, no
/// fine counts, no finiteness pass. (Floor (b) keeps what the engine keeps.)
#[inline(never)]
fn stage_floor_summaries(
    program: &Program,
    ws: &Workspace,
    blocks: usize,
) -> (Moments, QuantileSketch) {
    #[cfg(target_arch = "x86_64")]
    if !cfg!(feature = "portable")
        && is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { floor_summaries_wide(program, ws, blocks) };
    }
    floor_summaries_inline(program, ws, blocks)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn floor_summaries_wide(
    program: &Program,
    ws: &Workspace,
    blocks: usize,
) -> (Moments, QuantileSketch) {
    floor_summaries_inline(program, ws, blocks)
}

#[inline(always)]
fn floor_summaries_inline(
    program: &Program,
    ws: &Workspace,
    blocks: usize,
) -> (Moments, QuantileSketch) {
    let (mut moments, mut sketch) = (Moments::default(), QuantileSketch::default());
    for _ in 0..blocks {
        for q in &program.quantities {
            if q.kind != QuantityKind::Output {
                continue;
            }
            if let Values::Column(c) = ws.read(q.value, BLOCK) {
                let m = Moments::of(c);
                assert!(m.mean.is_finite(), "a non-finite output");
                // SAFETY: finite values (their mean is), and m holds their
                // exact min and max.
                unsafe { sketch.add_finite(c, m.min, m.max) };
                moments.merge(&m);
            }
        }
    }
    (moments, sketch)
}

#[inline(never)]
fn stage_merge(total: &mut Accumulators, chunk: &Accumulators, chunks: usize) {
    for _ in 0..chunks {
        total.merge(chunk);
    }
}

#[inline(never)]
fn stage_whole_run(program: &Program, workers: &Workers, samples: u64) {
    black_box(gaprisk::engine::run(program, &settings(samples), workers, &mut |_| {}).unwrap());
}

/// Median ns per sample of `f` over `reps` passes of `samples` samples.
fn time(reps: usize, samples: usize, mut f: impl FnMut()) -> f64 {
    let mut ns: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_nanos() as f64 / samples as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    ns[ns.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (blocks, reps) = if quick { (64, 1) } else { (1024, 9) };
    let samples = blocks * BLOCK;
    let program = baseline();
    let draws = only(&program, |s| !matches!(s, Step::Compute(_)));
    let logic = only(&program, |s| matches!(s, Step::Compute(_)));
    let instructions: usize = program
        .steps
        .iter()
        .map(|s| if let Step::Compute(c) = s { c.len() } else { 0 })
        .sum();
    let mut ws = Workspace::new(&program);
    stage_steps(&program, &mut ws, 1);
    let x: Vec<f64> = (0..BLOCK)
        .map(|i| 0.05 + 8.0 * i as f64 / BLOCK as f64)
        .collect();
    let mut out = vec![0.0; BLOCK];
    // The fine counts of the windows a run of this size would choose.
    let windows = refine::pilot_windows(&program, &settings(samples as u64));
    let chunk = stage_accumulators(&program, &windows, &ws, (CHUNK_SIZE as usize) / BLOCK);
    let chunks = samples / CHUNK_SIZE as usize;
    let one = Workers::new(1).unwrap();
    let two = Workers::new(2).unwrap();
    let path = if cfg!(feature = "portable") {
        "portable"
    } else {
        "wide (AVX2) where the CPU has it"
    };
    println!("baseline model, {samples} samples per pass, {reps} passes, path: {path}");
    println!("stage                                         ns/sample");
    let row = |name: &str, ns: f64| println!("{name:<45} {ns:>9.2}");
    row(
        &format!("uniforms ({} streams)", program.streams.len()),
        time(reps, samples, || {
            black_box(stage_uniforms(&program, blocks));
        }),
    );
    row(
        "draws: uniforms + quantiles + 2 bernoulli",
        time(reps, samples, || stage_draws(&draws, &mut ws, blocks)),
    );
    row(
        &format!("expressions ({instructions} instructions)"),
        time(reps, samples, || stage_expressions(&logic, &mut ws, blocks)),
    );
    row(
        "  of which pow + exp + 2 logistic",
        time(reps, samples, || stage_transcendental(&x, &mut out, blocks)),
    );
    row(
        "    of which pow alone",
        time(reps, samples, || stage_pow(&x, &mut out, blocks)),
    );
    row(
        "accumulators (6 outputs, fine counts; 5 events)",
        time(reps, samples, || {
            black_box(stage_accumulators(&program, &windows, &ws, blocks));
        }),
    );
    row(
        "  floor (b0)'s summaries (one sketch, no events)",
        time(reps, samples, || {
            black_box(stage_floor_summaries(&program, &ws, blocks));
        }),
    );
    let mut total = chunk.clone();
    row(
        "ordered merge (per chunk, spread over it)",
        time(reps, samples, || stage_merge(&mut total, &chunk, chunks)),
    );
    row(
        "whole run, 1 thread",
        time(reps, samples, || {
            stage_whole_run(&program, &one, samples as u64)
        }),
    );
    row(
        "whole run, 2 threads (wall)",
        time(reps, samples, || {
            stage_whole_run(&program, &two, samples as u64)
        }),
    );
}
