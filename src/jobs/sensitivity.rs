//! `sensitivity`: which assumption drives a quantity (Sobol indices, a
//! tornado, or rank correlations), or one shard of a Sobol design.

use super::spec::{Count, Estimation, Outputs, Shard};
use super::{
    FileChoice, JobOutput, Limits, LoadedModel, ModelFiles, Outcome, RunContext, analysis_run,
    listing, result_files, run::shard_output,
};
use crate::analysis::rare::{self, RareMethod, RareSettings};
pub use crate::analysis::sensitivity::{Method, Sampler};
use crate::analysis::{Limit, filter, sensitivity};
use crate::engine::RunSettings;
use crate::engine::chunk::{samples_in, shard_range};
use crate::engine::design::Design;
use crate::error::{Error, Result};
use crate::output;
use crate::output::format::manifest::{self, Manifest, ModelId};
use crate::output::part::{PartFile, PartJob, PartModel};
use crate::output::sensitivity::{SensitivityResults, sensitivity_csv::SensitivityCsv};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `results/sensitivity-<model name>-<quantity>-<method>`.
pub fn default_dir(model: &str, quantity: &str, method: Method) -> PathBuf {
    Path::new("results").join(format!("sensitivity-{model}-{quantity}-{}", method.name()))
}

pub const DEFAULT_SAMPLES: u64 = 131_072;
pub const DEFAULT_BOOTSTRAP: u64 = 200;
/// The fewest bootstrap resamples of a Sobol analysis of design mc.
pub const MIN_BOOTSTRAP: u64 = 20;
/// The most bootstrap resamples: each recomputes the indices over all N
/// rows, one after another, and keeps their values.
pub const MAX_BOOTSTRAP: u64 = 100_000;
/// The Sobol design unless one is asked for.
pub const DEFAULT_DESIGN: Design = Design::Qmc;

crate::choice::choice! {
    /// The designs of a Sobol analysis: the sampling designs its
    /// estimators and intervals are made for.
    pub enum SobolDesign {
        /// A and B the two halves of one 2d-dimensional Owen-scrambled
        /// Sobol point set; intervals from blocks of it.
        Qmc = Design::Qmc.name(),
        /// Independent draws; bootstrap intervals.
        Mc = Design::Mc.name(),
    }
}

impl From<SobolDesign> for Design {
    fn from(d: SobolDesign) -> Design {
        match d {
            SobolDesign::Qmc => Design::Qmc,
            SobolDesign::Mc => Design::Mc,
        }
    }
}

/// `sensitivity`'s options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct SensitivitySpec {
    /// The model file (TOML).
    #[serde(skip)]
    pub model: PathBuf,
    /// The event or output to explain [default: the first event, else the first output].
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub quantity: Option<String>,
    /// Stepped models: explain the event by step K, or the output at step K
    /// [default: the last step].
    #[cfg_attr(feature = "cli", arg(long, value_name = "K"))]
    pub step: Option<Count>,
    /// What to measure (filter explains an event, not an output).
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value_t = Method::Sobol))]
    pub method: Method,
    /// Sobol only: the design of the matrices A and B [default: qmc].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    #[schemars(extend("x-only-with" = {"method": [Method::Sobol.name()]}))]
    pub design: Option<SobolDesign>,
    /// Filter only: where the event's samples come from; subset and is, for
    /// events too rare for a plain run to hold many of them, take the
    /// samples `gaprisk rare` finds in the event's region.
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value_t = Sampler::Plain))]
    #[schemars(extend("x-only-with" = {"method": [Method::Filter.name()]}))]
    pub sampler: Sampler,
    /// Samples: N of a Sobol design, whose model is evaluated N (2d + 2)
    /// times (d random nodes); per level or stage with sampler subset or
    /// is.
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
    /// Bootstrap resamples of the Sobol intervals of design mc, from 20 to
    /// 100000; each resample of the N rows counts as N model evaluations.
    #[cfg_attr(feature = "cli", arg(long, value_name = "B", default_value_t = Count(DEFAULT_BOOTSTRAP)))]
    #[schemars(extend("x-only-with" = {"method": [Method::Sobol.name()], "design": [SobolDesign::Mc.name()]}))]
    pub bootstrap: Count,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
    /// Sobol only: compute shard K of N of the evaluations and write
    /// part-K-of-N.json; `gaprisk merge` combines the N parts.
    #[cfg_attr(feature = "cli", arg(long, value_name = "K/N"))]
    #[schemars(extend("x-cli-only" = true))]
    pub shard: Option<Shard>,
}

