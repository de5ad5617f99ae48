//! `manifest.json`, which every result folder holds: what produced the
//! files beside it. Each command's manifest is in its folder (`run`'s
//! fields; an analysis's through `analysis`, the fields all analyses
//! share, with its own details).

use crate::engine::{CHUNK_SIZE, RunSettings};
use crate::error::{Error, Result};

/// manifest.json's exporter, for every command's results.
pub struct Manifest;

pub const FILE_NAME: &str = "manifest.json";

/// One model of an analysis, for its manifest.
struct ModelRef<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub hash: &'a str,
}

/// `manifest.json` of an analysis (compare, sweep, sensitivity, rare): the
/// same fields as `run`'s, with every model involved and the analysis's own
/// details.
struct AnalysisManifest<'a> {
    pub command: &'a str,
    pub models: Vec<ModelRef<'a>>,
    pub settings: &'a RunSettings,
    pub threads: usize,
    pub confidence: f64,
    pub elapsed_seconds: f64,
    pub files: &'a [String],
    pub details: serde_json::Value,
}

impl AnalysisManifest<'_> {
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let models: Vec<serde_json::Value> = self
            .models
            .iter()
            .map(|m| serde_json::json!({ "name": m.name, "file": m.file, "hash": m.hash }))
            .collect();
        let json = serde_json::json!({
            "gaprisk_version": env!("CARGO_PKG_VERSION"),
            "command": self.command,
            "models": models,
            "seed": self.settings.seed,
            "samples": self.settings.samples,
            "chunk_size": CHUNK_SIZE,
            "confidence": self.confidence,
            "threads": self.threads,
            "created": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            "elapsed_seconds": (self.elapsed_seconds * 1000.0).round() / 1000.0,
            "files": self.files,
            "details": self.details,
        });
        let mut bytes = serde_json::to_vec_pretty(&json)
            .map_err(|e| Error::io("cannot format manifest.json", std::io::Error::other(e)))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// A model as a manifest names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelId {
    pub name: String,
    pub file: String,
    pub hash: String,
}

impl ModelId {
    fn as_ref(&self) -> ModelRef<'_> {
        ModelRef {
            name: &self.name,
            file: &self.file,
            hash: &self.hash,
        }
    }
}

/// What every analysis manifest records besides its own details.
#[derive(Debug, Clone)]
pub struct AnalysisRun {
    pub settings: RunSettings,
    pub threads: usize,
    pub confidence: f64,
    pub elapsed_seconds: f64,
    pub files: Vec<String>,
}

/// The bytes of an analysis's manifest.json.
pub(in crate::output) fn analysis(
    command: &str,
    models: &[&ModelId],
    run: &AnalysisRun,
    details: serde_json::Value,
) -> Result<Vec<u8>> {
    AnalysisManifest {
        command,
        models: models.iter().map(|m| m.as_ref()).collect(),
        settings: &run.settings,
        threads: run.threads,
        confidence: run.confidence,
        elapsed_seconds: run.elapsed_seconds,
        files: &run.files,
        details,
    }
    .to_bytes()
}

/// A manifest with `"job_id"` as its first field: the service's copy of the
/// files a job wrote says which job it was. Every manifest is written by
/// `to_vec_pretty`, so it opens with `{` and a newline, and the field goes
/// right after.
pub fn with_job_id(manifest: &[u8], id: &str) -> Vec<u8> {
    match manifest.strip_prefix(b"{\n") {
        Some(rest) => {
            let id = serde_json::Value::String(id.to_string());
            let mut out = format!("{{\n  \"job_id\": {id},\n").into_bytes();
            out.extend_from_slice(rest);
            out
        }
        None => manifest.to_vec(),
    }
}
