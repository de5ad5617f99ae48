//! One chunk, evaluated from its own streams block by block into its
//! accumulators (and, if asked, its rows of per-sample values).

use super::accumulate::{Accumulators, Windows};
use super::chunk::ChunkSpan;
use super::design::chunk_streams;
use super::eval::{Values, Workspace};
use super::program::{Program, QuantityKind};
use super::settings::RunSettings;

/// Formats one block of per-sample values (`Program::draw_operands`, in
/// order) as bytes: the first sample, the samples, the steps (0 for a
/// static program; else each column holds samples x steps values,
/// sample-major); runs on the worker threads, so it must be `Sync`.
pub type DrawsEncoder<'a> = &'a (dyn Fn(u64, usize, u32, &[Values], &mut Vec<u8>) + Sync);

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
    draws: Option<DrawsEncoder>,
) -> ChunkResult {
    evaluate(program, settings, windows, chunk, draws, None)
}

/// Evaluates one chunk as `evaluate_chunk` does and also keeps every
/// output's values, in sample order (`kept[q]`; empty for an event), so
/// that they can be counted finely once the windows are known (the pilot).
pub(crate) fn evaluate_chunk_keeping(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsEncoder>,
) -> (ChunkResult, Vec<Vec<f64>>) {
    let len = ChunkSpan::of(chunk, settings.samples).len;
    let kept = program.quantities.iter().map(|q| match q.kind {
        QuantityKind::Output => Vec::with_capacity(len),
        QuantityKind::Event => Vec::new(),
    });
    let mut kept: Vec<Vec<f64>> = kept.collect();
    let result = evaluate(program, settings, windows, chunk, draws, Some(&mut kept));
    (result, kept)
}

fn evaluate(
    program: &Program,
    settings: &RunSettings,
    windows: &Windows,
    chunk: u64,
    draws: Option<DrawsEncoder>,
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
    let steps = program.stepping.as_ref().map_or(0, |s| s.steps);
    // A stepped program's draws: every operand at every step of a block,
    // sample-major (`by_sample[op][i * steps + s - 1]`).
    let mut by_sample: Vec<Vec<f64>> = vec![Vec::new(); if steps > 0 { operands.len() } else { 0 }];
    for (first, n) in span.blocks() {
        for column in &mut by_sample {
            column.resize(n * steps as usize, 0.0);
        }
        ws.run_observed(program, &mut rngs, n, &mut |step, ws| {
            acc.add_step(program, step, ws, first, n, &mut scratch);
            for (column, &op) in by_sample.iter_mut().zip(&operands) {
                let values = ws.read(op, n);
                for i in 0..n {
                    column[i * steps as usize + step as usize - 1] = values.get(i);
                }
            }
        });
        acc.add_block(program, &ws, first, n, &mut scratch);
        if let Some(format) = draws {
            let values: Vec<Values> = if steps > 0 {
                by_sample.iter().map(|c| Values::Column(c)).collect()
            } else {
                operands.iter().map(|&op| ws.read(op, n)).collect()
            };
            format(first, n, steps, &values, &mut bytes);
        }
        if let Some(kept) = keep.as_deref_mut() {
            for (values, q) in kept.iter_mut().zip(&program.quantities) {
                match ws.read(q.value, n) {
                    _ if q.kind != QuantityKind::Output => {}
                    Values::Column(c) => values.extend_from_slice(c),
                    Values::Constant(x, n) => values.extend(std::iter::repeat_n(x, n)),
                }
            }
        }
    }
    ChunkResult { acc, draws: bytes }
}
