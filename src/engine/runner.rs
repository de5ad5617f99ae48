//! Runs a program over many samples: fixed-size chunks, each with its own
//! random streams, evaluated in parallel and merged in chunk order.

use super::accumulate::Accumulators;
use super::design::{Design, Uniforms, chunk_streams};
use super::eval::{BLOCK, Workspace};
use super::program::Program;
use crate::error::{Error, Result};
use crate::stats::paired::PairedMoments;
use rayon::prelude::*;
use std::io::Write;

/// Samples per chunk. Part of the reproducibility contract: a chunk's
/// streams are seeded by its index, so changing this changes results.
pub const CHUNK_SIZE: u64 = 16_384;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSettings {
    pub samples: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Where the uniforms come from; part of what results depend on.
    pub design: Design,
}

impl RunSettings {
    pub fn chunks(&self) -> u64 {
        self.samples.div_ceil(CHUNK_SIZE)
    }
}

/// Where `--draws` rows go: one CSV row per sample, in sample order.
pub struct DrawsSink<'a> {
    pub out: &'a mut dyn Write,
}

struct ChunkResult {
    acc: Accumulators,
    draws: Vec<u8>,
}

/// Evaluates one chunk from its own streams.
fn run_chunk(
    program: &Program,
    settings: &RunSettings,
    chunk: u64,
    want_draws: bool,
) -> ChunkResult {
    let start = chunk * CHUNK_SIZE;
    let len = CHUNK_SIZE.min(settings.samples - start) as usize;
    let seeds = vec![settings.seed; program.streams.len()];
    let mut rngs = chunk_streams(program, settings.design, &seeds, chunk, settings.samples);
    let mut ws = Workspace::new(program);
    let mut acc = Accumulators::new(program, settings);
    let mut scratch = Vec::new();
    let mut draws = Vec::new();
    let mut done = 0;
    while done < len {
        let n = BLOCK.min(len - done);
        ws.run(program, &mut rngs, n);
        acc.add_block(program, &ws, start + done as u64, n, &mut scratch);
        if want_draws {
            write_draw_rows(program, &ws, start + done as u64, n, &mut draws);
        }
        done += n;
    }
    ChunkResult { acc, draws }
}

/// The `--draws` header: sample index, every non-constant node, then each
/// event and output whose name is not already a node's.
pub fn draw_columns(program: &Program) -> Vec<String> {
    let mut names: Vec<String> = vec!["sample".into()];
    names.extend(program.node_columns.iter().map(|(n, _)| n.clone()));
    for q in &program.quantities {
        if !names.contains(&q.name) {
            names.push(q.name.clone());
        }
    }
    names
}

fn write_draw_rows(program: &Program, ws: &Workspace, first: u64, n: usize, out: &mut Vec<u8>) {
    let mut columns: Vec<_> = program
        .node_columns
        .iter()
        .map(|(name, op)| (name, ws.read(*op, n)))
        .collect();
    for q in &program.quantities {
        if !program.node_columns.iter().any(|(name, _)| *name == q.name) {
            columns.push((&q.name, ws.read(q.value, n)));
        }
    }
    for i in 0..n {
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{}", first + i as u64);
        for (_, values) in &columns {
            let _ = write!(out, ",{}", values.get(i));
        }
        out.push(b'\n');
    }
}

