//! How a run is cut up. A chunk (`CHUNK_SIZE` samples) is the unit of
//! reproducibility, parallel work, stopping, checkpoints and shards: its
//! streams are keyed by its index, and chunks are merged in index order. A
//! block (`BLOCK` samples) is the unit of evaluation within a chunk.

use std::ops::Range;

/// Samples per chunk. Part of the reproducibility contract: a chunk's
/// streams are seeded by its index, so changing this changes results.
pub const CHUNK_SIZE: u64 = 16_384;

/// Samples evaluated together: columns of this length stay in cache.
pub const BLOCK: usize = 1024;

/// Chunks in a run of `samples` samples (the last may be short).
pub fn chunk_count(samples: u64) -> u64 {
    samples.div_ceil(CHUNK_SIZE)
}

/// Samples in the chunks `range` of a run of `samples` samples.
pub fn samples_in(range: &Range<u64>, samples: u64) -> u64 {
    (range.end * CHUNK_SIZE).min(samples) - (range.start * CHUNK_SIZE).min(samples)
}

/// The chunks of shard k (1-based) of n: contiguous, as even as possible.
pub fn shard_range(k: u64, n: u64, chunks: u64) -> Range<u64> {
    // In u128: K and N may be any counts (a shard past the chunks is empty).
    let at = |k: u64| (u128::from(k) * u128::from(chunks) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

/// Where a chunk lies in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSpan {
    pub chunk: u64,
    /// Global index of its first sample.
    pub start: u64,
    pub len: usize,
    /// Samples in the whole run.
    pub samples: u64,
}

impl ChunkSpan {
    /// Chunk `chunk` of a run of `samples` samples.
    pub fn of(chunk: u64, samples: u64) -> ChunkSpan {
        let start = chunk * CHUNK_SIZE;
        ChunkSpan {
            chunk,
            start,
            len: CHUNK_SIZE.min(samples - start) as usize,
            samples,
        }
    }

    /// The chunk's blocks: (global index of the first sample, length).
    pub fn blocks(&self) -> impl Iterator<Item = (u64, usize)> + use<> {
        let (start, len) = (self.start, self.len);
        (0..len)
            .step_by(BLOCK)
            .map(move |done| (start + done as u64, BLOCK.min(len - done)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_tile_a_short_last_chunk() {
        let samples = 2 * CHUNK_SIZE + 1500;
        assert_eq!(chunk_count(samples), 3);
        let last = ChunkSpan::of(2, samples);
        assert_eq!((last.start, last.len), (2 * CHUNK_SIZE, 1500));
        let blocks: Vec<_> = last.blocks().collect();
        assert_eq!(
            blocks,
            vec![(2 * CHUNK_SIZE, 1024), (2 * CHUNK_SIZE + 1024, 476)]
        );
        assert_eq!(samples_in(&(1..3), samples), CHUNK_SIZE + 1500);
    }

    #[test]
    fn shards_cover_every_chunk_once() {
        for chunks in [1, 5, 17] {
            for n in 1..=chunks {
                let mut next = 0;
                for k in 1..=n {
                    let r = shard_range(k, n, chunks);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, chunks);
            }
        }
    }
}
