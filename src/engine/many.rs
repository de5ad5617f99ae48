//! Several programs over the same chunks in one pass, on common random
//! numbers: every program draws from streams keyed by (seed, chunk, node
//! name), so nodes that share a name share their draws. Comparisons pair
//! their quantities sample by sample; a Sobol design mixes two seeds.

use super::accumulate::Accumulators;
use super::accumulate::Windows;
use super::chunk::ChunkSpan;
use super::design::{Design, Uniforms, chunk_streams};
use super::eval::Workspace;
use super::program::{Operand, Program};
use super::refine;
use super::schedule::{Flow, Pass, Workers, for_chunks_in};
use super::settings::RunSettings;
use crate::error::Result;
use crate::stats::paired::PairedMoments;
use std::ops::Range;

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
    /// Results that keep no fine counts.
    pub fn new(programs: &[Program], pairings: &[Pairing], settings: &RunSettings) -> Self {
        let windows: Vec<Windows> = programs.iter().map(Windows::none).collect();
        ManyResult::windowed(programs, pairings, settings, &windows)
    }

    /// Results that keep fine counts in each program's windows.
    pub fn windowed(
        programs: &[Program],
        pairings: &[Pairing],
        settings: &RunSettings,
        windows: &[Windows],
    ) -> Self {
        ManyResult {
            each: programs
                .iter()
                .zip(windows)
                .map(|(p, w)| Accumulators::windowed(p, settings, w))
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

/// One chunk of several programs.
fn run_chunk_many(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    windows: &[Windows],
    chunk: u64,
) -> ManyResult {
    let span = ChunkSpan::of(chunk, settings.samples);
    let mut result = ManyResult::windowed(programs, pairings, settings, windows);
    let streams = |p: &Program| -> Vec<Uniforms> {
        let seeds = vec![settings.seed; p.streams.len()];
        chunk_streams(p, settings.design, &seeds, chunk, settings.samples)
    };
    let mut scratch = Vec::new();
    if pairings.is_empty() {
        // Nothing is compared sample by sample: one program at a time.
        for (acc, program) in result.each.iter_mut().zip(programs) {
            let mut rngs = streams(program);
            let mut ws = Workspace::new(program);
            for (first, n) in span.blocks() {
                ws.run(program, &mut rngs, n);
                acc.add_block(program, &ws, first, n, &mut scratch);
            }
        }
        return result;
    }
    let mut rngs: Vec<Vec<Uniforms>> = programs.iter().map(streams).collect();
    let mut workspaces: Vec<Workspace> = programs.iter().map(Workspace::new).collect();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (first, n) in span.blocks() {
        for (k, program) in programs.iter().enumerate() {
            workspaces[k].run(program, &mut rngs[k], n);
            result.each[k].add_block(program, &workspaces[k], first, n, &mut scratch);
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
    }
    result
}

/// Each program's pilot windows (`refine::pilot_windows`).
pub fn pilot_windows(programs: &[Program], settings: &RunSettings) -> Vec<Windows> {
    programs
        .iter()
        .map(|p| refine::pilot_windows(p, settings))
        .collect()
}

/// Runs several programs over the chunks of `range` in one pass, counting
/// finely in their `windows`, handing each chunk's results to `absorb` in
/// chunk order.
#[allow(clippy::too_many_arguments)]
pub fn run_many(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    windows: &[Windows],
    workers: &Workers,
    range: Range<u64>,
    absorb: &mut dyn FnMut(ManyResult),
    progress: &mut dyn FnMut(u64),
) -> Result<Pass> {
    for_chunks_in(
        workers,
        settings.samples,
        range,
        |c| run_chunk_many(programs, pairings, settings, windows, c),
        |r: ManyResult| {
            absorb(r);
            Ok(Flow::Continue)
        },
        progress,
    )
}

/// Runs several programs over all their chunks and merges the results,
/// with the fine counts their quantiles need; stopped by the workers'
/// token, it keeps nothing.
pub fn run_many_all(
    programs: &[Program],
    pairings: &[Pairing],
    settings: &RunSettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<super::Outcome<ManyResult>> {
    let windows = pilot_windows(programs, settings);
    let mut total = ManyResult::windowed(programs, pairings, settings, &windows);
    let pass = run_many(
        programs,
        pairings,
        settings,
        &windows,
        workers,
        0..settings.chunks(),
        &mut |r| total.merge(&r),
        progress,
    )?;
    if let Some(stopped) = pass.stopped() {
        return Ok(stopped);
    }
    for (program, acc) in programs.iter().zip(&mut total.each) {
        let chunks = 0..settings.chunks();
        let replay = refine::complete(program, settings, workers, chunks, acc, &mut |_| {})?;
        if let Some(stopped) = replay.stopped() {
            return Ok(stopped);
        }
    }
    Ok(super::Outcome::Completed(total))
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
    operands: &[Operand],
) -> Vec<Vec<f64>> {
    let rngs = chunk_streams(program, Design::Mc, stream_seeds, chunk, samples);
    columns_from(program, rngs, chunk, samples, operands)
}

/// The values of `operands` over one chunk, the random nodes drawing from
/// `rngs` (one per stream, in stream order).
pub fn columns_from(
    program: &Program,
    mut rngs: Vec<Uniforms>,
    chunk: u64,
    samples: u64,
    operands: &[Operand],
) -> Vec<Vec<f64>> {
    let span = ChunkSpan::of(chunk, samples);
    let mut ws = Workspace::new(program);
    let mut columns = vec![Vec::with_capacity(span.len); operands.len()];
    for (_, n) in span.blocks() {
        ws.run(program, &mut rngs, n);
        for (column, &op) in columns.iter_mut().zip(operands) {
            let values = ws.read(op, n);
            column.extend((0..n).map(|i| values.get(i)));
        }
    }
    columns
}