/// Set by a signal handler (Ctrl-C, SIGTERM): runs stop at the next chunk
/// boundary, keeping every chunk finished so far.
static STOP_REQUESTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks every run in this process to stop at its next chunk boundary.
pub fn request_stop() {
    STOP_REQUESTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// True once a stop was requested.
pub fn stop_requested() -> bool {
    STOP_REQUESTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Whether to go on after a chunk was absorbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Evaluates every chunk with `eval`, in parallel waves, and hands the
/// results to `absorb` in chunk order: whatever `absorb` merges is then
/// independent of the number of threads and of scheduling.
pub(crate) fn for_each_chunk<T: Send>(
    settings: &RunSettings,
    eval: impl Fn(u64) -> T + Sync,
    mut absorb: impl FnMut(T) -> Result<()>,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    for_each_chunk_until(
        settings,
        eval,
        |t| {
            absorb(t)?;
            Ok(Flow::Continue)
        },
        progress,
    )
    .map(|_| ())
}

/// As `for_each_chunk`, but `absorb` may stop the run after any chunk; the
/// chunks evaluated after it in the same wave are discarded, so where a run
/// stops depends on the chunks' results only. Returns the chunks absorbed.
pub(crate) fn for_each_chunk_until<T: Send>(
    settings: &RunSettings,
    eval: impl Fn(u64) -> T + Sync,
    absorb: impl FnMut(T) -> Result<Flow>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    for_chunks_in(settings, 0..settings.chunks(), eval, absorb, progress)
}

/// As `for_each_chunk_until`, over the chunks in `range` only (a shard).
pub fn for_chunks_in<T: Send>(
    settings: &RunSettings,
    range: std::ops::Range<u64>,
    eval: impl Fn(u64) -> T + Sync,
    mut absorb: impl FnMut(T) -> Result<Flow>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", settings.threads)))?;
    let wave = (pool.current_num_threads() * 4) as u64;
    let chunks = range.end;
    let mut next = range.start;
    while next < chunks {
        let end = (next + wave).min(chunks);
        let results: Vec<T> = pool.install(|| (next..end).into_par_iter().map(&eval).collect());
        for (k, r) in results.into_iter().enumerate() {
            if absorb(r)? == Flow::Stop || stop_requested() {
                let absorbed = next + k as u64 + 1;
                progress(((absorbed - range.start) * CHUNK_SIZE).min(settings.samples));
                return Ok(absorbed - range.start);
            }
        }
        progress(((end - range.start) * CHUNK_SIZE).min(settings.samples));
        next = end;
    }
    Ok(chunks - range.start)
}

/// Runs the chunks of `range` and hands each chunk's accumulators to
/// `absorb` in chunk order (for shard part files).
pub fn run_chunks(
    program: &Program,
    settings: &RunSettings,
    range: std::ops::Range<u64>,
    absorb: &mut dyn FnMut(Accumulators),
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    for_chunks_in(
        settings,
        range,
        |c| run_chunk(program, settings, c, false),
        |r: ChunkResult| {
            absorb(r.acc);
            Ok(Flow::Continue)
        },
        progress,
    )
}

/// Runs `program` and returns the merged accumulators. `progress` is told
/// how many samples are done after each wave of chunks.
pub fn run(
    program: &Program,
    settings: &RunSettings,
    draws: Option<DrawsSink>,
    progress: &mut dyn FnMut(u64),
) -> Result<Accumulators> {
    run_until(program, settings, draws, &mut |_| false, progress)
}

/// As `run`, but stops at the first chunk boundary where `done` says the
/// accumulators are good enough (checked after every chunk, in order).
pub fn run_until(
    program: &Program,
    settings: &RunSettings,
    mut draws: Option<DrawsSink>,
    done: &mut dyn FnMut(&Accumulators) -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Accumulators> {
    let want_draws = draws.is_some();
    let mut total = Accumulators::new(program, settings);
    for_each_chunk_until(
        settings,
        |c| run_chunk(program, settings, c, want_draws),
        |r: ChunkResult| {
            total.merge(&r.acc);
            if let Some(sink) = draws.as_mut() {
                sink.out
                    .write_all(&r.draws)
                    .map_err(|e| Error::io("cannot write draws", e))?;
            }
            Ok(if done(&total) {
                Flow::Stop
            } else {
                Flow::Continue
            })
        },
        progress,
    )?;
    Ok(total)
}

/// Quantities compared between two programs run side by side: for each
/// pair of quantity indices (in `base` and in `other`), the per-sample
/// values are accumulated as pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    pub base: usize,
    pub other: usize,
    pub quantities: Vec<(usize, usize)>,
}

/// Paired moments of one compared quantity, and how many pairs were left
/// out because a side was not finite.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PairedAccumulator {
    pub moments: PairedMoments,
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManyResult {
    pub each: Vec<Accumulators>,
    /// `paired[k][q]`: pairing k, its quantity pair q.
    pub paired: Vec<Vec<PairedAccumulator>>,
}

impl ManyResult {
    pub fn new(programs: &[Program], pairings: &[Pairing], settings: &RunSettings) -> Self {
        ManyResult {
            each: programs
                .iter()
                .map(|p| Accumulators::new(p, settings))
                .collect(),
            paired: pairings
                .iter()
                .map(|p| vec![PairedAccumulator::default(); p.quantities.len()])
                .collect(),
        }
    }

    pub fn merge(&mut self, other: &ManyResult) {
        for (a, b) in self.each.iter_mut().zip(&other.each) {
            a.merge(b);
        }
        for (a, b) in self.paired.iter_mut().zip(&other.paired) {
            for (x, y) in a.iter_mut().zip(b) {
                x.moments.merge(&y.moments);
                x.dropped += y.dropped;
            }
        }
    }
}

/// One chunk of several programs. Every program draws from streams keyed
/// by (seed, chunk, node name), so nodes that share a name share their
/// draws: common random numbers across the programs.
fn run_chunk_many(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    chunk: u64,
) -> ManyResult {
    let mut result = ManyResult::new(programs, pairings, settings);
    if pairings.is_empty() {
        // Nothing is compared sample by sample: one program at a time.
        for (acc, program) in result.each.iter_mut().zip(programs) {
            *acc = run_chunk(program, settings, chunk, false).acc;
        }
        return result;
    }
    let start = chunk * CHUNK_SIZE;
    let len = CHUNK_SIZE.min(settings.samples - start) as usize;
    let mut rngs: Vec<Vec<Uniforms>> = programs
        .iter()
        .map(|p| {
            chunk_streams(
                p,
                settings.design,
                &vec![settings.seed; p.streams.len()],
                chunk,
                settings.samples,
            )
        })
        .collect();
    let mut workspaces: Vec<Workspace> = programs.iter().map(Workspace::new).collect();
    let (mut scratch, mut xs, mut ys) = (Vec::new(), Vec::new(), Vec::new());
    let mut done = 0;
    while done < len {
        let n = BLOCK.min(len - done);
        for (k, program) in programs.iter().enumerate() {
            workspaces[k].run(program, &mut rngs[k], n);
            result.each[k].add_block(
                program,
                &workspaces[k],
                start + done as u64,
                n,
                &mut scratch,
            );
        }
        for (pairing, accs) in pairings.iter().zip(result.paired.iter_mut()) {
            let (pb, po) = (&programs[pairing.base], &programs[pairing.other]);
            let (wb, wo) = (&workspaces[pairing.base], &workspaces[pairing.other]);
            for (&(qb, qo), acc) in pairing.quantities.iter().zip(accs.iter_mut()) {
                let (x, y) = (
                    wb.read(pb.quantities[qb].value, n),
                    wo.read(po.quantities[qo].value, n),
                );
                xs.clear();
                ys.clear();
                for i in 0..n {
                    let (a, b) = (x.get(i), y.get(i));
                    if a.is_finite() && b.is_finite() {
                        xs.push(a);
                        ys.push(b);
                    }
                }
                acc.dropped += (n - xs.len()) as u64;
                acc.moments.merge(&PairedMoments::of(&xs, &ys));
            }
        }
        done += n;
    }
    result
}

/// Runs several programs over the same chunks in one pass, on common random
/// numbers, accumulating each program and each pairing.
pub fn run_many(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    progress: &mut dyn FnMut(u64),
) -> Result<ManyResult> {
    let mut total = ManyResult::new(programs, pairings, settings);
    for_each_chunk(
        settings,
        |c| run_chunk_many(programs, pairings, settings, c),
        |r: ManyResult| {
            total.merge(&r);
            Ok(())
        },
        progress,
    )?;
    Ok(total)
}

/// The values of `operands` over one chunk, with random stream `k` drawn
/// from seed `stream_seeds[k]`: a Sobol design mixes two seeds this way
/// (matrix A, matrix B, and A with one column from B) without storing any
/// design matrix. Returns one column per operand.
pub fn chunk_columns(
    program: &Program,
    stream_seeds: &[u64],
    chunk: u64,
    samples: u64,
    operands: &[super::program::Operand],
) -> Vec<Vec<f64>> {
    let start = chunk * CHUNK_SIZE;
    let len = CHUNK_SIZE.min(samples - start) as usize;
    let mut rngs = chunk_streams(program, Design::Mc, stream_seeds, chunk, samples);
    let mut ws = Workspace::new(program);
    let mut columns = vec![Vec::with_capacity(len); operands.len()];
    let mut done = 0;
    while done < len {
        let n = BLOCK.min(len - done);
        ws.run(program, &mut rngs, n);
        for (column, &op) in columns.iter_mut().zip(operands) {
            let values = ws.read(op, n);
            column.extend((0..n).map(|i| values.get(i)));
        }
        done += n;
    }
    columns
}

/// As `run_many`, over the chunks of `range`, handing each chunk's results
/// to `absorb` in chunk order (for shard part files).
pub fn run_many_chunks(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    range: std::ops::Range<u64>,
    absorb: &mut dyn FnMut(ManyResult),
) -> Result<u64> {
    for_chunks_in(
        settings,
        range,
        |c| run_chunk_many(programs, pairings, settings, c),
        |r: ManyResult| {
            absorb(r);
            Ok(Flow::Continue)
        },
        &mut |_| {},
    )
}
