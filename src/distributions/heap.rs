//! What a distribution holds on the heap, for `Job::heap_bytes`: an
//! estimate of the memory a built job keeps (quantile and count tables,
//! the values of discrete and empirical distributions). Tables shared
//! through an `Arc` are counted once.

use std::collections::HashSet;
use std::sync::Arc;

/// The shared allocations already counted, by address.
#[derive(Debug, Default)]
pub struct Seen(HashSet<usize>);

impl Seen {
    /// `bytes` of the allocation behind `shared`, unless it was counted.
    pub(crate) fn once<T: ?Sized>(
        &mut self,
        shared: &Arc<T>,
        bytes: impl FnOnce(&T) -> u64,
    ) -> u64 {
        if self.0.insert(Arc::as_ptr(shared) as *const u8 as usize) {
            bytes(shared)
        } else {
            0
        }
    }
}

/// The bytes of a vector's buffer.
pub(crate) fn vec_bytes<T>(v: &[T]) -> u64 {
    std::mem::size_of_val(v) as u64
}

/// An optional shared quantile table.
pub(crate) fn table(table: &Option<Arc<super::table::QuantileTable>>, seen: &mut Seen) -> u64 {
    table
        .as_ref()
        .map_or(0, |t| seen.once(t, super::table::QuantileTable::heap_bytes))
}

/// An optional shared count table.
pub(crate) fn count_table(table: &Option<Arc<super::lattice::CountTable>>, seen: &mut Seen) -> u64 {
    table
        .as_ref()
        .map_or(0, |t| seen.once(t, super::lattice::CountTable::heap_bytes))
}

impl super::Distribution {
    /// The heap memory the distribution holds (its size aside), shared
    /// tables counted once over `seen`.
    pub fn heap_bytes(&self, seen: &mut Seen) -> u64 {
        use super::Distribution as D;
        match self {
            D::Beta(d) => d.heap_bytes(seen),
            D::Gamma(d) => d.heap_bytes(seen),
            D::Exponential(d) => d.heap_bytes(seen),
            D::Lognormal(d) => d.heap_bytes(seen),
            D::StudentT(d) => d.heap_bytes(seen),
            D::Poisson(d) => d.heap_bytes(seen),
            D::Binomial(d) => d.heap_bytes(seen),
            D::NegativeBinomial(d) => d.heap_bytes(seen),
            D::Discrete(d) => d.heap_bytes(),
            D::Empirical(d) => d.heap_bytes(seen),
            D::Mixture(d) => d.heap_bytes(seen),
            D::Pert(d) => d.heap_bytes(seen),
            D::Constant(_)
            | D::Uniform(_)
            | D::Normal(_)
            | D::TruncatedNormal(_)
            | D::Triangular(_)
            | D::Bernoulli(_)
            | D::Weibull(_)
            | D::Loguniform(_)
            | D::Pareto(_) => 0,
        }
    }
}
