//! Quantiles to the digit: which sketch buckets a run splits finely, and
//! completing the split after the run.
//!
//! Before the run, chunk 0 is evaluated alone (the *pilot*); each output's
//! window is the buckets that hold, in the pilot, every rank within six
//! standard deviations of each reported level (and one bucket either
//! side). The run then counts its values in those buckets finely. The
//! windows depend only on chunk 0, so they are the same at any thread
//! count and in every shard, and every chunk counts in the same buckets.
//! A plain run does not evaluate chunk 0 again: the pilot keeps its values
//! and counts them finely once the windows are known (`Pilot`).
//!
//! After the run, the buckets the final estimates and interval ends are
//! read from are known. A bucket the window missed (with six standard
//! deviations, about one level in a million runs, or a run resumed from a
//! checkpoint of another build) is completed by a *replay*: every chunk is
//! evaluated again from its own streams, which gives the same values, and
//! only the missing buckets are counted. The result is the same whether
//! the window held the buckets or the replay filled them in; only the time
//! differs.

use super::accumulate::{Accumulators, QuantityAccumulator, Windows};
use super::evaluate::{ChunkResult, DrawsEncoder, evaluate_chunk, evaluate_chunk_keeping};
use super::program::Program;
use super::schedule::{Flow, Pass, Workers, for_chunks_in};
use super::settings::RunSettings;
use crate::error::Result;
use crate::stats::fine::{FIRST_POSITIVE_SLOT, Window};
use crate::stats::quantiles::{QuantileReader, QuantileRequest};
use crate::stats::sketch::{Located, QuantileSketch};
use std::ops::Range;
use std::sync::Arc;

/// Standard deviations of a level's pilot estimate that its window covers.
const PILOT_SDS: f64 = 6.0;
/// The most buckets one level adds to a window: beyond it (a very spread
/// pilot), the buckets the pilot saw values in and their neighbours.
const MAX_LEVEL_SLOTS: i64 = 1024;

/// The windows the pilot's accumulators call for.
pub fn windows_from_pilot(pilot: &Accumulators, request: &QuantileRequest) -> Windows {
    Windows::new(
        pilot
            .quantities
            .iter()
            .map(|q| match q {
                QuantityAccumulator::Output { sketch, .. } => {
                    let slots = request
                        .levels()
                        .iter()
                        .flat_map(|&p| level_slots(sketch, p));
                    Window::new(slots.collect::<Vec<_>>()).map(Arc::new)
                }
                QuantityAccumulator::Event { .. } => None,
            })
            .collect(),
    )
}

/// The slots a level's window covers, from the pilot's sketch.
fn level_slots(pilot: &QuantileSketch, p: f64) -> Vec<i64> {
    let n = pilot.count();
    if n == 0 {
        return Vec::new();
    }
    let nf = n as f64;
    let reach = PILOT_SDS * (p * (1.0 - p) / nf).sqrt() + 2.0 / nf;
    let rank = |q: f64| ((q.clamp(0.0, 1.0) * nf).floor() as u64).min(n - 1);
    let slot = |r: u64| match pilot.locate(r) {
        Located::Slot { slot, .. } => Some(slot),
        Located::Zero => None,
    };
    let present: Vec<i64> = pilot.slots().iter().map(|&(s, _)| s).collect();
    // The band's ends, as slots (an end among the zeros is the nearest slot
    // on that side).
    let low = slot(rank(p - reach)).or_else(|| present.iter().copied().find(|&s| s > 0));
    let high = slot(rank(p + reach)).or_else(|| present.iter().copied().rfind(|&s| s < 0));
    let (Some(low), Some(high)) = (low, high) else {
        return Vec::new();
    };
    let (low, high) = (low.min(high) - 1, low.max(high) + 1);
    let valid = |s: &i64| !(-FIRST_POSITIVE_SLOT..FIRST_POSITIVE_SLOT).contains(s);
    let crosses_zero = low < 0 && high >= 0;
    if !crosses_zero && high - low < MAX_LEVEL_SLOTS {
        return (low..=high).filter(valid).collect();
    }
    // Too many buckets between the ends: those the pilot saw and their
    // neighbours, nearest the level's own bucket first.
    let centre = slot(rank(p)).unwrap_or(0);
    let mut near: Vec<i64> = present
        .iter()
        .filter(|&&s| low <= s && s <= high)
        .flat_map(|&s| [s - 1, s, s + 1])
        .filter(valid)
        .collect();
    near.sort_unstable_by_key(|&s| (s - centre).abs());
    near.truncate(MAX_LEVEL_SLOTS as usize);
    near
}

