//! Shard part files (`part-K-of-N.json`): what one shard of a job computed,
//! with everything `merge` needs to check that parts belong together and to
//! write exactly what a single run would. A typed format, tagged by the
//! command; numbers that must survive exactly (accumulators, the confidence
//! level) are stored as u64 words.

use crate::engine::design::Design;
use crate::engine::program::{Operand, Program, Quantity, QuantityKind};
use crate::engine::{Pairing, RunSettings};
use crate::error::{Error, Result};
use crate::stats::interval::ProportionInterval;
use crate::stats::quantiles::{QuantileRequest, STANDARD_LEVELS};
use crate::summary::SummarySettings;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "gaprisk-part";
/// The layout's version: a part of another version is refused, named as
/// such, since its words would be read wrongly (CHANGELOG.md says what
/// each version changed).
pub const VERSION: u32 = 6;
/// The version of a stepped model's parts (language 1.2), which carry the
/// accumulators of every step. A static model's parts stay version 6, byte
/// for byte.
pub const STEPPED_VERSION: u32 = 7;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartFile {
    pub format: String,
    pub version: u32,
    pub gaprisk_version: String,
    pub seed: u64,
    pub samples: u64,
    pub design: String,
    pub chunk_size: u64,
    pub confidence_bits: u64,
    pub interval: String,
    /// The quantile levels reported, as u64 words (f64 bits).
    pub quantiles: Vec<u64>,
    /// (K, N): this is shard K of N.
    pub shard: (u64, u64),
    /// The chunks computed: [start, end).
    pub chunks: (u64, u64),
    pub job: PartJob,
}

/// What a shard of each command keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "lowercase")]
pub enum PartJob {
    Run {
        model: PartModel,
        /// Counts and sketches of the whole shard.
        exact: Vec<u64>,
        /// Per chunk, in order: moments and design units.
        ordered: Vec<Vec<u64>>,
    },
    Compare {
        /// The base first.
        models: Vec<PartModel>,
        pairings: Vec<PartPairing>,
        notes: Vec<String>,
        set: Vec<String>,
        exact: Vec<u64>,
        ordered: Vec<Vec<u64>>,
    },
    Sensitivity {
        model: PartModel,
        quantity: String,
        bootstrap: usize,
        /// The random nodes, in stream order.
        factors: Vec<String>,
        /// Per chunk: its length, then the model's values for each of the
        /// 2d + 2 columns of the Sobol design (A, B, AB_i, BA_i).
        ordered: Vec<Vec<u64>>,
    },
}

impl PartJob {
    pub fn command(&self) -> &'static str {
        match self {
            PartJob::Run { .. } => "run",
            PartJob::Compare { .. } => "compare",
            PartJob::Sensitivity { .. } => "sensitivity",
        }
    }

    /// Whether a model of the job runs in time steps (part version 7).
    pub fn is_stepped(&self) -> bool {
        match self {
            PartJob::Run { model, .. } | PartJob::Sensitivity { model, .. } => model.steps.is_some(),
            PartJob::Compare { models, .. } => models.iter().any(|m| m.steps.is_some()),
        }
    }

    /// The model a message names the part by (the base, for compare).
    pub fn model(&self) -> &PartModel {
        match self {
            PartJob::Run { model, .. } | PartJob::Sensitivity { model, .. } => model,
            PartJob::Compare { models, .. } => &models[0],
        }
    }

    /// The per-chunk records, in chunk order.
    pub fn ordered(&self) -> &[Vec<u64>] {
        match self {
            PartJob::Run { ordered, .. }
            | PartJob::Compare { ordered, .. }
            | PartJob::Sensitivity { ordered, .. } => ordered,
        }
    }

    /// What merges exactly once per part (none for a Sobol design).
    pub fn exact(&self) -> &[u64] {
        match self {
            PartJob::Run { exact, .. } | PartJob::Compare { exact, .. } => exact,
            PartJob::Sensitivity { .. } => &[],
        }
    }

    /// Everything but the data: equal for parts of one job.
    fn identity(&self) -> PartJob {
        let mut id = self.clone();
        match &mut id {
            PartJob::Run { exact, ordered, .. } | PartJob::Compare { exact, ordered, .. } => {
                exact.clear();
                ordered.clear();
            }
            PartJob::Sensitivity { ordered, .. } => ordered.clear(),
        }
        id
    }
}

