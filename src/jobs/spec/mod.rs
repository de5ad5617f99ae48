//! What each command takes, declared once. A command's options are one
//! struct (`RunSpec`, `CompareSpec`, ... beside their jobs), and every shell
//! derives from it:
//!
//! - the CLI parses it with clap (`derive(clap::Args)` under the `cli`
//!   feature): a field's doc comment is its `--help`, its `arg` attribute
//!   its flag and default;
//! - the service and the Python package send it as JSON
//!   (`{"command", "model", "variants", "files", "options"}`, see
//!   `request`), read with serde into the same struct;
//! - the HTTP API's JSON Schema and the Python keywords come from the
//!   struct's schema (`schema`), so the doc comment is also the schema's
//!   description and serde's default its default.
//!
//! Options that only make sense on one machine (`threads`), or only on the
//! command line (`out`, `quiet`, `checkpoint`, ...), are fields too, marked
//! in the schema with `x-cli-only` (the service does not take them) and
//! `x-python` (which Python calls do: `local` for the in-process functions,
//! `client` for `gaprisk.Client`). `schema::Reach` reads those marks.

mod count;
pub mod request;
pub mod schema;

pub use count::Count;

use crate::engine::design::Design;
use crate::output::format::tabular::TableFormat;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The seed used when none is given: 25 September 2020, the situation the
/// flagship model describes.
pub const DEFAULT_SEED: u64 = 20_200_925;
/// Samples of `run`, `compare` and `sweep` when none are given.
pub const DEFAULT_SAMPLES: u64 = 1_000_000;
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// The most worker threads a job may ask for.
pub const MAX_THREADS: u64 = 1024;

/// The seed and confidence every estimating command takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct Estimation {
    /// Seed of every random stream (a whole number below 2^64).
    #[cfg_attr(feature = "cli", arg(long, short = 's', value_name = "S", default_value_t = Count(DEFAULT_SEED)))]
    pub seed: Count,
    /// Confidence level of every interval, in (0, 1).
    #[cfg_attr(feature = "cli", arg(long, value_name = "C", default_value_t = DEFAULT_CONFIDENCE))]
    pub confidence: f64,
}

impl Default for Estimation {
    fn default() -> Self {
        Estimation {
            seed: Count(DEFAULT_SEED),
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

/// How `run`, `compare` and `sweep` sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct Sampling {
    /// Samples to draw, at least 2; written 200000, 200_000 or 2e5 alike.
    #[cfg_attr(feature = "cli", arg(long, short = 'n', value_name = "N", default_value_t = Count(DEFAULT_SAMPLES)))]
    pub samples: Count,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub estimation: Estimation,
    /// Worker threads, at most 1024 [default: one per core]; results do not
    /// depend on it.
    #[cfg_attr(feature = "cli", arg(long, short = 'j', value_name = "T"))]
    #[schemars(extend("x-cli-only" = true, "x-python" = ["local"]))]
    pub threads: Option<Count>,
    /// Sampling design (compare takes mc or lhs).
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value_t = Design::Mc))]
    pub design: Design,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            samples: Count(DEFAULT_SAMPLES),
            estimation: Estimation::default(),
            threads: None,
            design: Design::Mc,
        }
    }
}

/// Where a command's result files go, which it writes, and whether it
/// prints them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct Outputs {
    /// Output folder, created if missing [default: a folder of results/
    /// named for the command and model: results/<model name>,
    /// results/compare-<base model name>, results/sweep-<model name>,
    /// results/sensitivity-<model name>-<quantity>-<method> or
    /// results/rare-<model name>-<event>-<method>; merge writes the
    /// unsharded command's].
    #[cfg_attr(feature = "cli", arg(long, short = 'o', value_name = "DIR"))]
    #[schemars(extend("x-cli-only" = true))]
    pub out: Option<PathBuf>,
    /// The format of the result tables (summary, quantiles, histogram,
    /// convergence, compare, sweep, sensitivity, rare).
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value_t = TableFormat::Csv))]
    #[schemars(extend("x-cli-only" = true, "x-python" = ["local", "client"]))]
    pub format: TableFormat,
    /// Do not write report.html (the charts and tables of the results).
    #[cfg_attr(feature = "cli", arg(long))]
    #[schemars(extend("x-cli-only" = true, "x-python" = ["local", "client"]))]
    pub no_report: bool,
    /// Print nothing but errors (no table, no progress bar).
    #[cfg_attr(feature = "cli", arg(long, short = 'q'))]
    #[schemars(extend("x-cli-only" = true))]
    pub quiet: bool,
}

