//! A comparison's `manifest.json`: every model compared, the base first, and
//! the `set` assignments.

use super::CompareResults;
use crate::error::Result;
use crate::output::format::exporter::Exporter;
use crate::output::format::manifest::{self, Manifest, ModelId};

impl Exporter<CompareResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &CompareResults) -> Result<Vec<u8>> {
        let models: Vec<&ModelId> = r.models.iter().collect();
        manifest::analysis(
            "compare",
            &models,
            &r.run,
            serde_json::json!({
                "base": r.models[0].name,
                "set": r.set,
                "notes": r.comparison.notes,
            }),
        )
    }
}