/// A model as a part file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartModel {
    pub name: String,
    pub title: Option<String>,
    pub file: String,
    pub hash: String,
    pub quantities: Vec<PartQuantity>,
    /// `[model] steps` of a stepped model (part version 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_unit: Option<String>,
    /// A stepped model's design dimensions (node-steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartQuantity {
    pub name: String,
    pub kind: QuantityKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartPairing {
    pub base: usize,
    pub other: usize,
    pub quantities: Vec<(usize, usize)>,
}

impl From<&Pairing> for PartPairing {
    fn from(p: &Pairing) -> Self {
        PartPairing {
            base: p.base,
            other: p.other,
            quantities: p.quantities.clone(),
        }
    }
}

impl From<&PartPairing> for Pairing {
    fn from(p: &PartPairing) -> Self {
        Pairing {
            base: p.base,
            other: p.other,
            quantities: p.quantities.clone(),
        }
    }
}

impl PartModel {
    /// A compiled model as read from `file`.
    pub fn of(
        name: &str,
        title: Option<&str>,
        file: &str,
        hash: &str,
        program: &Program,
    ) -> PartModel {
        PartModel {
            name: name.to_string(),
            title: title.map(str::to_string),
            file: file.to_string(),
            hash: hash.to_string(),
            quantities: program
                .quantities
                .iter()
                .map(|q| PartQuantity {
                    name: q.name.clone(),
                    kind: q.kind,
                })
                .collect(),
            steps: program.stepping.as_ref().map(|s| s.steps),
            step_unit: program.stepping.as_ref().and_then(|s| s.unit.clone()),
            dimensions: program.stepping.as_ref().map(|s| s.dimensions),
        }
    }

    /// A program that knows only the quantities: enough to accumulate and
    /// summarise.
    pub fn program(&self) -> Program {
        let quantities: Vec<Quantity> = self
            .quantities
            .iter()
            .map(|q| Quantity {
                name: q.name.clone(),
                kind: q.kind,
                value: Operand::Const(0.0),
            })
            .collect();
        let stepping = self.steps.map(|steps| {
            let mut stepping = crate::engine::program::Stepping::of_quantities(
                steps,
                self.step_unit.clone(),
                &quantities,
            );
            stepping.dimensions = self.dimensions.unwrap_or(0);
            stepping
        });
        Program {
            steps: Vec::new(),
            slots: 0,
            streams: Vec::new(),
            stream_nodes: Vec::new(),
            node_columns: Vec::new(),
            quantities,
            stepping,
        }
    }
}

fn design_from(name: &str) -> Option<Design> {
    [Design::Mc, Design::Lhs, Design::Qmc, Design::Antithetic]
        .into_iter()
        .find(|d| d.name() == name)
}

impl PartFile {
    /// A part of shard `shard` covering `chunks`, for `job`.
    pub fn new(
        settings: &RunSettings,
        summary: &SummarySettings,
        shard: (u64, u64),
        chunks: (u64, u64),
        job: PartJob,
    ) -> PartFile {
        let stepped = job.is_stepped();
        PartFile {
            format: FORMAT.into(),
            version: if stepped { STEPPED_VERSION } else { VERSION },
            gaprisk_version: env!("CARGO_PKG_VERSION").into(),
            seed: settings.seed,
            samples: settings.samples,
            design: settings.design.name().into(),
            chunk_size: crate::engine::CHUNK_SIZE,
            confidence_bits: summary.confidence.to_bits(),
            interval: summary.proportion_interval.name().into(),
            quantiles: settings
                .quantiles
                .levels()
                .iter()
                .map(|p| p.to_bits())
                .collect(),
            shard,
            chunks,
            job,
        }
    }

