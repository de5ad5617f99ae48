//! Runs a program over many samples: fixed-size chunks, each with its own
//! random streams, evaluated in parallel and merged in chunk order.

use super::accumulate::Accumulators;
use super::eval::{BLOCK, Workspace};
use super::program::Program;
use super::rng;
use crate::error::{Error, Result};
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
    let mut rngs: Vec<rng::StreamRng> = program
        .streams
        .iter()
        .map(|&id| rng::stream(settings.seed, chunk, id))
        .collect();
    let mut ws = Workspace::new(program);
    let mut acc = Accumulators::new(program);
    let mut scratch = Vec::new();
    let mut draws = Vec::new();
    let mut done = 0;
    while done < len {
        let n = BLOCK.min(len - done);
        ws.run(program, &mut rngs, n);
        acc.add_block(program, &ws, n, &mut scratch);
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

/// Runs `program` and returns the merged accumulators. `progress` is told
/// how many samples are done after each wave of chunks.
pub fn run(
    program: &Program,
    settings: &RunSettings,
    mut draws: Option<DrawsSink>,
    progress: &mut dyn FnMut(u64),
) -> Result<Accumulators> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", settings.threads)))?;
    let wave = (pool.current_num_threads() * 4) as u64;
    let chunks = settings.chunks();
    let want_draws = draws.is_some();
    let mut total = Accumulators::new(program);
    let mut next = 0;
    while next < chunks {
        let end = (next + wave).min(chunks);
        // Chunks of a wave run in parallel; `collect` keeps chunk order, and
        // merging in that order makes the result independent of scheduling.
        let results: Vec<ChunkResult> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|c| run_chunk(program, settings, c, want_draws))
                .collect()
        });
        for r in results {
            total.merge(&r.acc);
            if let Some(sink) = draws.as_mut() {
                sink.out
                    .write_all(&r.draws)
                    .map_err(|e| Error::io("cannot write draws", e))?;
            }
        }
        progress(total.samples);
        next = end;
    }
    Ok(total)
}
