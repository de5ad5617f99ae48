//! The distribution of an output as histogram bins, read from its quantile
//! sketch. Every bin edge is a bucket boundary of the sketch, so each bin's
//! count is the exact number of samples in it, not an estimate.

use crate::engine::{Accumulators, QuantityAccumulator};
use crate::stats::sketch::{QuantileSketch, boundary_at_or_above};

/// Bins asked for; bins narrower than the sketch's buckets merge, so a
/// histogram may have fewer.
pub const BINS: usize = 40;

/// A positive quantity whose largest value is at least this many times its
/// smallest positive one spans decades: its bins are log-spaced.
pub const LOG_SPAN: f64 = 100.0;

/// `count` samples between `low` and `high`. A bin with `low == high == 0`
/// is the exact atom at zero of a quantity with log-spaced bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
}

/// Each quantity's histogram: its output's, or none for an event.
pub fn histograms(acc: &Accumulators) -> Vec<Vec<Bin>> {
    acc.quantities
        .iter()
        .map(|q| match q {
            QuantityAccumulator::Output { sketch, .. } => histogram(sketch),
            QuantityAccumulator::Event { .. } => Vec::new(),
        })
        .collect()
}

/// The histogram of the values a sketch has seen; empty if it has none.
pub fn histogram(sketch: &QuantileSketch) -> Vec<Bin> {
    let buckets = sketch.buckets();
    if buckets.is_empty() {
        return Vec::new();
    }
    let (min, max) = (sketch.min(), sketch.max());
    if min == max {
        return vec![Bin {
            low: min,
            high: max,
            count: sketch.count(),
        }];
    }
    let smallest_positive = if min > 0.0 {
        Some(min)
    } else {
        buckets.iter().find(|b| b.low > 0.0).map(|b| b.low)
    };
    let log = match smallest_positive {
        Some(low) if min >= 0.0 => max / low >= LOG_SPAN,
        _ => false,
    };
    let mut bins = Vec::new();
    let (first, targets): (f64, Vec<f64>) = if log {
        let low = smallest_positive.expect("log bins need a positive value");
        let zeros: u64 = buckets
            .iter()
            .filter(|b| b.high == 0.0)
            .map(|b| b.count)
            .sum();
        if zeros > 0 {
            bins.push(Bin {
                low: 0.0,
                high: 0.0,
                count: zeros,
            });
        }
        let (a, b) = (low.ln(), max.ln());
        let targets = (1..BINS)
            .map(|j| (a + (b - a) * j as f64 / BINS as f64).exp())
            .collect();
        (low, targets)
    } else {
        let targets = (1..BINS)
            .map(|j| min + (max - min) * j as f64 / BINS as f64)
            .collect();
        (min, targets)
    };
    // Interior edges move up to the next bucket boundary, so that no bucket
    // straddles two bins; edges that meet merge their bins.
    let mut edges = vec![first];
    for t in targets {
        let edge = boundary_at_or_above(t).min(max);
        if edge > *edges.last().expect("edges start with one") {
            edges.push(edge);
        }
    }
    if max > *edges.last().expect("edges start with one") {
        edges.push(max);
    }
    let offset = bins.len();
    bins.extend(edges.windows(2).map(|w| Bin {
        low: w[0],
        high: w[1],
        count: 0,
    }));
    for b in &buckets {
        if log && b.high == 0.0 {
            continue; // the atom at zero, counted above
        }
        // A bucket's lowest value decides its bin: it lies wholly within.
        let at = b.low.max(first);
        let i = edges
            .partition_point(|&e| e <= at)
            .clamp(1, edges.len() - 1)
            - 1;
        bins[offset + i].count += b.count;
    }
    bins
}

