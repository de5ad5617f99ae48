//! The results of `compare`, `sweep` and `sensitivity` as the exporters see
//! them, and their files: the CSV of each, and a manifest in the shape all
//! analyses share.

use super::format::exporter::Exporter;
use super::format::manifest::{self, AnalysisRun, Manifest, ModelId};

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct RareResults {
    pub model: ModelId,
    pub quantity: String,
    pub estimate: crate::analysis::rare::RareEstimate,
    pub run: AnalysisRun,
}

impl Exporter<RareResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &RareResults) -> Result<Vec<u8>> {
        let e = &r.estimate;
        let levels: Vec<serde_json::Value> = e
            .levels
            .iter()
            .map(|l| {
                serde_json::json!({
                    "threshold": l.threshold,
                    "probability": l.probability,
                    "cov": l.cov,
                    "acceptance": l.acceptance,
                })
            })
            .collect();
        manifest::analysis(
            "rare",
            &[&r.model],
            &r.run,
            serde_json::json!({
                "method": e.method.name(),
                "quantity": r.quantity,
                "evaluations": e.evaluations,
                "level_probability": crate::analysis::rare::LEVEL_PROBABILITY,
                "levels": levels,
                "warnings": e.warnings,
            }),
        )
    }
}
