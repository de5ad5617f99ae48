//! What `sensitivity` (and `merge` of a Sobol analysis's parts) leaves
//! behind: its results (`SensitivityResults`), sensitivity.csv and
//! manifest.json, the text it prints and its section of report.html.

mod manifest;
pub(super) mod report;
pub mod sensitivity_csv;
pub mod terminal;

use crate::analysis::sensitivity::Sensitivity;
use crate::output::format::manifest::{AnalysisRun, ModelId};

#[derive(Debug, Clone)]
pub struct SensitivityResults {
    pub model: ModelId,
    pub quantity: String,
    pub bootstrap: usize,
    pub result: Sensitivity,
    pub run: AnalysisRun,
}