impl Default for Outputs {
    fn default() -> Self {
        Outputs {
            out: None,
            format: TableFormat::Csv,
            no_report: false,
            quiet: false,
        }
    }
}

/// Shard K of N of a job's chunks (1 <= K <= N), written `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not K/N"))?;
        let whole = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("'{s}' in '{text}' is not a whole number"))
        };
        let (k, n) = (whole(k)?, whole(n)?);
        if k == 0 || k > n {
            return Err(format!("'{text}': K must be between 1 and N"));
        }
        Ok(Shard { k, n })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Shard {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Shard".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9]+/[0-9]+$" })
    }
}

crate::choice::choice! {
    /// The commands a job can be: what the service and the Python package
    /// run (the CLI has `merge`, `check`, `report` and `serve` besides).
    pub enum JobKind {
        Run = "run",
        Compare = "compare",
        Sweep = "sweep",
        Sensitivity = "sensitivity",
        Rare = "rare",
    }
}

// Each command's options beside its job; all of them here.
pub use crate::jobs::check::CheckSpec;
pub use crate::jobs::compare::CompareSpec;
pub use crate::jobs::merge::MergeSpec;
pub use crate::jobs::rare::RareSpec;
pub use crate::jobs::report::ReportSpec;
pub use crate::jobs::run::RunSpec;
pub use crate::jobs::sensitivity::{Method, Sampler, SensitivitySpec, SobolDesign};
pub use crate::jobs::sweep::SweepSpec;

/// One command's options, as parsed by any shell.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Subcommand))]
// One per job, built once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum JobSpec {
    /// Estimate every event's probability and every output's distribution.
    Run(RunSpec),
    /// Compare model variants against a base on common random numbers.
    Compare(CompareSpec),
    /// Run a model over a line or grid of values of one or two inputs.
    Sweep(SweepSpec),
    /// Which assumption drives a quantity: Sobol indices, tornado, ranks or filtering of an event.
    Sensitivity(SensitivitySpec),
    /// One event's probability when it is too rare for `run`: subset
    /// simulation or importance sampling.
    Rare(RareSpec),
}

