//! Points in standard normal space, each from a stream of its own keyed by
//! seed, level (or stage) and index.

use crate::engine::rng::{StreamRng, stream};
use statrs::distribution::{ContinuousCDF, Normal};

fn std_normal() -> Normal {
    Normal::standard()
}

/// Standard normal draws from a stream, by inverse transform.
pub(super) fn normals(rng: &mut StreamRng, out: &mut [f64]) {
    rng.fill_unit(out);
    let n = std_normal();
    for v in out {
        *v = n.inverse_cdf(*v);
    }
}

/// The stream of level (or stage) `level`, chain (or batch) `index`.
pub(super) fn rng_for(seed: u64, level: usize, index: u64) -> StreamRng {
    stream(seed ^ 0x7a7e_e7e9_75ee_d000, level as u64, index)
}

/// Samples of the first level or stage: `n` points of dimension `d`.
pub(super) fn fresh_points(seed: u64, level: usize, n: usize, d: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut z = vec![0.0; d];
            normals(&mut rng_for(seed, level, i as u64), &mut z);
            z
        })
        .collect()
}