impl Default for SensitivitySpec {
    fn default() -> Self {
        SensitivitySpec {
            model: PathBuf::new(),
            quantity: None,
            step: None,
            method: Method::Sobol,
            design: None,
            sampler: Sampler::Plain,
            samples: Count(DEFAULT_SAMPLES),
            estimation: Estimation::default(),
            threads: None,
            bootstrap: Count(DEFAULT_BOOTSTRAP),
            outputs: Outputs::default(),
            shard: None,
        }
    }
}

pub struct SensitivityJob {
    model: LoadedModel,
    quantity: usize,
    method: Method,
    bootstrap: usize,
    sampler: Option<RareMethod>,
    settings: RunSettings,
    summary: SummarySettings,
    shard: Option<(u64, u64)>,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl SensitivityJob {
    pub fn new(
        files: &dyn ModelFiles,
        r: &SensitivitySpec,
        limits: &Limits,
    ) -> Result<SensitivityJob> {
        if r.shard.is_some() && r.method != Method::Sobol {
            return Err(Error::option(
                "shard",
                "{shard} works with {method} sobol only",
            ));
        }
        let samples = r.samples.get();
        if let Some(sampler) = r.sampler.rare_method() {
            if r.method != Method::Filter {
                return Err(Error::option(
                    "sampler",
                    format!(
                        "{{sampler}} {} works with {{method}} filter only, not {}",
                        sampler.name(),
                        r.method.name()
                    ),
                ));
            }
            if !(100..=super::rare::MAX_SAMPLES).contains(&samples) {
                return Err(Error::option(
                    "samples",
                    format!(
                        "{{samples}} per level must be between 100 and {} with {{sampler}} {}, got {}",
                        super::rare::MAX_SAMPLES,
                        sampler.name(),
                        samples
                    ),
                ));
            }
        }
        let design = match (r.method, r.design) {
            (Method::Sobol, None) => DEFAULT_DESIGN,
            (Method::Sobol, Some(d)) => d.into(),
            (_, None) => Design::Mc,
            (m, Some(_)) => {
                return Err(Error::option(
                    "design",
                    format!(
                        "{{design}} works with {{method}} sobol only, not {}",
                        m.name()
                    ),
                ));
            }
        };
        if design == Design::Qmc && sensitivity::sobol_blocks(samples) < 2 {
            return Err(Error::option(
                "samples",
                format!(
                    "{{samples}} must be more than {} with {{design}} qmc (its intervals need two blocks at least), got {}",
                    crate::engine::design::qmc_points(samples),
                    samples
                ),
            ));
        }
        let bootstrap = r.bootstrap.get();
        if bootstrap > MAX_BOOTSTRAP
            || (design == Design::Mc && r.method == Method::Sobol && bootstrap < MIN_BOOTSTRAP)
        {
            return Err(Error::option(
                "bootstrap",
                format!(
                    "{{bootstrap}} must be between {MIN_BOOTSTRAP} and {MAX_BOOTSTRAP}, got {bootstrap}"
                ),
            ));
        }
        let (settings, summary) =
            super::sampling_settings(samples, &r.estimation, design, ProportionInterval::Wilson)?;
        let mut model = LoadedModel::load(files, &r.model, &[], limits)?;
        if let Some(step) = r.step {
            let steps = model.model.spec.info.steps.ok_or_else(|| {
                Error::option(
                    "step",
                    format!(
                        "{{step}} needs a model with [model] steps, and '{}' is static",
                        model.name()
                    ),
                )
            })?;
            let k = step.get();
            if !(1..=u64::from(steps)).contains(&k) {
                return Err(Error::option(
                    "step",
                    format!("{{step}} must be between 1 and {steps} (the model's steps), got {k}"),
                ));
            }
            model.program = model.program.through(k as u32);
        }
        let quantity = model.quantity("quantity", r.quantity.as_deref(), true)?;
        if r.method == Method::Filter
            && model.program.quantities[quantity].kind
                != crate::engine::program::QuantityKind::Event
        {
            return Err(Error::option(
                "quantity",
                format!(
                    "{{method}} filter explains an event, and '{}' is an output (name an event with {{quantity}})",
                    model.program.quantities[quantity].name
                ),
            ));
        }
        if r.sampler != Sampler::Plain {
            // The margin is checked now, so a model it cannot read fails early.
            Limit::new(&model.model, &model.program, quantity)?;
        }
        Ok(SensitivityJob {
            model_warnings: model.warnings(),
            model,
            quantity,
            method: r.method,
            bootstrap: usize::try_from(bootstrap).unwrap_or(usize::MAX),
            sampler: r.sampler.rare_method(),
            settings,
            summary,
            shard: r.shard.map(|s| (s.k, s.n)),
            out: FileChoice::new(&r.outputs),
        })
    }

    /// N: the design's rows (Sobol), or the samples of the other methods.
    pub fn samples(&self) -> u64 {
        self.settings.samples
    }

    /// Model evaluations the analysis makes: N (2d + 2) for Sobol indices
    /// over d random nodes, and B N more for B bootstrap resamples under
    /// design mc (each recomputes the indices over N resampled rows);
    /// N (2 k + 1) for a tornado over k uncertain inputs; N for ranks and
    /// filtering, N per level or stage (at most 21) when filtering the
    /// samples of subset or is.
    pub fn evaluations(&self) -> u64 {
        let n = self.settings.samples;
        match self.method {
            Method::Sobol => {
                let design = n.saturating_mul(2 * self.model.program.streams.len() as u64 + 2);
                design.saturating_add(self.bootstrap_evaluations())
            }
            Method::Tornado => {
                let inputs = self
                    .model
                    .model
                    .spec
                    .section(crate::model::spec::Section::Inputs)
                    .filter(|e| {
                        matches!(&e.body, crate::model::spec::Body::Fixed(d, _) if !d.is_constant())
                    })
                    .count() as u64;
                n.saturating_mul(2 * inputs + 1)
            }
            // Filtering from rare's samples: as many levels as `rare` may
            // take (its progress counts the usual seven).
            Method::Filter if self.sampler.is_some() => {
                n.saturating_mul(crate::analysis::rare::MAX_LEVELS as u64 + 1)
            }
            Method::Rank | Method::Filter => n,
        }
    }

    /// The evaluations `evaluations` counts for a bootstrap: B N for B
    /// resamples of a Sobol design of N rows under design mc, else none.
    pub fn bootstrap_evaluations(&self) -> u64 {
        if self.method == Method::Sobol && self.settings.design == Design::Mc {
            self.settings.samples.saturating_mul(self.bootstrap as u64)
        } else {
            0
        }
    }

    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        vec![self.model.cache_identity()]
    }

