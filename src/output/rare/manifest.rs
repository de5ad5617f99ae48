//! A rare-event estimate's `manifest.json`: the method and every level it
//! went through.

use super::RareResults;
use crate::error::Result;
use crate::output::format::exporter::Exporter;
use crate::output::format::manifest::{self, Manifest};

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
