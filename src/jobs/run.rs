//! `run`: every event's probability and every output's distribution, with
//! an optional stopping rule, checkpoints, or one shard of the chunks.

use super::spec::{Count, Outputs, Sampling, Shard};
use super::stopping::{Precision, StoppingRule};
use super::{
    FileChoice, JobOutput, Limits, LoadedModel, ModelFiles, Outcome, Presentation, RunContext,
    listing, non_finite_warnings, result_files, seconds_since,
};
use crate::engine::chunk::{CHUNK_SIZE, samples_in, shard_range};
use crate::engine::refine::{complete, pilot_windows};
use crate::engine::runner::{DrawsSink, run_chunks, run_until};
use crate::engine::{Accumulators, RunSettings, parts};
use crate::error::{Error, Result};
use crate::model::overrides::{self, Override};
use crate::output;
use crate::output::format::manifest::{self, Manifest};
use crate::output::format::parquet::DrawsParquet;
use crate::output::format::tabular::Tabular;
use crate::output::part::{PartFile, PartJob, PartModel};
use crate::output::run::convergence_csv::ConvergenceCsv;
use crate::output::run::draws::DrawsFormat;
use crate::output::run::histogram_csv::HistogramCsv;
use crate::output::run::quantiles_csv::QuantilesCsv;
use crate::output::run::{RunResults, summary_csv::SummaryCsv};
use crate::stats::interval::ProportionInterval;
use crate::stats::quantiles::QuantileRequest;
use crate::summary::convergence::Convergence;
use crate::summary::histogram::histograms;
use crate::summary::{SummarySettings, summarise};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a checkpoint is saved.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// The default `max_samples` of a stopping rule.
pub const DEFAULT_MAX_SAMPLES: u64 = 100_000_000;

/// `run`'s options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct RunSpec {
    /// The model file (TOML).
    #[serde(skip)]
    pub model: PathBuf,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub sampling: Sampling,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
    /// Also write draws.csv (or draws.parquet): one row per sample, one
    /// column per node, event and output.
    #[cfg_attr(feature = "cli", arg(long))]
    #[schemars(extend("x-cli-only" = true))]
    pub draws: bool,
    /// The draws' file format.
    #[cfg_attr(feature = "cli", arg(long, value_enum, value_name = "FORMAT", default_value_t = DrawsFormat::Csv, requires = "draws"))]
    #[schemars(extend("x-cli-only" = true))]
    pub draws_format: DrawsFormat,
    /// The interval of an event's probability.
    #[cfg_attr(feature = "cli", arg(long, value_enum, value_name = "METHOD", default_value_t = ProportionInterval::Wilson))]
    pub interval: ProportionInterval,
    /// Fix an input to a constant, NAME=VALUE (in a request: an object of
    /// input name -> number); a name that is not an input of the model is
    /// an error that lists the inputs.
    #[cfg_attr(feature = "cli", arg(long = "set", value_name = "NAME=VALUE"))]
    #[serde(with = "overrides::as_map")]
    #[schemars(with = "overrides::Schema")]
    pub set: Vec<Override>,
    /// Quantile levels to report in quantiles.csv besides p05, p25, p50,
    /// p75 and p95, e.g. 0.01,0.5,0.99: at most 16, each in (0, 1).
    #[cfg_attr(feature = "cli", arg(long, value_name = "P,P,...", value_delimiter = ',', value_parser = parse_level))]
    pub quantiles: Vec<f64>,
    /// Stopping rule: stop at the first chunk where the target's interval
    /// half-width is at most H (samples is then ignored; see max_samples).
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "H", conflicts_with = "relative_precision")
    )]
    pub precision: Option<f64>,
    /// Stopping rule: stop at the first chunk where the half-width is at
    /// most R times the target's estimate.
    #[cfg_attr(feature = "cli", arg(long, value_name = "R"))]
    pub relative_precision: Option<f64>,
    /// The event or output a stopping rule watches [default: the first event].
    #[cfg_attr(feature = "cli", arg(long, value_name = "QUANTITY"))]
    pub target: Option<String>,
    /// The most samples a stopping rule may draw.
    #[cfg_attr(feature = "cli", arg(long, value_name = "N", default_value_t = Count(DEFAULT_MAX_SAMPLES)))]
    pub max_samples: Count,
    /// Compute only shard K of N (1 <= K <= N) and write its part file,
    /// part-K-of-N.json; `gaprisk merge` combines the N parts.
    #[cfg_attr(feature = "cli", arg(long, value_name = "K/N"))]
    #[schemars(extend("x-cli-only" = true))]
    pub shard: Option<Shard>,
    /// Save the run's progress to FILE every few seconds and when
    /// interrupted (a part file covering the chunks done).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    #[schemars(extend("x-cli-only" = true))]
    pub checkpoint: Option<PathBuf>,
    /// Continue the run saved in FILE by checkpoint, to the same result as
    /// an uninterrupted run; give the same model and options.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    #[schemars(extend("x-cli-only" = true))]
    pub resume: Option<PathBuf>,
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            model: PathBuf::new(),
            sampling: Sampling::default(),
            outputs: Outputs::default(),
            draws: false,
            draws_format: DrawsFormat::Csv,
            interval: ProportionInterval::Wilson,
            set: Vec::new(),
            quantiles: Vec::new(),
            precision: None,
            relative_precision: None,
            target: None,
            max_samples: Count(DEFAULT_MAX_SAMPLES),
            shard: None,
            checkpoint: None,
            resume: None,
        }
    }
}

