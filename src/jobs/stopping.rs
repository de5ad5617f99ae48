//! Stopping rules: stop at the first chunk where the target's interval is
//! narrow enough.

use crate::engine::Accumulators;
use crate::engine::program::Program;
use crate::output::run::StoppingOutcome;
use crate::summary::{SummarySettings, summarise_one};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    Absolute(f64),
    Relative(f64),
}

impl Precision {
    fn met(self, half_width: f64, estimate: f64) -> bool {
        match self {
            Precision::Absolute(h) => half_width <= h,
            Precision::Relative(r) => half_width <= r * estimate.abs(),
        }
    }

    fn describe(self) -> String {
        match self {
            Precision::Absolute(h) => format!("half-width <= {h}"),
            Precision::Relative(r) => format!("half-width <= {r} x estimate"),
        }
    }
}

/// A rule bound to its target quantity.
#[derive(Debug, Clone, Copy)]
pub struct StoppingRule {
    pub precision: Precision,
    pub target: usize,
}

impl StoppingRule {
    /// Whether the accumulators so far meet the rule.
    pub fn met(&self, program: &Program, acc: &Accumulators, summary: &SummarySettings) -> bool {
        let s = summarise_one(program, acc, self.target, summary);
        self.precision.met((s.ci_high - s.ci_low) / 2.0, s.mean)
    }

    pub fn outcome(&self, program: &Program, reached: bool, samples: u64) -> StoppingOutcome {
        StoppingOutcome {
            rule: self.precision.describe(),
            target: program.quantities[self.target].name.clone(),
            reached,
            samples,
        }
    }
}
