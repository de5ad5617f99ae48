//! Runs one program over many samples: each chunk from its own random
//! streams, evaluated block by block, accumulated, and merged in chunk order.

use super::accumulate::Accumulators;
use super::cancel::Outcome;
use super::chunk::{ChunkSpan, chunk_count};
use super::design::{Design, chunk_streams};
use super::eval::{Values, Workspace};
use super::program::Program;
use super::refine::{self, Windows};
use super::schedule::{Flow, Pass, Workers, for_chunks_in};
use crate::error::Result;
use crate::stats::quantiles::QuantileRequest;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSettings {
    pub samples: u64,
    pub seed: u64,
    /// Where the uniforms come from; part of what results depend on.
    pub design: Design,
    /// The quantiles reported, which the run resolves finely.
    pub quantiles: QuantileRequest,
}

impl RunSettings {
    /// Settings that report the standard quantiles at 95% confidence.
    pub fn new(samples: u64, seed: u64, design: Design) -> RunSettings {
        RunSettings {
            samples,
            seed,
            design,
            quantiles: QuantileRequest::standard(0.95),
        }
    }

    pub fn chunks(&self) -> u64 {
        chunk_count(self.samples)
    }
}

/// Formats one block of per-sample values (`Program::draw_operands`, in
/// order) as bytes; runs on the worker threads, so it must be `Sync`.
pub type DrawsFormat<'a> = &'a (dyn Fn(u64, usize, &[Values], &mut Vec<u8>) + Sync);

/// Where the formatted per-sample rows of a run go, in sample order.
pub struct DrawsSink<'a> {
    pub format: DrawsFormat<'a>,
    pub write: &'a mut dyn FnMut(&[u8]) -> Result<()>,
}

pub(crate) struct ChunkResult {
    pub acc: Accumulators,
    draws: Vec<u8>,
}

/// Evaluates one chunk from its own streams, counting finely in `windows`.
pub(crate) fn evaluate_chunk(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsFormat>,
) -> ChunkResult {
    let span = ChunkSpan::of(chunk, settings.samples);
    let seeds = vec![settings.seed; program.streams.len()];
    let mut rngs = chunk_streams(program, settings.design, &seeds, chunk, settings.samples);
    let mut ws = Workspace::new(program);
    let mut acc = Accumulators::windowed(program, settings, windows);
    let mut scratch = Vec::new();
    let mut bytes = Vec::new();
    let operands = if draws.is_some() {
        program.draw_operands()
    } else {
        Vec::new()
    };
    for (first, n) in span.blocks() {
        ws.run(program, &mut rngs, n);
        acc.add_block(program, &ws, first, n, &mut scratch);
        if let Some(format) = draws {
            let values: Vec<Values> = operands.iter().map(|&op| ws.read(op, n)).collect();
            format(first, n, &values, &mut bytes);
        }
    }
    ChunkResult { acc, draws: bytes }
}

/// Runs `program` to the end, or until `done` says the accumulators are
/// good enough (asked after every chunk, in order), or until the workers'
/// token is cancelled. Returns the accumulators of the chunks absorbed,
/// with the fine counts its quantiles need (`refine`).
pub fn run_until(
    program: &Program,
    settings: &RunSettings,
    workers: &Workers,
    mut draws: Option<DrawsSink>,
    done: &mut dyn FnMut(&Accumulators) -> bool,
    progress: &mut dyn FnMut(u64),
) -> Result<(Accumulators, Pass)> {
    let format = draws.as_ref().map(|d| d.format);
    let windows = refine::pilot_windows(program, settings);
    let mut total = Accumulators::windowed(program, settings, &windows);
    let pass = for_chunks_in(
        workers,
        settings.samples,
        0..settings.chunks(),
        |c| evaluate_chunk(program, settings, &windows, c, format),
        |r: ChunkResult| {
            total.merge(&r.acc);
            if let Some(sink) = draws.as_mut() {
                (sink.write)(&r.draws)?;
            }
            Ok(if done(&total) {
                Flow::Stop
            } else {
                Flow::Continue
            })
        },
        progress,
    )?;
    if !pass.cancelled {
        refine::complete(
            program,
            settings,
            workers,
            0..pass.chunks,
            &mut total,
            &mut |_| {},
        )?;
    }
    Ok((total, pass))
}

/// Runs `program` over all its samples: the merged accumulators, or those
/// of the chunks done when the token was cancelled.
pub fn run(
    program: &Program,
    settings: &RunSettings,
    workers: &Workers,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome<Accumulators>> {
    let (acc, pass) = run_until(program, settings, workers, None, &mut |_| false, progress)?;
    Ok(if pass.cancelled {
        Outcome::Cancelled {
            samples_done: pass.samples,
            partial: Some(acc),
        }
    } else {
        Outcome::Completed(acc)
    })
}

/// Runs the chunks of `range`, counting finely in `windows` (the pilot's,
/// `refine::pilot_windows`), and hands each chunk's accumulators to
/// `absorb` in chunk order (shards and checkpoints keep them one by one).
pub fn run_chunks(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    workers: &Workers,
    range: Range<u64>,
    absorb: &mut dyn FnMut(Accumulators),
    progress: &mut dyn FnMut(u64),
) -> Result<Pass> {
    for_chunks_in(
        workers,
        settings.samples,
        range,
        |c| evaluate_chunk(program, settings, windows, c, None),
        |r: ChunkResult| {
            absorb(r.acc);
            Ok(Flow::Continue)
        },
        progress,
    )
}
