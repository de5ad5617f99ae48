//! Shard part files (`part-K-of-N.json`): what one shard of a run computed,
//! with everything `gaprisk merge` needs to check that parts belong together
//! and to write exactly what a single run would. Numbers that must survive
//! exactly (accumulators, the confidence level) are stored as u64 words.

use crate::engine::design::Design;
use crate::engine::program::{Operand, Program, Quantity, QuantityKind};
use crate::engine::{Accumulators, RunSettings, parts};
use crate::error::{Error, Result};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "gaprisk-part";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartFile {
    pub format: String,
    pub version: u32,
    pub gaprisk_version: String,
    pub model_name: String,
    pub model_title: Option<String>,
    pub model_file: String,
    pub model_hash: String,
    /// (name, "event" or "output") for each quantity, in order.
    pub quantities: Vec<(String, String)>,
    pub seed: u64,
    pub samples: u64,
    pub design: String,
    pub chunk_size: u64,
    pub confidence_bits: u64,
    pub interval: String,
    /// (K, N): this is shard K of N.
    pub shard: (u64, u64),
    /// The chunks computed: [start, end).
    pub chunks: (u64, u64),
    /// Counts and sketches of the whole shard.
    pub exact: Vec<u64>,
    /// Per chunk, in order: moments and design units (run), or the model's
    /// values for the Sobol design (sensitivity).
    pub ordered: Vec<Vec<u64>>,
    /// `run` or `sensitivity`.
    #[serde(default = "run_command")]
    pub command: String,
    /// For sensitivity: the quantity analysed, the bootstrap count and the
    /// factors (random nodes) in stream order.
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub bootstrap: usize,
    #[serde(default)]
    pub factors: Vec<String>,
    /// For compare: the models (name, file, hash, quantities), the pairings
    /// and the notes.
    #[serde(default)]
    pub extra: serde_json::Value,
}

fn run_command() -> String {
    "run".into()
}

/// The chunks of shard k (1-based) of n: contiguous, as even as possible.
pub fn shard_range(k: u64, n: u64, chunks: u64) -> std::ops::Range<u64> {
    (k - 1) * chunks / n..k * chunks / n
}

fn design_from(name: &str) -> Option<Design> {
    [Design::Mc, Design::Lhs, Design::Qmc, Design::Antithetic]
        .into_iter()
        .find(|d| d.name() == name)
}

/// The model a part file describes.
pub struct PartModel {
    pub name: String,
    pub title: Option<String>,
    pub file: String,
    pub hash: String,
    pub quantities: Vec<(String, String)>,
}

impl PartModel {
    /// The header of a compiled model read from `file`.
    pub fn of(model: &crate::model::Model, program: &Program, file: &Path) -> PartModel {
        PartModel {
            name: model.name().to_string(),
            title: model.spec.info.title.clone(),
            file: file.display().to_string(),
            hash: model.spec.hash(),
            quantities: program
                .quantities
                .iter()
                .map(|q| (q.name.clone(), q.kind.as_str().to_string()))
                .collect(),
        }
    }
}

impl PartFile {
    /// A part of a `run` with the header filled in and no data yet; the
    /// other commands set `command` and their own fields on top.
    pub fn new(
        model: PartModel,
        settings: &RunSettings,
        summary: &SummarySettings,
        shard: (u64, u64),
        chunks: (u64, u64),
    ) -> PartFile {
        PartFile {
            format: FORMAT.into(),
            version: VERSION,
            gaprisk_version: env!("CARGO_PKG_VERSION").into(),
            model_name: model.name,
            model_title: model.title,
            model_file: model.file,
            model_hash: model.hash,
            quantities: model.quantities,
            seed: settings.seed,
            samples: settings.samples,
            design: settings.design.name().into(),
            chunk_size: crate::engine::CHUNK_SIZE,
            confidence_bits: summary.confidence.to_bits(),
            interval: summary.proportion_interval.name().into(),
            shard,
            chunks,
            exact: Vec::new(),
            ordered: Vec::new(),
            command: "run".into(),
            quantity: String::new(),
            bootstrap: 0,
            factors: Vec::new(),
            extra: serde_json::Value::Null,
        }
    }

    /// Writes the part as `part-K-of-N.json` in `dir` and says so unless
    /// `quiet`; `what` names the run in that line.
    pub fn write_shard(&self, dir: &Path, what: &str, quiet: bool) -> Result<()> {
        let ((k, n), (start, end)) = (self.shard, self.chunks);
        let file = dir.join(format!("part-{k}-of-{n}.json"));
        self.write(&file)?;
        if !quiet {
            println!(
                "{what}: shard {k} of {n}, chunks {start}..{end}; wrote {}",
                file.display()
            );
        }
        Ok(())
    }

