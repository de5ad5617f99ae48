//! Several programs over the same chunks in one pass, on common random
//! numbers: every program draws from streams keyed by (seed, chunk, node
//! name), so nodes that share a name share their draws. Comparisons pair
//! their quantities sample by sample; a Sobol design mixes two seeds.

use super::accumulate::Accumulators;
use super::accumulate::Windows;
use super::chunk::ChunkSpan;
use super::design::{Design, Uniforms, chunk_streams};
use super::eval::{Values, Workspace};
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
    /// `paired_steps[k][q][s - 1]`: the same pair at time step s (events
    /// true by step s, outputs at step s), when every program runs the
    /// same number of steps (language 1.2); empty otherwise.
    pub paired_steps: Vec<Vec<Vec<PairedAccumulator>>>,
}

/// The steps every program runs, when they all are stepped alike: what
/// makes their comparison step by step meaningful.
pub fn common_steps(programs: &[Program]) -> Option<u32> {
    let first = programs.first()?.stepping.as_ref()?.steps;
    programs
        .iter()
        .all(|p| p.stepping.as_ref().map(|s| s.steps) == Some(first))
        .then_some(first)
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
            paired_steps: match common_steps(programs) {
                None => Vec::new(),
                Some(steps) => pairings
                    .iter()
                    .map(|p| {
                        vec![vec![PairedAccumulator::default(); steps as usize]; p.quantities.len()]
                    })
                    .collect(),
            },
        }
    }

    pub fn merge(&mut self, other: &ManyResult) {
        for (a, b) in self.each.iter_mut().zip(&other.each) {
            a.merge(b);
        }
        for (a, b) in self.paired.iter_mut().zip(&other.paired) {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        }
        for (a, b) in self.paired_steps.iter_mut().zip(&other.paired_steps) {
            for (xs, ys) in a.iter_mut().zip(b) {
                for (x, y) in xs.iter_mut().zip(ys) {
                    x.merge(y);
                }
            }
        }
    }
}

impl PairedAccumulator {
    pub fn merge(&mut self, other: &PairedAccumulator) {
        self.moments.merge(&other.moments);
        self.dropped += other.dropped;
    }

    /// Adds the pairs (x[i], y[i]) of one block where both are finite.
    fn add(&mut self, x: &Values, y: &Values, n: usize, xs: &mut Vec<f64>, ys: &mut Vec<f64>) {
        xs.clear();
        ys.clear();
        for i in 0..n {
            let (a, b) = (x.get(i), y.get(i));
            if a.is_finite() && b.is_finite() {
                xs.push(a);
                ys.push(b);
            }
        }
        self.dropped += (n - xs.len()) as u64;
        self.moments.merge(&PairedMoments::of(xs, ys));
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
                ws.run_observed(program, &mut rngs, n, &mut |step, ws| {
                    acc.add_step(program, step, ws, first, n, &mut scratch)
                });
                acc.add_block(program, &ws, first, n, &mut scratch);
            }
        }
        return result;
    }
    let mut rngs: Vec<Vec<Uniforms>> = programs.iter().map(streams).collect();
    let mut workspaces: Vec<Workspace> = programs.iter().map(Workspace::new).collect();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let stepped = !result.paired_steps.is_empty();
    // Stepped and compared step by step: each program's compared values
    // at every step of the block, `kept[k][q][(s - 1) * n..s * n]` (events
    // true by step s, outputs at step s), paired once every program has run
    // the block; one buffer per program and quantity, reused block to block.
    let mut kept: Vec<Vec<Vec<f64>>> = programs
        .iter()
        .map(|p| vec![Vec::new(); if stepped { p.quantities.len() } else { 0 }])
        .collect();
    for (first, n) in span.blocks() {
        for (k, program) in programs.iter().enumerate() {
            let acc = &mut result.each[k];
            let keep = &mut kept[k];
            for per in keep.iter_mut() {
                per.clear();
            }
            workspaces[k].run_observed(program, &mut rngs[k], n, &mut |step, ws| {
                acc.add_step(program, step, ws, first, n, &mut scratch);
                for (per, q) in keep.iter_mut().zip(&program.quantities) {
                    let values = ws.read(q.value, n);
                    per.extend((0..n).map(|i| values.get(i)));
                }
            });
            acc.add_block(program, &workspaces[k], first, n, &mut scratch);
        }
        for (p, pairing) in pairings.iter().enumerate() {
            let (pb, po) = (&programs[pairing.base], &programs[pairing.other]);
            let (wb, wo) = (&workspaces[pairing.base], &workspaces[pairing.other]);
            for (j, &(qb, qo)) in pairing.quantities.iter().enumerate() {
                let (x, y) = (
                    wb.read(pb.quantities[qb].value, n),
                    wo.read(po.quantities[qo].value, n),
                );
                result.paired[p][j].add(&x, &y, n, &mut xs, &mut ys);
                if stepped {
                    let (kb, ko) = (&kept[pairing.base][qb], &kept[pairing.other][qo]);
                    for (s, acc) in result.paired_steps[p][j].iter_mut().enumerate() {
                        let at = s * n..(s + 1) * n;
                        let (x, y) = (Values::Column(&kb[at.clone()]), Values::Column(&ko[at]));
                        acc.add(&x, &y, n, &mut xs, &mut ys);
                    }
                }
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
/// from seed `stream_seeds[k]` (a Sobol design mixes two seeds this way),
/// one column per operand; an operand marked in `averaged` is, instead, its
/// mean over a stepped program's steps, in step order (a per-step random
/// node as one factor); otherwise its value after the run.
pub fn chunk_columns_averaged(
    program: &Program,
    stream_seeds: &[u64],
    chunk: u64,
    samples: u64,
    operands: &[Operand],
    averaged: &[bool],
) -> Vec<Vec<f64>> {
    let mut rngs = chunk_streams(program, Design::Mc, stream_seeds, chunk, samples);
    let span = ChunkSpan::of(chunk, samples);
    let mut ws = Workspace::new(program);
    let mut columns = vec![Vec::with_capacity(span.len); operands.len()];
    let steps = f64::from(program.stepping.as_ref().map_or(1, |s| s.steps));
    let mut sums: Vec<Vec<f64>> = vec![Vec::new(); operands.len()];
    for (_, n) in span.blocks() {
        for (sum, &mean) in sums.iter_mut().zip(averaged) {
            sum.clear();
            if mean {
                sum.resize(n, 0.0);
            }
        }
        ws.run_observed(program, &mut rngs, n, &mut |_, ws| {
            for ((sum, &op), &mean) in sums.iter_mut().zip(operands).zip(averaged) {
                if mean {
                    let values = ws.read(op, n);
                    sum.iter_mut()
                        .enumerate()
                        .for_each(|(i, s)| *s += values.get(i));
                }
            }
        });
        for (((column, &op), &mean), sum) in columns.iter_mut().zip(operands).zip(averaged).zip(&sums)
        {
            if mean {
                column.extend(sum.iter().map(|s| s / steps));
            } else {
                let values = ws.read(op, n);
                column.extend((0..n).map(|i| values.get(i)));
            }
        }
    }
    columns
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