    /// An estimate of the heap memory the job holds: its model.
    pub fn heap_bytes(&self) -> u64 {
        self.model
            .heap_bytes(&mut crate::distributions::heap::Seen::default())
    }

    /// `results/sensitivity-<model name>-<quantity>-<method>`: analyses of
    /// other quantities or by other methods do not replace each other.
    pub fn default_dir(&self) -> PathBuf {
        default_dir(self.model.name(), self.quantity_name(), self.method)
    }

    fn quantity_name(&self) -> &str {
        &self.model.program.quantities[self.quantity].name
    }

    /// Runs the analysis; cancelled, it returns nothing (indices from part
    /// of a design would be wrong, not merely noisy).
    /// Its output carries the models' warnings first.
    pub fn execute(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        super::warned(self.execute_job(ctx), &self.model_warnings)
    }

    fn execute_job(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        let started = Instant::now();
        if let Some((k, n)) = self.shard {
            return self.sobol_shard(ctx, k, n);
        }
        let settings = &self.settings;
        let confidence = self.summary.confidence;
        let program = &self.model.program;
        let mut progress = ctx.reporter(0, settings.samples);
        let outcome = match self.method {
            Method::Sobol => sensitivity::sobol(
                program,
                self.quantity,
                settings,
                confidence,
                self.bootstrap,
                &ctx.workers,
                &mut progress,
            )?,
            Method::Tornado => sensitivity::tornado(
                &self.model.model.spec,
                self.quantity_name(),
                self.model.program.stepping.as_ref().map(|s| s.steps),
                settings,
                confidence,
                &ctx.workers,
                &mut progress,
            )?,
            Method::Rank => sensitivity::rank(
                program,
                self.quantity,
                settings,
                confidence,
                &ctx.workers,
                &mut progress,
            )?,
            Method::Filter => match self.sampler {
                None => filter::filter(
                    program,
                    self.quantity,
                    settings,
                    &ctx.workers,
                    &mut progress,
                )?,
                Some(method) => self.filter_region(method, ctx)?,
            },
        };
        let result = match outcome.or_stopped() {
            Ok(result) => result,
            Err(stopped) => return Ok(stopped),
        };
        let report = SensitivityResults {
            model: self.model.id(),
            quantity: self.quantity_name().to_string(),
            bootstrap: self.bootstrap,
            result,
            run: analysis_run(*settings, ctx.workers.threads(), confidence, started),
        };
        Ok(Outcome::Completed(sensitivity_output(report, self.out)?))
    }