/// True when bins are log-spaced (as `histogram` chooses them): every bin
/// but an atom at zero is positive and they span `LOG_SPAN` or more.
pub fn log_spaced(bins: &[Bin]) -> bool {
    let mut spread = bins.iter().filter(|b| !(b.low == 0.0 && b.high == 0.0));
    match (spread.next(), bins.last()) {
        (Some(first), Some(last)) => {
            bins.iter()
                .filter(|b| !(b.low == 0.0 && b.high == 0.0))
                .all(|b| b.low > 0.0)
                && last.high / first.low >= LOG_SPAN
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::Distribution;

    fn sketch_of(values: &[f64]) -> QuantileSketch {
        let mut s = QuantileSketch::default();
        values.iter().for_each(|&x| s.add(x));
        s
    }

    /// Every bin's count is the exact number of values in it: `[low, high)`
    /// for positive values, `(low, high]` for negative ones, the last bin
    /// closed; the counts add up to all values.
    fn check_exact(values: &[f64], bins: &[Bin]) {
        let total: u64 = bins.iter().map(|b| b.count).sum();
        assert_eq!(total, values.len() as u64);
        for (i, b) in bins.iter().enumerate() {
            let last = i + 1 == bins.len();
            let inside = |x: f64| {
                if b.low == 0.0 && b.high == 0.0 {
                    x == 0.0
                } else if x > 0.0 || (x == 0.0 && b.low <= 0.0 && b.high > 0.0) {
                    x >= b.low && (x < b.high || (last && x <= b.high))
                } else {
                    x > b.low && x <= b.high || (i == 0 && x == b.low)
                }
            };
            let n = values.iter().filter(|&&x| inside(x)).count() as u64;
            assert_eq!(n, b.count, "bin {i} [{}, {}]", b.low, b.high);
        }
        for w in bins.windows(2) {
            assert!(w[0].high <= w[1].low || w[0].high == 0.0, "{w:?}");
        }
    }

    fn draws(f: impl Fn(&mut rand_xoshiro::Xoshiro256PlusPlus) -> f64) -> Vec<f64> {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        (0..20_000).map(|_| f(&mut rng)).collect()
    }

    #[test]
    fn normal_values_get_linear_bins_with_exact_counts() {
        let normal = rand_distr::Normal::new(100.0, 10.0).unwrap();
        let values = draws(|r| normal.sample(r));
        let bins = histogram(&sketch_of(&values));
        assert!(!log_spaced(&bins));
        assert!(bins.len() > 30 && bins.len() <= BINS, "{}", bins.len());
        assert_eq!(
            bins[0].low,
            values.iter().cloned().fold(f64::INFINITY, f64::min)
        );
        check_exact(&values, &bins);
    }

    #[test]
    fn values_either_side_of_zero_have_exact_counts() {
        let normal = rand_distr::Normal::new(0.0, 3.0).unwrap();
        let mut values = draws(|r| normal.sample(r));
        values.extend([0.0; 500]);
        let bins = histogram(&sketch_of(&values));
        assert!(!log_spaced(&bins));
        check_exact(&values, &bins);
    }

    #[test]
    fn a_span_of_decades_gets_log_bins_and_a_zero_atom() {
        let lognormal = rand_distr::LogNormal::new(0.0, 2.0).unwrap();
        let mut values = draws(|r| lognormal.sample(r));
        values.extend([0.0; 700]);
        let bins = histogram(&sketch_of(&values));
        assert!(log_spaced(&bins));
        assert_eq!((bins[0].low, bins[0].high, bins[0].count), (0.0, 0.0, 700));
        // Log-spaced: the ratio of a bin's edges is about the same for all.
        let ratios: Vec<f64> = bins[1..].iter().map(|b| b.high / b.low).collect();
        let mid = ratios[ratios.len() / 2];
        assert!(
            ratios.iter().all(|r| (r / mid - 1.0).abs() < 0.05),
            "{ratios:?}"
        );
        check_exact(&values, &bins);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(histogram(&QuantileSketch::default()).is_empty());
        let bins = histogram(&sketch_of(&[2.5; 10]));
        assert_eq!(
            bins,
            vec![Bin {
                low: 2.5,
                high: 2.5,
                count: 10
            }]
        );
        // A range narrower than one bucket: fewer, merged bins, still exact.
        let values: Vec<f64> = (0..100).map(|i| 1000.0 + i as f64 / 1000.0).collect();
        let bins = histogram(&sketch_of(&values));
        assert!(bins.len() < 5);
        check_exact(&values, &bins);
    }
}
