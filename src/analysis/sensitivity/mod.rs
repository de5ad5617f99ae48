//! Which assumption drives a quantity: variance-based Sobol indices with
//! bootstrap intervals, a tornado of one-at-a-time swings, and Spearman
//! rank correlations (Monte Carlo filtering is in `filter`).
//!
//! Sobol indices are put together in `sobol` from the design's evaluations
//! (`sobol_design`), the estimators (`sobol_estimators`) and their intervals
//! (`sobol_intervals`); `factors` is the plain run that rank correlations
//! and filtering read.

mod factors;
mod rank;
mod sobol;
mod sobol_design;
mod sobol_estimators;
mod sobol_intervals;
mod tornado;

pub(super) use factors::{factor_columns, random_nodes};
pub use rank::rank;
pub use sobol::{sobol, sobol_indices_from};
pub use sobol_design::sobol_evaluations;
pub use sobol_intervals::sobol_blocks;
pub use tornado::tornado;

use crate::engine::program::{Operand, Program};

/// One row of the results: a measure of one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub factor: String,
    /// `first_order`, `total`, `at_p10`, `at_p90`, `swing`, `spearman`.
    pub measure: &'static str,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The input's value for tornado rows (its 10th or 90th percentile).
    pub factor_value: f64,
}

crate::choice::choice! {
    /// What a sensitivity analysis measures.
    pub enum Method {
        /// First-order and total Sobol indices.
        Sobol = "sobol",
        /// Swings from the 10th to the 90th percentile of each input.
        Tornado = "tornado",
        /// Spearman rank correlations.
        Rank = "rank",
        /// Monte Carlo filtering of an event: Kolmogorov-Smirnov distances.
        Filter = "filter",
    }
}

crate::choice::choice! {
    /// Where Monte Carlo filtering draws the event's samples from.
    pub enum Sampler {
        /// A plain run of N samples.
        Plain = "plain",
        /// Subset simulation's samples of the event region (N per level).
        Subset = crate::analysis::rare::RareMethod::Subset.name(),
        /// Importance sampling's samples of the event region (N per stage).
        Is = crate::analysis::rare::RareMethod::ImportanceSampling.name(),
    }
}

impl Sampler {
    /// The rare-event search that finds the event's samples, if any.
    pub fn rare_method(self) -> Option<crate::analysis::rare::RareMethod> {
        use crate::analysis::rare::RareMethod;
        match self {
            Sampler::Plain => None,
            Sampler::Subset => Some(RareMethod::Subset),
            Sampler::Is => Some(RareMethod::ImportanceSampling),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub method: Method,
    pub samples: u64,
    /// Model evaluations made.
    pub evaluations: u64,
    /// Rows in rank order of the method's main measure, most influential first.
    pub rows: Vec<Measure>,
    /// The quantity's estimate in the unmodified model (mean or probability).
    pub reference: f64,
    pub notes: Vec<String>,
}

fn quantity_operand(program: &Program, quantity: usize) -> Operand {
    program.quantities[quantity].value
}
