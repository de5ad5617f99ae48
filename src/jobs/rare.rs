//! `rare`: one event's probability by subset simulation or importance
//! sampling, for events too rare for plain Monte Carlo.

use super::spec::{Count, Estimation, Outputs};
use super::{
    FileChoice, JobOutput, Limits, LoadedModel, ModelFiles, Outcome, RunContext, analysis_run,
    listing, result_files,
};
use crate::analysis::Limit;
use crate::analysis::rare::{self, RareMethod, RareSettings};
use crate::engine::RunSettings;
use crate::engine::design::Design;
use crate::error::{Error, Result};
use crate::model::overrides::{self, Override};
use crate::output;
use crate::output::format::manifest::{self, Manifest};
use crate::output::rare::{RareResults, rare_csv::RareCsv};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Samples per level (subset) or stage (is) when none are given.
pub const DEFAULT_SAMPLES: u64 = 10_000;
/// The most samples per level a request may ask for.
pub const MAX_SAMPLES: u64 = 10_000_000;
/// Progress counts evaluations against this many levels' (or stages')
/// samples: the budget is not known in advance.
pub const PROGRESS_LEVELS: u64 = 7;

/// `rare`'s options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct RareSpec {
    /// The model file (TOML).
    #[serde(skip)]
    pub model: PathBuf,
    /// The event to estimate [default: the first event]; an output is refused.
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub event: Option<String>,
    /// The estimator (subset works with discrete nodes).
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value_t = RareMethod::Subset))]
    pub method: RareMethod,
    /// Samples per level (subset) or stage (is), from 100 to 10^7.
    #[cfg_attr(feature = "cli", arg(long, short = 'n', value_name = "N", default_value_t = Count(DEFAULT_SAMPLES)))]
    pub samples: Count,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub estimation: Estimation,
    /// Fix an input to a constant, NAME=VALUE (in a request: an object of
    /// input name -> number).
    #[cfg_attr(feature = "cli", arg(long = "set", value_name = "NAME=VALUE"))]
    #[serde(with = "overrides::as_map")]
    #[schemars(with = "overrides::Schema")]
    pub set: Vec<Override>,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
}

impl Default for RareSpec {
    fn default() -> Self {
        RareSpec {
            model: PathBuf::new(),
            event: None,
            method: RareMethod::Subset,
            samples: Count(DEFAULT_SAMPLES),
            estimation: Estimation::default(),
            set: Vec::new(),
            outputs: Outputs::default(),
        }
    }
}

pub struct RareJob {
    model: LoadedModel,
    quantity: usize,
    settings: RareSettings,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl RareJob {
    pub fn new(files: &dyn ModelFiles, r: &RareSpec, limits: &Limits) -> Result<RareJob> {
        let samples = r.samples.get();
        let confidence = r.estimation.confidence;
        if !(100..=MAX_SAMPLES).contains(&samples) {
            return Err(Error::option(
                "samples",
                format!(
                    "{{samples}} per level must be between 100 and {MAX_SAMPLES}, got {samples}"
                ),
            ));
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::option(
                "confidence",
                format!("{{confidence}} must be in (0, 1), got {confidence}"),
            ));
        }
        let model = LoadedModel::load(files, &r.model, &r.set, limits)?;
        let quantity = model.quantity("event", r.event.as_deref(), true)?;
        let q = &model.program.quantities[quantity];
        if q.kind != crate::engine::program::QuantityKind::Event {
            return Err(Error::option(
                "event",
                format!(
                    "{{event}} '{}' is an output; rare estimates an event's probability",
                    crate::error::literal(&q.name)
                ),
            ));
        }
        // The margin is checked now, so a model it cannot read fails early.
        Limit::new(&model.model, &model.program, quantity)?;
        Ok(RareJob {
            model_warnings: model.warnings(),
            model,
            quantity,
            settings: RareSettings {
                method: r.method,
                samples: samples as usize,
                seed: r.estimation.seed.get(),
                confidence,
                keep_region: false,
            },
            out: FileChoice::new(&r.outputs),
        })
    }

    /// Samples per level (subset) or stage (is).
    pub fn samples(&self) -> u64 {
        self.settings.samples as u64
    }

    /// The most model evaluations it may make: every level or stage, and
    /// the last.
    pub fn evaluations(&self) -> u64 {
        self.samples()
            .saturating_mul(crate::analysis::rare::MAX_LEVELS as u64 + 1)
    }

    pub fn model_hashes(&self) -> Vec<String> {
        vec![self.model.cache_identity()]
    }

    /// An estimate of the heap memory the job holds: its model.
    pub fn heap_bytes(&self) -> u64 {
        self.model
            .heap_bytes(&mut crate::distributions::heap::Seen::default())
    }

    /// `results/rare-<model name>-<event>-<method>`.
    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(format!(
            "rare-{}-{}-{}",
            self.model.name(),
            self.model.program.quantities[self.quantity].name,
            self.settings.method.name()
        ))
    }

    /// Runs the method; cancelled, it returns nothing (a partial ladder of
    /// levels estimates nothing).
    /// Its output carries the models' warnings first.
    pub fn execute(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        super::warned(self.execute_job(ctx), &self.model_warnings)
    }

    fn execute_job(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        let started = Instant::now();
        let mut limit = Limit::new(&self.model.model, &self.model.program, self.quantity)?;
        let total = self.settings.samples as u64 * PROGRESS_LEVELS;
        let mut progress = |done: u64| (ctx.progress)(done, total.max(done));
        let Some(estimate) = rare::estimate(
            &mut limit,
            &self.settings,
            ctx.cancel_token(),
            &mut progress,
        )?
        else {
            return Ok(Outcome::Cancelled {
                samples_done: 0,
                partial: None,
            });
        };
        // Done: the evaluations it made, out of themselves.
        (ctx.progress)(estimate.evaluations, estimate.evaluations);
        let settings = RunSettings {
            samples: self.settings.samples as u64,
            seed: self.settings.seed,
            design: Design::Mc,
            quantiles: crate::stats::quantiles::QuantileRequest::standard(self.settings.confidence),
        };
        let mut run = analysis_run(settings, 1, self.settings.confidence, started);
        run.files = listing(&[&RareCsv], self.out, &[manifest::FILE_NAME]);
        let warnings = estimate
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", self.model.name()))
            .collect();
        let report = RareResults {
            model: self.model.id(),
            quantity: self.model.program.quantities[self.quantity].name.clone(),
            estimate,
            run,
        };
        let files = result_files(&report, &[&RareCsv], &[&Manifest], self.out)?;
        let table = output::rare::terminal::render(&report);
        Ok(Outcome::Completed(JobOutput::table(files, table, warnings)))
    }
}
