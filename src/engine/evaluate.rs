//! One chunk, evaluated from its own streams block by block into its
//! accumulators (and, if asked, its rows of per-sample values).

use super::accumulate::{Accumulators, Windows};
use super::chunk::ChunkSpan;
use super::design::chunk_streams;
use super::eval::{Values, Workspace};
use super::program::Program;
use super::settings::RunSettings;

/// Formats one block of per-sample values (`Program::draw_operands`, in
/// order) as bytes; runs on the worker threads, so it must be `Sync`.
pub type DrawsFormat<'a> = &'a (dyn Fn(u64, usize, &[Values], &mut Vec<u8>) + Sync);

pub(crate) struct ChunkResult {
    pub acc: Accumulators,
    pub draws: Vec<u8>,
}

/// Evaluates one chunk from its own streams, counting finely in `windows`.
pub(crate) fn evaluate_chunk(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsFormat>,
) -> ChunkResult {
    evaluate(program, settings, windows, chunk, draws, None)
}

/// Evaluates one chunk as `evaluate_chunk` does and also keeps every
/// quantity's values, in sample order (`kept[q]`), so that they can be
/// counted finely once the windows are known (the pilot).
pub(crate) fn evaluate_chunk_keeping(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsFormat>,
) -> (ChunkResult, Vec<Vec<f64>>) {
    let mut kept = vec![Vec::new(); program.quantities.len()];
    let result = evaluate(program, settings, windows, chunk, draws, Some(&mut kept));
    (result, kept)
}

fn evaluate(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsFormat>,
    mut keep: Option<&mut Vec<Vec<f64>>>,
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
        if let Some(kept) = keep.as_deref_mut() {
            for (values, q) in kept.iter_mut().zip(&program.quantities) {
                let column = ws.read(q.value, n);
                values.extend((0..n).map(|i| column.get(i)));
            }
        }
    }
    ChunkResult { acc, draws: bytes }
}