/// Parses a quantile level: a number in (0, 1).
#[cfg(feature = "cli")]
pub fn parse_level(text: &str) -> std::result::Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "'{text}' is not a level between 0 and 1 (exclusive)"
        )),
    }
}

/// Where each checkpoint goes, as the bytes of a part file.
pub type CheckpointSink<'a> = &'a mut dyn FnMut(&[u8]) -> Result<()>;

/// Where a run's streamed outputs go.
#[derive(Default)]
pub struct RunSinks<'a> {
    /// The draws file (`RunSpec::draws_format`), written in sample order.
    pub draws: Option<&'a mut (dyn Write + Send)>,
    /// Each checkpoint, as the bytes of a part file.
    pub checkpoint: Option<CheckpointSink<'a>>,
}

/// A validated `run`.
#[derive(Debug, Clone)]
pub struct RunJob {
    pub model: LoadedModel,
    settings: RunSettings,
    summary: SummarySettings,
    draws: Option<DrawsFormat>,
    stopping: Option<StoppingRule>,
    shard: Option<(u64, u64)>,
    checkpoint: bool,
    checkpoint_every: Duration,
    resume: Option<(String, PartFile)>,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl RunJob {
    /// Validates the options, then loads the model.
    pub fn new(files: &dyn ModelFiles, r: &RunSpec, limits: &Limits) -> Result<RunJob> {
        let precision = match (r.precision, r.relative_precision) {
            (Some(h), _) if !(h > 0.0 && h.is_finite()) => {
                return Err(Error::option(
                    "precision",
                    format!("{{precision}} must be a positive number, got {h}"),
                ));
            }
            (_, Some(x)) if !(x > 0.0 && x.is_finite()) => {
                return Err(Error::option(
                    "relative_precision",
                    format!("{{relative_precision}} must be a positive number, got {x}"),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Error::option(
                    "precision",
                    "{precision} cannot be combined with {relative_precision}",
                ));
            }
            (Some(h), _) => Some(Precision::Absolute(h)),
            (_, Some(x)) => Some(Precision::Relative(x)),
            (None, None) => None,
        };
        let checkpoint = r.checkpoint.is_some();
        if (checkpoint || r.resume.is_some())
            && (r.shard.is_some() || precision.is_some() || r.draws)
        {
            return Err(Error::option(
                if checkpoint { "checkpoint" } else { "resume" },
                "{checkpoint} and {resume} cannot be combined with {shard}, {draws} or a stopping rule",
            ));
        }
        if r.shard.is_some() && (precision.is_some() || r.draws) {
            return Err(Error::option(
                "shard",
                "{shard} cannot be combined with {draws} or a stopping rule",
            ));
        }
        if precision.is_none() && r.target.is_some() {
            return Err(Error::option(
                "target",
                "{target} needs {precision} or {relative_precision}",
            ));
        }
        let (mut settings, summary) = r.sampling.settings(r.interval)?;
        settings.quantiles = QuantileRequest::new(&r.quantiles, summary.confidence)
            .map_err(|e| Error::option("quantiles", format!("{{quantiles}}: {e}")))?;
        if precision.is_some() {
            let max = r.max_samples.get();
            if max < 2 {
                return Err(Error::option(
                    "max_samples",
                    format!("{{max_samples}} must be at least 2, got {max}"),
                ));
            }
            settings.samples = max;
        }
        let model = LoadedModel::load(files, &r.model, &r.set, limits)?;
        let stopping = match precision {
            None => None,
            Some(precision) => Some(StoppingRule {
                precision,
                target: model.quantity("target", r.target.as_deref(), false)?,
            }),
        };
        Ok(RunJob {
            model_warnings: model.warnings(),
            model,
            settings,
            summary,
            draws: r.draws.then_some(r.draws_format),
            stopping,
            shard: r.shard.map(|s| (s.k, s.n)),
            checkpoint,
            checkpoint_every: CHECKPOINT_EVERY,
            resume: None,
            out: FileChoice::new(&r.outputs),
        })
    }

    /// Saves a checkpoint every `every` through the sink `execute` is
    /// given, if this run can be resumed at all (not a shard, a stopping
    /// rule or a run writing draws): the service does this for every run,
    /// so a killed server resumes it.
    pub fn checkpointed(mut self, every: Duration) -> RunJob {
        if self.shard.is_none() && self.stopping.is_none() && self.draws.is_none() {
            self.checkpoint = true;
            self.checkpoint_every = every;
        }
        self
    }

    /// Continues the run a checkpoint saved: `bytes` of the part file
    /// `name` (named in messages). The result is that of an uninterrupted
    /// run.
    pub fn resuming(mut self, name: &str, bytes: &[u8]) -> Result<RunJob> {
        if self.shard.is_some() || self.stopping.is_some() || self.draws.is_some() {
            return Err(Error::option(
                "resume",
                "{checkpoint} and {resume} cannot be combined with {shard}, {draws} or a stopping rule",
            ));
        }
        self.resume = Some((name.to_string(), PartFile::from_bytes(name, bytes)?));
        Ok(self)
    }

    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        vec![self.model.cache_identity()]
    }

    /// An estimate of the heap memory the job holds: its model, and the
    /// checkpoint it resumes.
    pub fn heap_bytes(&self) -> u64 {
        let mut seen = crate::distributions::heap::Seen::default();
        let resume = match &self.resume {
            Some((
                _,
                PartFile {
                    job: PartJob::Run { exact, ordered, .. },
                    ..
                },
            )) => {
                crate::distributions::heap::vec_bytes(exact)
                    + ordered
                        .iter()
                        .map(|c| crate::distributions::heap::vec_bytes(c) + 24)
                        .sum::<u64>()
            }
            _ => 0,
        };
        self.model.heap_bytes(&mut seen) + resume
    }

    /// `results/<model name>`.
    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(self.model.name())
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// Whether the run streams its draws to the sink `execute` is given.
    pub fn writes_draws(&self) -> bool {
        self.draws.is_some()
    }

    /// Runs the job. Cancelled, it returns the results of the chunks done
    /// (`partial: true` in the manifest), or nothing if none was; a
    /// cancelled shard returns nothing.
    /// Its output carries the models' warnings first.
    pub fn execute(&self, ctx: &RunContext, sinks: RunSinks) -> Result<Outcome<JobOutput>> {
        super::warned(self.execute_job(ctx, sinks), &self.model_warnings)
    }

    fn execute_job(&self, ctx: &RunContext, sinks: RunSinks) -> Result<Outcome<JobOutput>> {
        let started = Instant::now();
        if let Some((k, n)) = self.shard {
            return self.run_shard(ctx, k, n);
        }
        let program = &self.model.program;
        let mut reached = false;
        let mut convergence = Convergence::new(self.summary);
        let (acc, cancelled) = if self.checkpoint || self.resume.is_some() {
            self.run_checkpointed(ctx, sinks.checkpoint, &mut convergence)?
        } else {
            self.run_streaming(ctx, sinks.draws, &mut convergence, &mut reached)?
        };
        if self.stopping.is_some() && !cancelled && acc.samples < self.settings.samples {
            // Stopped early: the total was the most it could draw; these
            // are the samples drawn, out of themselves.
            (ctx.progress)(acc.samples, acc.samples);
        }
        let mut others = vec![manifest::FILE_NAME];
        if let Some(draws) = self.draws {
            others.push(draws.file_name());
        }
        let files = listing(&run_tables(program.stepping.is_some()), self.out, &others);
        let report = RunResults {
            model_name: self.model.name().to_string(),
            model_title: self.model.model.spec.info.title.clone(),
            model_file: self.model.file.clone(),
            model_hash: self.model.hash(),
            seed: self.settings.seed,
            samples: acc.samples,
            threads: ctx.workers.threads(),
            summary: self.summary,
            quantities: summarise(program, &acc, &self.summary),
            horizon: crate::summary::horizon::horizon(program, &acc, &self.summary),
            steps: crate::output::run::StepsInfo::of(program),
            histograms: histograms(&acc),
            convergence: convergence.finish(&acc),
            elapsed_seconds: seconds_since(started),
            files,
            stopping: self
                .stopping
                .map(|rule| rule.outcome(program, reached, acc.samples)),
            partial: cancelled,
        };
        if cancelled && acc.samples == 0 {
            // Stopped before its first chunk: there is nothing to report,
            // and an earlier run's files must not be replaced by empty ones.
            return Ok(Outcome::Cancelled {
                samples_done: 0,
                partial: None,
            });
        }
        let out = run_output(&report, self.out)?;
        Ok(if cancelled {
            Outcome::Cancelled {
                samples_done: acc.samples,
                partial: Some(out),
            }
        } else {
            Outcome::Completed(out)
        })
    }

    /// A run to the end, a stopping rule or a cancel, streaming its draws
    /// to `draws` (when the request asked for them) in the chosen format.
    fn run_streaming(
        &self,
        ctx: &RunContext,
        draws: Option<&mut (dyn Write + Send)>,
        convergence: &mut Convergence,
        reached: &mut bool,
    ) -> Result<(Accumulators, bool)> {
        let program = &self.model.program;
        let fail = |e: &dyn std::fmt::Display| {
            Error::io("cannot write draws", std::io::Error::other(e.to_string()))
        };
        let mut csv = None;
        let mut parquet = None;
        let steps = program.stepping.as_ref().map_or(0, |s| s.steps);
        match (self.draws, draws) {
            (Some(DrawsFormat::Csv), Some(out)) => {
                let step = if program.stepping.is_some() { "step," } else { "" };
                writeln!(out, "sample,{step}{}", program.draw_names().join(","))
                    .map_err(|e| Error::io("cannot write draws", e))?;
                csv = Some(out);
            }
            (Some(DrawsFormat::Parquet), Some(out)) => {
                parquet =
                    Some(DrawsParquet::new(out, &program.draw_names(), steps).map_err(|e| fail(&e))?);
            }
            _ => {}
        }
        let format: crate::engine::runner::DrawsEncoder = if parquet.is_some() {
            &output::format::parquet::format_block
        } else {
            &output::run::draws::format_rows
        };
        let mut write = |bytes: &[u8]| -> Result<()> {
            if let Some(out) = csv.as_mut() {
                out.write_all(bytes)
                    .map_err(|e| Error::io("cannot write draws", e))?;
            }
            if let Some(p) = parquet.as_mut() {
                p.write(bytes).map_err(|e| fail(&e))?;
            }
            Ok(())
        };
        let sink = self.draws.is_some().then_some(DrawsSink {
            format,
            write: &mut write,
        });
        let (acc, pass) = run_until(
            program,
            &self.settings,
            &ctx.workers,
            sink,
            &mut |acc| {
                self.observe(ctx, convergence, acc);
                match &self.stopping {
                    Some(rule) => {
                        *reached = rule.met(program, acc, &self.summary);
                        *reached
                    }
                    None => false,
                }
            },
            &mut ctx.reporter(0, self.settings.samples),
        )?;
        if let Some(p) = parquet
            && acc.samples > 0
        {
            p.finish().map_err(|e| fail(&e))?;
        }
        Ok((acc, pass.cancelled))
    }

    /// Records a convergence point if this chunk boundary is one, and shows
    /// it to the context's watcher.
    fn observe(&self, ctx: &RunContext, convergence: &mut Convergence, acc: &Accumulators) {
        if let (Some(point), Some(watch)) = (convergence.observe(acc), ctx.watch) {
            let watched = super::Watched {
                quantities: &self.model.program.quantities,
                confidence: self.summary.confidence,
            };
            watch(&watched, point);
        }
    }

    fn part_model(&self) -> PartModel {
        let m = &self.model;
        PartModel::of(
            m.name(),
            m.model.spec.info.title.as_deref(),
            &m.file,
            &m.hash(),
            &m.program,
        )
    }

    fn part(
        &self,
        shard: (u64, u64),
        chunks: (u64, u64),
        exact: Vec<u64>,
        ordered: Vec<Vec<u64>>,
    ) -> PartFile {
        PartFile::new(
            &self.settings,
            &self.summary,
            shard,
            chunks,
            PartJob::Run {
                model: self.part_model(),
                exact,
                ordered,
            },
        )
    }

    /// Shard K of N: its chunks, as a part file.
    fn run_shard(&self, ctx: &RunContext, k: u64, n: u64) -> Result<Outcome<JobOutput>> {
        let range = shard_range(k, n, self.settings.chunks());
        let program = &self.model.program;
        let windows = pilot_windows(program, &self.settings);
        let mut shard_total = Accumulators::windowed(program, &self.settings, &windows);
        let mut ordered = Vec::new();
        let pass = run_chunks(
            program,
            &self.settings,
            &windows,
            &ctx.workers,
            range.clone(),
            &mut |acc| {
                ordered.push(parts::encode_ordered(&acc));
                shard_total.merge(&acc);
            },
            &mut ctx.reporter(0, samples_in(&range, self.settings.samples)),
        )?;
        if let Some(stopped) = pass.stopped() {
            return Ok(stopped);
        }
        let part = self.part(
            (k, n),
            (range.start, range.end),
            parts::encode_exact(&shard_total),
            ordered,
        );
        Ok(Outcome::Completed(shard_output(&part, self.model.name())?))
    }

    /// A run that saves its progress or continues a saved one. A checkpoint
    /// is a part file of the chunks done so far, so resuming replays their
    /// merges in order and the result is bit for bit that of an
    /// uninterrupted run.
    fn run_checkpointed(
        &self,
        ctx: &RunContext,
        mut save_to: Option<CheckpointSink>,
        convergence: &mut Convergence,
    ) -> Result<(Accumulators, bool)> {
        let program = &self.model.program;
        let settings = &self.settings;
        let windows = pilot_windows(program, settings);
        let mut total = Accumulators::windowed(program, settings, &windows);
        let mut ordered: Vec<Vec<u64>> = Vec::new();
        let mut first = 0;
        if let Some((name, saved)) = &self.resume {
            let here = self.part((1, 1), (0, 0), Vec::new(), Vec::new());
            let same_run = (
                saved.seed,
                saved.samples,
                &saved.design,
                saved.confidence_bits,
                &saved.interval,
            ) == (
                here.seed,
                here.samples,
                &here.design,
                here.confidence_bits,
                &here.interval,
            ) && saved.job.command() == "run"
                && saved.job.model().hash == here.job.model().hash
                && saved.shard == (1, 1)
                && saved.chunks.0 == 0;
            if !same_run {
                return Err(Error::PartMismatch(format!(
                    "{name}: a checkpoint of another run (model, seed, samples, design, confidence and interval must all match)"
                )));
            }
            let PartJob::Run {
                exact,
                ordered: chunks,
                ..
            } = &saved.job
            else {
                unreachable!("checked to be a run above");
            };
            let bad = |reason: String| Error::CorruptPart {
                file: name.clone(),
                reason,
            };
            for chunk in chunks {
                parts::merge_ordered(&mut total, chunk).map_err(bad)?;
                self.observe(ctx, convergence, &total);
            }
            parts::merge_exact(&mut total, exact).map_err(bad)?;
            ordered = chunks.clone();
            first = saved.chunks.1;
        }
        let mut save = |total: &Accumulators, ordered: &[Vec<u64>], done: u64| -> Result<()> {
            let Some(sink) = save_to.as_mut() else {
                return Ok(());
            };
            let part = self.part(
                (1, 1),
                (0, done),
                parts::encode_exact(total),
                ordered.to_vec(),
            );
            sink(&part.to_bytes()?)
        };
        let mut last_save = Instant::now();
        let mut done = first;
        let mut failure = None;
        let pass = run_chunks(
            program,
            settings,
            &windows,
            &ctx.workers,
            first..settings.chunks(),
            &mut |acc| {
                ordered.push(parts::encode_ordered(&acc));
                total.merge(&acc);
                self.observe(ctx, convergence, &total);
                done += 1;
                if last_save.elapsed() >= self.checkpoint_every && failure.is_none() {
                    failure = save(&total, &ordered, done).err();
                    last_save = Instant::now();
                }
            },
            &mut ctx.reporter(first * CHUNK_SIZE, settings.samples),
        )?;
        if let Some(e) = failure {
            return Err(e);
        }
        save(&total, &ordered, done)?;
        if !pass.cancelled {
            let chunks = 0..done;
            let replay = complete(
                program,
                settings,
                &ctx.workers,
                chunks,
                &mut total,
                &mut |_| {},
            )?;
            return Ok((total, replay.cancelled));
        }
        Ok((total, pass.cancelled))
    }
}

/// The tables of a run's results, in listing order (then manifest.json,
/// draws and report.html).
pub const RUN_TABLES: [&dyn Tabular<RunResults>; 4] =
    [&SummaryCsv, &QuantilesCsv, &HistogramCsv, &ConvergenceCsv];

/// A run's tables: `RUN_TABLES`, and horizon.csv for a stepped model.
pub fn run_tables(stepped: bool) -> Vec<&'static dyn Tabular<RunResults>> {
    let mut tables = RUN_TABLES.to_vec();
    if stepped {
        tables.push(&crate::output::run::horizon_csv::HorizonCsv);
    }
    tables
}

/// summary.csv, histogram.csv and convergence.csv (or their Parquet),
/// manifest.json and report.html of a run, and its table.
pub fn run_output(report: &RunResults, out: FileChoice) -> Result<JobOutput> {
    let files = result_files(
        report,
        &run_tables(report.horizon.is_some()),
        &[&Manifest],
        out,
    )?;
    let mut out = JobOutput::table(
        files,
        output::run::terminal::render(report),
        non_finite_warnings(&report.model_name, &report.quantities),
    );
    // The draws went to their sink: the listing is the report's.
    out.written = report.files.clone();
    Ok(out)
}

/// A shard's part file; `what` names the job in the shell's line.
pub(super) fn shard_output(part: &PartFile, what: &str) -> Result<JobOutput> {
    let name = part.file_name();
    Ok(JobOutput {
        files: vec![crate::output::OutputFile {
            name: name.clone(),
            bytes: part.to_bytes()?,
        }],
        written: vec![name],
        presentation: Presentation::Shard {
            what: what.to_string(),
            shard: part.shard,
            chunks: part.chunks,
        },
        warnings: Vec::new(),
    })
}
