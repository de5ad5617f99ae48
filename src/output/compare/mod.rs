//! What `compare` (and `merge` of a comparison's parts) leaves behind: its
//! results (`CompareResults`), compare.csv and manifest.json, the text it
//! prints and its section of report.html.

pub mod compare_csv;
pub mod horizon_csv;
mod manifest;
pub(super) mod report;
pub mod terminal;

use crate::analysis::compare::Comparison;
use crate::output::format::manifest::{AnalysisRun, ModelId};

#[derive(Debug, Clone)]
pub struct CompareResults {
    pub comparison: Comparison,
    /// The base first, then the variants compared.
    pub models: Vec<ModelId>,
    /// The `set` assignments, as NAME=VALUE.
    pub set: Vec<String>,
    pub run: AnalysisRun,
}