    /// Writes the part atomically as JSON.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| Error::io("cannot format the part file", std::io::Error::other(e)))?;
        super::atomic::write(path, &bytes)
    }

    pub fn read(path: &Path) -> Result<PartFile> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        let part: PartFile = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Usage(format!("{}: not a gaprisk part file ({e})", path.display()))
        })?;
        if part.format != FORMAT || part.version != VERSION {
            return Err(Error::Usage(format!(
                "{}: part format {} version {} (this gaprisk reads {FORMAT} version {VERSION})",
                path.display(),
                part.format,
                part.version
            )));
        }
        Ok(part)
    }

    /// The settings that must agree between parts, as one comparable value.
    fn identity(&self) -> impl PartialEq + std::fmt::Debug + '_ {
        (
            &self.model_hash,
            &self.model_name,
            &self.quantities,
            self.seed,
            self.samples,
            &self.design,
            self.chunk_size,
            self.confidence_bits,
            &self.interval,
            self.shard.1,
            (
                &self.command,
                &self.quantity,
                self.bootstrap,
                &self.factors,
                &self.extra,
            ),
        )
    }

    pub fn settings(&self) -> Result<(RunSettings, SummarySettings)> {
        let design = design_from(&self.design)
            .ok_or_else(|| Error::Usage(format!("unknown design '{}'", self.design)))?;
        let interval = match self.interval.as_str() {
            "wilson" => ProportionInterval::Wilson,
            "clopper-pearson" => ProportionInterval::ClopperPearson,
            other => return Err(Error::Usage(format!("unknown interval '{other}'"))),
        };
        Ok((
            RunSettings {
                samples: self.samples,
                seed: self.seed,
                threads: 0,
                design,
            },
            SummarySettings {
                confidence: f64::from_bits(self.confidence_bits),
                proportion_interval: interval,
            },
        ))
    }

    /// A program that knows only the quantities: enough to accumulate and
    /// summarise.
    pub fn program(&self) -> Program {
        let mut p = program_of(&self.quantities);
        p.streams = (0..self.factors.len() as u64).collect();
        p.stream_nodes = self.factors.clone();
        p
    }
}

/// A program that knows only its quantities (name, "event"/"output").
pub fn program_of(quantities: &[(String, String)]) -> Program {
    {
        Program {
            steps: Vec::new(),
            slots: 0,
            streams: Vec::new(),
            stream_nodes: Vec::new(),
            node_columns: Vec::new(),
            quantities: quantities
                .iter()
                .map(|(name, kind)| Quantity {
                    name: name.clone(),
                    kind: if kind == "event" {
                        QuantityKind::Event
                    } else {
                        QuantityKind::Output
                    },
                    value: Operand::Const(0.0),
                })
                .collect(),
        }
    }
}

/// Checks that `parts` (with their paths) belong together and cover every
/// chunk exactly once; returns them in chunk order.
pub fn check_parts(mut parts: Vec<(String, PartFile)>) -> Result<Vec<(String, PartFile)>> {
    let Some((first_path, first)) = parts.first() else {
        return Err(Error::Usage("merge needs at least one part file".into()));
    };
    for (path, p) in &parts[1..] {
        if p.identity() != first.identity() {
            let what = if p.model_hash != first.model_hash {
                "another model".to_string()
            } else if p.seed != first.seed {
                format!("seed {} (not {})", p.seed, first.seed)
            } else if p.samples != first.samples {
                format!("{} samples (not {})", p.samples, first.samples)
            } else if p.shard.1 != first.shard.1 {
                format!("a split into {} shards (not {})", p.shard.1, first.shard.1)
            } else {
                "other settings (design, confidence or interval)".to_string()
            };
            return Err(Error::Usage(format!(
                "{path} does not belong with {first_path}: it is from {what}"
            )));
        }
    }
    let (samples, chunk_size, shards) = (first.samples, first.chunk_size, first.shard.1);
    parts.sort_by_key(|(_, p)| p.chunks.0);
    let total = samples.div_ceil(chunk_size);
    let mut covered = 0;
    for (i, (path, p)) in parts.iter().enumerate() {
        if p.chunks.0 > covered {
            return Err(Error::Usage(format!(
                "chunks {covered}..{} are missing: no part covers them (shard {} of {} is not among the parts?)",
                p.chunks.0,
                covered * shards / total.max(1) + 1,
                shards
            )));
        }
        if p.chunks.0 < covered {
            return Err(Error::Usage(format!(
                "{path} and {} both cover chunks {}..{} (a part given twice?)",
                parts[i - 1].0,
                p.chunks.0,
                covered.min(p.chunks.1)
            )));
        }
        covered = p.chunks.1;
    }
    if covered < total {
        return Err(Error::Usage(format!(
            "chunks {covered}..{total} are missing: no part covers them (the last shard is not among the parts?)"
        )));
    }
    Ok(parts)
}

/// The Sobol design's values of sensitivity parts, all rows in order: one
/// column per evaluation matrix (A, B, then the d mixed ones).
pub fn sobol_columns(parts: &[(String, PartFile)]) -> Result<Vec<Vec<f64>>> {
    let matrices = parts[0].1.factors.len() + 2;
    let mut f = vec![Vec::new(); matrices];
    for (path, p) in parts {
        for chunk in &p.ordered {
            let Some((&len, values)) = chunk.split_first() else {
                return Err(Error::Usage(format!("{path}: an empty chunk record")));
            };
            if values.len() as u64 != len * matrices as u64 {
                return Err(Error::Usage(format!(
                    "{path}: a chunk record of the wrong size"
                )));
            }
            for (column, part) in f.iter_mut().zip(values.chunks(len as usize)) {
                column.extend(part.iter().map(|&w| f64::from_bits(w)));
            }
        }
    }
    Ok(f)
}

/// Merges checked parts into the accumulators a single run would have had.
pub fn merge(parts: &[(String, PartFile)]) -> Result<Accumulators> {
    let (settings, _) = parts[0].1.settings()?;
    let program = parts[0].1.program();
    let mut total = Accumulators::new(&program, &settings);
    let bad = |path: &str, e: String| Error::Usage(format!("{path}: {e}"));
    for (path, p) in parts {
        for chunk in &p.ordered {
            parts::merge_ordered(&mut total, chunk).map_err(|e| bad(path, e))?;
        }
    }
    for (path, p) in parts {
        parts::merge_exact(&mut total, &p.exact).map_err(|e| bad(path, e))?;
    }
    Ok(total)
}
