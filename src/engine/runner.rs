//! Runs one program over many samples: each chunk from its own random
//! streams, evaluated block by block, accumulated, and merged in chunk order.

use super::accumulate::{Accumulators, Windows};
use super::cancel::Outcome;
use super::evaluate::{ChunkResult, evaluate_chunk};
use super::program::Program;
use super::refine;
use super::schedule::{Flow, Pass, Workers, for_chunks_in};
use crate::error::Result;
use std::ops::Range;
use std::sync::Mutex;

pub use super::evaluate::DrawsEncoder;
pub use super::settings::RunSettings;

/// Where the formatted per-sample rows of a run go, in sample order.
pub struct DrawsSink<'a> {
    pub format: DrawsEncoder<'a>,
    pub write: &'a mut dyn FnMut(&[u8]) -> Result<()>,
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
    let pilot = refine::Pilot::run(program, settings, format);
    let windows = pilot.windows;
    // Chunk 0 was evaluated by the pilot; it is absorbed in its turn.
    let first = Mutex::new(pilot.chunk);
    let mut total = Accumulators::windowed(program, settings, &windows);
    let pass = for_chunks_in(
        workers,
        settings.samples,
        0..settings.chunks(),
        |c| {
            // (A poisoned lock only means evaluating chunk 0 again.)
            let piloted = if c == 0 {
                first.lock().ok().and_then(|mut f| f.take())
            } else {
                None
            };
            piloted.unwrap_or_else(|| evaluate_chunk(program, settings, &windows, c, format))
        },
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
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
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