    /// `part-K-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("part-{}-of-{}.json", self.shard.0, self.shard.1)
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self)
            .map_err(|e| Error::io("cannot format the part file", std::io::Error::other(e)))
    }

    /// Reads a part from its bytes; `name` names it in errors.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<PartFile> {
        let corrupt = |reason: String| Error::CorruptPart {
            file: name.to_string(),
            reason,
        };
        // The header first, so that another version is named as such
        // rather than as a malformed file.
        #[derive(Deserialize)]
        struct Header {
            format: String,
            version: u32,
        }
        let header: Header = serde_json::from_slice(bytes)
            .map_err(|e| corrupt(format!("not a gaprisk part file ({e})")))?;
        if header.format != FORMAT || !(VERSION..=STEPPED_VERSION).contains(&header.version) {
            return Err(corrupt(format!(
                "part format {} version {} (this gaprisk reads {FORMAT} versions {VERSION} and \
                 {STEPPED_VERSION})",
                header.format, header.version
            )));
        }
        let part: PartFile = serde_json::from_slice(bytes)
            .map_err(|e| corrupt(format!("not a gaprisk part file ({e})")))?;
        match (part.job.is_stepped(), part.version) {
            (true, v) if v != STEPPED_VERSION => Err(corrupt(format!(
                "part version {v} has no horizon; this stepped model needs version {STEPPED_VERSION}"
            ))),
            (false, STEPPED_VERSION) => Err(corrupt(format!(
                "part version {STEPPED_VERSION} is for stepped models, and this one has no steps"
            ))),
            _ => Ok(part),
        }
    }

    /// The settings that must agree between parts, as one comparable value.
    fn identity(&self) -> impl PartialEq + std::fmt::Debug + '_ {
        (
            self.seed,
            self.samples,
            &self.design,
            self.chunk_size,
            self.confidence_bits,
            &self.interval,
            &self.quantiles,
            self.shard.1,
            self.job.identity(),
        )
    }

    pub fn settings(&self) -> Result<(RunSettings, SummarySettings)> {
        let corrupt = |reason: String| Error::CorruptPart {
            file: self.file_name(),
            reason,
        };
        let design = design_from(&self.design)
            .ok_or_else(|| corrupt(format!("unknown design '{}'", self.design)))?;
        let interval: ProportionInterval = self
            .interval
            .parse()
            .map_err(|_| corrupt(format!("unknown interval '{}'", self.interval)))?;
        let confidence = f64::from_bits(self.confidence_bits);
        let levels: Vec<f64> = self.quantiles.iter().map(|&b| f64::from_bits(b)).collect();
        let extra: Vec<f64> = levels
            .iter()
            .copied()
            .filter(|p| !STANDARD_LEVELS.contains(p))
            .collect();
        let quantiles = QuantileRequest::new(&extra, confidence).map_err(corrupt)?;
        if quantiles.levels() != levels.as_slice() {
            return Err(corrupt("its quantile levels are not in order".into()));
        }
        Ok((
            RunSettings {
                samples: self.samples,
                seed: self.seed,
                design,
                quantiles,
            },
            SummarySettings {
                confidence: f64::from_bits(self.confidence_bits),
                proportion_interval: interval,
            },
        ))
    }
}

/// Checks that `parts` (with their names) belong together and cover every
/// chunk exactly once; returns them in chunk order.
pub fn check_parts(mut parts: Vec<(String, PartFile)>) -> Result<Vec<(String, PartFile)>> {
    let Some((first_path, first)) = parts.first() else {
        return Err(Error::PartMismatch(
            "merge needs at least one part file".into(),
        ));
    };
    for (path, p) in &parts[1..] {
        if p.identity() != first.identity() {
            let what = if p.job.model().hash != first.job.model().hash {
                "another model".to_string()
            } else if p.seed != first.seed {
                format!("seed {} (not {})", p.seed, first.seed)
            } else if p.samples != first.samples {
                format!("{} samples (not {})", p.samples, first.samples)
            } else if p.shard.1 != first.shard.1 {
                format!("a split into {} shards (not {})", p.shard.1, first.shard.1)
            } else {
                "other settings (design, confidence, interval or quantiles)".to_string()
            };
            return Err(Error::PartMismatch(format!(
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
            return Err(Error::PartMismatch(format!(
                "chunks {covered}..{} are missing: no part covers them (shard {} of {} is not among the parts?)",
                p.chunks.0,
                covered * shards / total.max(1) + 1,
                shards
            )));
        }
        if p.chunks.0 < covered {
            return Err(Error::PartMismatch(format!(
                "{path} and {} both cover chunks {}..{} (a part given twice?)",
                parts[i - 1].0,
                p.chunks.0,
                covered.min(p.chunks.1)
            )));
        }
        covered = p.chunks.1;
    }
    if covered < total {
        return Err(Error::PartMismatch(format!(
            "chunks {covered}..{total} are missing: no part covers them (the last shard is not among the parts?)"
        )));
    }
    Ok(parts)
}