    /// Filtering from the samples of the event's region that subset
    /// simulation or importance sampling finds.
    fn filter_region(
        &self,
        method: RareMethod,
        ctx: &RunContext,
    ) -> Result<Outcome<sensitivity::Sensitivity>> {
        let program = &self.model.program;
        let mut limit = Limit::new(&self.model.model, program, self.quantity)?;
        let settings = RareSettings {
            method,
            samples: self.settings.samples as usize,
            seed: self.settings.seed,
            confidence: self.summary.confidence,
            keep_region: true,
        };
        // As for `rare`: the budget is not known in advance.
        let total = self.settings.samples * 7;
        let mut progress = |done: u64| (ctx.progress)(done, total.max(done));
        let Some(estimate) =
            rare::estimate(&mut limit, &settings, ctx.cancel_token(), &mut progress)?
        else {
            return Ok(Outcome::Cancelled {
                samples_done: 0,
                partial: None,
            });
        };
        Ok(Outcome::Completed(filter::filter_region(
            &mut limit,
            program,
            &estimate,
            self.settings.samples,
        )?))
    }

    /// Shard K of N of a Sobol design: the model's values over the shard's
    /// chunks, as a part file.
    fn sobol_shard(&self, ctx: &RunContext, k: u64, n: u64) -> Result<Outcome<JobOutput>> {
        let settings = &self.settings;
        let program = &self.model.program;
        let range = shard_range(k, n, settings.chunks());
        let mut ordered = Vec::new();
        let pass = sensitivity::sobol_evaluations(
            program,
            self.quantity,
            settings,
            &ctx.workers,
            range.clone(),
            &mut |columns| {
                let len = columns[0].len() as u64;
                let mut words = vec![len];
                for c in &columns {
                    words.extend(c.iter().map(|x| x.to_bits()));
                }
                ordered.push(words);
            },
            &mut ctx.reporter(0, samples_in(&range, settings.samples)),
        )?;
        if let Some(stopped) = pass.stopped() {
            return Ok(stopped);
        }
        let m = &self.model;
        let part = PartFile::new(
            settings,
            &self.summary,
            (k, n),
            (range.start, range.end),
            PartJob::Sensitivity {
                model: PartModel::of(
                    m.name(),
                    m.model.spec.info.title.as_deref(),
                    &m.file,
                    &m.hash(),
                    program,
                ),
                quantity: self.quantity_name().to_string(),
                bootstrap: self.bootstrap,
                factors: program.stream_nodes.clone(),
                ordered,
            },
        );
        Ok(Outcome::Completed(shard_output(
            &part,
            &format!("{} sobol", m.name()),
        )?))
    }
}

/// sensitivity.csv (or .parquet) and manifest.json, and the table.
pub(super) fn sensitivity_output(
    mut report: SensitivityResults,
    out: FileChoice,
) -> Result<JobOutput> {
    report.run.files = listing(&[&SensitivityCsv], out, &[manifest::FILE_NAME]);
    let files = result_files(&report, &[&SensitivityCsv], &[&Manifest], out)?;
    let table = output::sensitivity::terminal::render(
        &report.model.name,
        &report.quantity,
        &report.result,
        report.run.confidence,
    );
    Ok(JobOutput::table(files, table, Vec::new()))
}

/// The model's name in a part file's results (kept for `merge`).
pub(super) fn model_id(m: &PartModel) -> ModelId {
    ModelId {
        name: m.name.clone(),
        file: m.file.clone(),
        hash: m.hash.clone(),
    }
}