/// Chunk 0, evaluated before the run (on this thread), and the windows it
/// calls for.
pub(crate) struct Pilot {
    pub windows: Windows,
    /// Chunk 0's result, with its fine counts in `windows`: the run need
    /// not evaluate it again. None when there are no windows to choose.
    pub chunk: Option<ChunkResult>,
}

impl Pilot {
    /// Evaluates chunk 0 (formatting its draws if asked) unless the program
    /// has no output or the run no sample.
    pub(crate) fn run(
        program: &Program,
        settings: &RunSettings,
        draws: Option<DrawsEncoder>,
    ) -> Pilot {
        let none = Windows::none(program);
        if !needs_pilot(program, settings) {
            return Pilot {
                windows: none,
                chunk: None,
            };
        }
        let (mut chunk, kept) = evaluate_chunk_keeping(program, settings, &none, 0, draws);
        let windows = windows_from_pilot(&chunk.acc, &settings.quantiles);
        chunk.acc.note_fine(&windows, &kept);
        Pilot {
            windows,
            chunk: Some(chunk),
        }
    }
}

/// Whether there are windows to choose: an output, and samples.
fn needs_pilot(program: &Program, settings: &RunSettings) -> bool {
    let has_output = program
        .quantities
        .iter()
        .any(|q| q.kind == super::program::QuantityKind::Output);
    settings.samples > 0 && has_output
}

/// Evaluates chunk 0 on this thread and returns the windows it calls for
/// (none when the program has no output or the run no sample). For the
/// callers that do not absorb chunk 0 themselves (shards, checkpoints,
/// compare), so it keeps nothing of the chunk.
pub fn pilot_windows(program: &Program, settings: &RunSettings) -> Windows {
    let none = Windows::none(program);
    if !needs_pilot(program, settings) {
        return none;
    }
    let pilot = evaluate_chunk(program, settings, &none, 0, None).acc;
    windows_from_pilot(&pilot, &settings.quantiles)
}

/// The windows of the buckets the reported quantiles are read from that
/// `acc`'s fine counts do not cover; None if they cover them all.
pub fn missing(program: &Program, acc: &Accumulators) -> Option<Windows> {
    let request = &acc.request;
    let windows: Vec<Option<Arc<Window>>> = acc
        .quantities
        .iter()
        .map(|q| {
            let QuantityAccumulator::Output { sketch, fine, .. } = q else {
                return None;
            };
            let reader = QuantileReader { sketch, fine };
            let slots: Vec<i64> = request
                .levels()
                .iter()
                .flat_map(|&p| reader.needed_slots(p, request.confidence))
                .filter(|&s| !reader.complete(s))
                .collect();
            Window::new(slots).map(Arc::new)
        })
        .collect();
    let windows = Windows::new(windows);
    debug_assert_eq!(windows.len(), program.quantities.len());
    (!windows.is_empty()).then_some(windows)
}

/// Completes the fine counts of `acc`, the merged accumulators of `chunks`:
/// replays them if a reported quantile's bucket lacks fine counts. A
/// cancelled replay leaves `acc` as it was (those quantiles then have the
/// sketch's coarser resolution, which they report).
pub fn complete(
    program: &Program,
    settings: &RunSettings,
    workers: &Workers,
    chunks: Range<u64>,
    acc: &mut Accumulators,
    progress: &mut dyn FnMut(u64),
) -> Result<Pass> {
    let Some(windows) = missing(program, acc) else {
        return Ok(Pass {
            chunks: 0,
            samples: 0,
            cancelled: false,
        });
    };
    let mut replay = Accumulators::windowed(program, settings, &windows);
    let pass = for_chunks_in(
        workers,
        settings.samples,
        chunks,
        |c| evaluate_chunk(program, settings, &windows, c, None).acc,
        |chunk: Accumulators| {
            replay.merge(&chunk);
            Ok(Flow::Continue)
        },
        progress,
    )?;
    if !pass.cancelled {
        acc.add_fine(&replay);
    }
    Ok(pass)
}