impl JobSpec {
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Run(_) => JobKind::Run,
            JobSpec::Compare(_) => JobKind::Compare,
            JobSpec::Sweep(_) => JobKind::Sweep,
            JobSpec::Sensitivity(_) => JobKind::Sensitivity,
            JobSpec::Rare(_) => JobKind::Rare,
        }
    }

    /// `kind` with every option at its default.
    pub(crate) fn default_of(kind: JobKind) -> JobSpec {
        match kind {
            JobKind::Run => JobSpec::Run(RunSpec::default()),
            JobKind::Compare => JobSpec::Compare(CompareSpec::default()),
            JobKind::Sweep => JobSpec::Sweep(SweepSpec::default()),
            JobKind::Sensitivity => JobSpec::Sensitivity(SensitivitySpec::default()),
            JobKind::Rare => JobSpec::Rare(RareSpec::default()),
        }
    }

    /// `kind`'s options read from a JSON object (models aside).
    pub(crate) fn from_options(kind: JobKind, json: &str) -> serde_json::Result<JobSpec> {
        Ok(match kind {
            JobKind::Run => JobSpec::Run(serde_json::from_str(json)?),
            JobKind::Compare => JobSpec::Compare(serde_json::from_str(json)?),
            JobKind::Sweep => JobSpec::Sweep(serde_json::from_str(json)?),
            JobKind::Sensitivity => JobSpec::Sensitivity(serde_json::from_str(json)?),
            JobKind::Rare => JobSpec::Rare(serde_json::from_str(json)?),
        })
    }

    /// The options as JSON: every field, in declaration order (models are
    /// not options: see `models`). A path that is not UTF-8 (`out`, say)
    /// has no JSON form: an error.
    pub(crate) fn options_json(&self) -> serde_json::Result<String> {
        match self {
            JobSpec::Run(s) => serde_json::to_string(s),
            JobSpec::Compare(s) => serde_json::to_string(s),
            JobSpec::Sweep(s) => serde_json::to_string(s),
            JobSpec::Sensitivity(s) => serde_json::to_string(s),
            JobSpec::Rare(s) => serde_json::to_string(s),
        }
    }

    /// The options that decide the results' bytes as canonical JSON: equal
    /// for specs that write the same files. Where the files go, the
    /// threads, what is printed, checkpoints and resuming do not count.
    pub fn canonical(&self) -> String {
        let mut spec = self.clone();
        let outputs = match &mut spec {
            JobSpec::Run(s) => {
                s.sampling.threads = None;
                s.checkpoint = None;
                s.resume = None;
                &mut s.outputs
            }
            JobSpec::Compare(s) => {
                s.sampling.threads = None;
                &mut s.outputs
            }
            JobSpec::Sweep(s) => {
                s.sampling.threads = None;
                &mut s.outputs
            }
            JobSpec::Sensitivity(s) => {
                s.threads = None;
                &mut s.outputs
            }
            JobSpec::Rare(s) => &mut s.outputs,
        };
        outputs.out = None;
        outputs.quiet = false;
        // Without the paths, every field is a number, a string or a list
        // or map of them, all of which have a JSON form.
        spec.options_json()
            .expect("options without paths serialise")
    }

    /// The model files the job reads, as given: the model (compare: the
    /// base) first, then any variants.
    pub fn models(&self) -> Vec<&std::path::Path> {
        match self {
            JobSpec::Run(s) => vec![&s.model],
            JobSpec::Compare(s) => std::iter::once(&s.base)
                .chain(&s.variants)
                .map(PathBuf::as_path)
                .collect(),
            JobSpec::Sweep(s) => vec![&s.model],
            JobSpec::Sensitivity(s) => vec![&s.model],
            JobSpec::Rare(s) => vec![&s.model],
        }
    }

    /// The workers of the threads asked for: `threads` of them, or one per
    /// core.
    pub fn workers(&self) -> crate::error::Result<crate::engine::Workers> {
        let threads = match self.threads() {
            Some(t) if !(1..=MAX_THREADS).contains(&t) => {
                return Err(crate::error::Error::option(
                    "threads",
                    format!("{{threads}} must be between 1 and {MAX_THREADS}, got {t}"),
                ));
            }
            Some(t) => usize::try_from(t).unwrap_or(usize::MAX),
            None => 0,
        };
        crate::engine::Workers::new(threads)
    }

    /// The worker threads asked for (`None`: one per core). `rare` runs on
    /// one: its levels are sequential.
    pub fn threads(&self) -> Option<u64> {
        let threads = match self {
            JobSpec::Run(s) => s.sampling.threads,
            JobSpec::Compare(s) => s.sampling.threads,
            JobSpec::Sweep(s) => s.sampling.threads,
            JobSpec::Sensitivity(s) => s.threads,
            JobSpec::Rare(_) => Some(Count(1)),
        };
        threads.map(Count::get)
    }

    /// Which result files to write and whether to print them.
    pub fn outputs(&self) -> &Outputs {
        match self {
            JobSpec::Run(s) => &s.outputs,
            JobSpec::Compare(s) => &s.outputs,
            JobSpec::Sweep(s) => &s.outputs,
            JobSpec::Sensitivity(s) => &s.outputs,
            JobSpec::Rare(s) => &s.outputs,
        }
    }

    /// The key a request names the model `file` by: `model`, or
    /// `variants.N` (`model` if it is none of them).
    pub fn request_key(&self, file: &str) -> String {
        let models = self.models();
        match models.iter().position(|m| m.display().to_string() == file) {
            Some(i) if i > 0 => format!("variants.{}", i - 1),
            _ => "model".to_string(),
        }
    }

    /// Sets the models a request named apart from its options.
    pub(crate) fn set_models(
        &mut self,
        model: PathBuf,
        variants: Vec<PathBuf>,
    ) -> crate::error::Result<()> {
        match self {
            JobSpec::Compare(s) => {
                if variants.is_empty() {
                    return Err(crate::error::Error::InvalidRequest {
                        key: "variants".into(),
                        message: "compare needs at least one variant".into(),
                    });
                }
                s.base = model;
                s.variants = variants;
            }
            JobSpec::Run(s) => s.model = model,
            JobSpec::Sweep(s) => s.model = model,
            JobSpec::Sensitivity(s) => s.model = model,
            JobSpec::Rare(s) => s.model = model,
        }
        Ok(())
    }
}

/// Every command of the library, as the command line parses them (the CLI
/// adds `serve`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Subcommand))]
// Parsed once per process: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    #[cfg_attr(feature = "cli", command(flatten))]
    Job(JobSpec),
    /// Combine the part files of a sharded run into summary.csv.
    Merge(MergeSpec),
    /// Validate a model file and print its nodes in evaluation order.
    Check(CheckSpec),
    /// Rebuild report.html from result folders, or one report over several.
    Report(ReportSpec),
}
