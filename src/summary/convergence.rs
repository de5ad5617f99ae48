//! How each estimate settled: the estimate and its interval after the
//! chunks merged so far, recorded at chunk boundaries in chunk order, so it
//! is the same at any thread count and after a merge of shards.

use super::{Estimate, SummarySettings, estimate};
use crate::engine::Accumulators;

/// The boundary after `chunks` chunks is recorded if it is one of 1, 2, ...,
/// 10, then about every 10% more chunks: some 80 rows at 10^8 samples.
fn next_recorded(chunks: u64) -> u64 {
    (chunks + 1).max((chunks as f64 * 1.1).ceil() as u64)
}

/// The estimates at one chunk boundary, one per quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvergencePoint {
    pub samples: u64,
    pub estimates: Vec<Estimate>,
}

/// Records estimates as chunks are merged, in order.
#[derive(Debug, Clone)]
pub struct Convergence {
    settings: SummarySettings,
    chunks: u64,
    next: u64,
    points: Vec<ConvergencePoint>,
}

impl Convergence {
    pub fn new(settings: SummarySettings) -> Self {
        Convergence {
            settings,
            chunks: 0,
            next: 1,
            points: Vec::new(),
        }
    }

    /// Call after each chunk is merged into `acc`, in chunk order; returns
    /// the point if this boundary is recorded.
    pub fn observe(&mut self, acc: &Accumulators) -> Option<&ConvergencePoint> {
        self.chunks += 1;
        if self.chunks != self.next {
            return None;
        }
        self.next = next_recorded(self.chunks);
        self.record(acc);
        self.points.last()
    }

    /// The points, ending with the state of `acc` (the final one).
    pub fn finish(mut self, acc: &Accumulators) -> Vec<ConvergencePoint> {
        if self.points.last().map(|p| p.samples) != Some(acc.samples) && acc.samples > 0 {
            self.record(acc);
        }
        self.points
    }

    fn record(&mut self, acc: &Accumulators) {
        let estimates = (0..acc.quantities.len())
            .map(|i| estimate(acc, i, &self.settings))
            .collect();
        self.points.push(ConvergencePoint {
            samples: acc.samples,
            estimates,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::next_recorded;

    #[test]
    fn recorded_boundaries_grow_geometrically() {
        let mut at = vec![1u64];
        while *at.last().unwrap() < 6104 {
            at.push(next_recorded(*at.last().unwrap()));
        }
        assert_eq!(&at[..12], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]);
        // 10^8 samples are 6104 chunks: fewer than 90 rows per quantity.
        assert!(at.len() < 90, "{}", at.len());
    }
}
