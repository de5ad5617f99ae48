//! What a run's samples depend on, and what it reports of them.

use super::chunk::chunk_count;
use super::design::Design;
use crate::stats::quantiles::QuantileRequest;

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
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
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
