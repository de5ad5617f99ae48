//! A run's `manifest.json`: the model, the settings and what produced the
//! files beside it.

use super::{RunResults, StoppingOutcome};
use crate::engine::CHUNK_SIZE;
use crate::error::{Error, Result};
use crate::output::format::exporter::Exporter;
use crate::output::format::manifest::{self, Manifest};
use serde::Serialize;

#[derive(Serialize)]
struct ManifestJson<'a> {
    gaprisk_version: &'static str,
    model: ModelJson<'a>,
    seed: u64,
    samples: u64,
    chunk_size: u64,
    confidence: f64,
    event_interval: &'static str,
    threads: usize,
    created: String,
    elapsed_seconds: f64,
    files: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    stopping: Option<&'a StoppingOutcome>,
    /// Interrupted: the results cover the completed chunks only.
    partial: bool,
}

#[derive(Serialize)]
struct ModelJson<'a> {
    name: &'a str,
    title: Option<&'a str>,
    file: &'a str,
    /// SHA-256 of the resolved model's canonical form.
    hash: &'a str,
    /// A stepped model's steps (language 1.2); absent for a static one.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    steps: Option<&'a super::StepsInfo>,
}

impl Exporter<RunResults> for Manifest {
    fn file_name(&self) -> &'static str {
        manifest::FILE_NAME
    }

    fn serialize(&self, r: &RunResults) -> Result<Vec<u8>> {
        let json = ManifestJson {
            gaprisk_version: env!("CARGO_PKG_VERSION"),
            model: ModelJson {
                name: &r.model_name,
                title: r.model_title.as_deref(),
                file: &r.model_file,
                hash: &r.model_hash,
                steps: r.steps.as_ref(),
            },
            seed: r.seed,
            samples: r.samples,
            chunk_size: CHUNK_SIZE,
            confidence: r.summary.confidence,
            event_interval: r.summary.proportion_interval.name(),
            threads: r.threads,
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            elapsed_seconds: (r.elapsed_seconds * 1000.0).round() / 1000.0,
            files: &r.files,
            stopping: r.stopping.as_ref(),
            partial: r.partial,
        };
        let mut bytes = serde_json::to_vec_pretty(&json)
            .map_err(|e| Error::io("cannot format manifest.json", std::io::Error::other(e)))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
