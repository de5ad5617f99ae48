//! `run`: every event's probability and every output's distribution, with
//! an optional stopping rule, checkpoints, or one shard of the chunks.

use super::stopping::{Precision, StoppingRule};
use super::{
    FileChoice, JobOutput, LoadedModel, ModelFiles, Outcome, Presentation, RunContext,
    SamplingOptions, TableFormat, check_shard, listing, non_finite_warnings, result_files,
    seconds_since,
};
use crate::engine::chunk::{CHUNK_SIZE, samples_in, shard_range};
use crate::engine::refine::{complete, pilot_windows};
use crate::engine::runner::{DrawsSink, run_chunks, run_until};
use crate::engine::{Accumulators, RunSettings, parts};
use crate::error::{Error, Result};
use crate::model::overrides::Override;
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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a checkpoint is saved.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// A `run` as asked for, before validation.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub model: PathBuf,
    pub sampling: SamplingOptions,
    pub interval: ProportionInterval,
    pub set: Vec<Override>,
    /// Stream one row per sample to the draws sink given to `execute`.
    pub draws: bool,
    /// The draws as draws.csv or draws.parquet.
    pub draws_format: DrawsFormat,
    /// Stop when the target's interval half-width is at most this.
    pub precision: Option<f64>,
    /// Stop when the half-width is at most this times the estimate.
    pub relative_precision: Option<f64>,
    /// The event or output a stopping rule watches [the first event].
    pub target: Option<String>,
    /// The most samples a stopping rule may draw (replaces `samples`).
    pub max_samples: Option<u64>,
    /// Compute only shard K of N and return its part file.
    pub shard: Option<(u64, u64)>,
    /// Save progress through the checkpoint sink given to `execute`.
    pub checkpoint: bool,
    /// Continue a run saved by a checkpoint: (its name, its bytes).
    pub resume: Option<(String, Vec<u8>)>,
    /// How often a checkpoint is saved [`CHECKPOINT_EVERY`].
    pub checkpoint_every: Option<Duration>,
    /// Leave out report.html.
    pub no_report: bool,
    /// Write the tables as CSV, Parquet or both.
    pub format: TableFormat,
    /// Quantile levels reported beyond p05 ... p95 (in quantiles.csv).
    pub quantiles: Vec<f64>,
}

/// The default `max_samples` of a stopping rule.
pub const DEFAULT_MAX_SAMPLES: u64 = 100_000_000;

/// Where each checkpoint goes, as the bytes of a part file.
pub type CheckpointSink<'a> = &'a mut dyn FnMut(&[u8]) -> Result<()>;

/// Where a run's streamed outputs go.
#[derive(Default)]
pub struct RunSinks<'a> {
    /// The draws file (`RunRequest::draws_format`), written in sample order.
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
    pub fn new(files: &dyn ModelFiles, r: RunRequest) -> Result<RunJob> {
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
        if (r.checkpoint || r.resume.is_some())
            && (r.shard.is_some() || precision.is_some() || r.draws)
        {
            return Err(Error::option(
                if r.checkpoint { "checkpoint" } else { "resume" },
                "{checkpoint} and {resume} cannot be combined with {shard}, {draws} or a stopping rule",
            ));
        }
        if r.shard.is_some() && (precision.is_some() || r.draws) {
            return Err(Error::option(
                "shard",
                "{shard} cannot be combined with {draws} or a stopping rule",
            ));
        }
        check_shard(r.shard)?;
        if precision.is_none() && r.target.is_some() {
            return Err(Error::option(
                "target",
                "{target} needs {precision} or {relative_precision}",
            ));
        }
        let (mut settings, summary) = r.sampling.validate(r.interval)?;
        settings.quantiles = QuantileRequest::new(&r.quantiles, summary.confidence)
            .map_err(|e| Error::option("quantiles", format!("{{quantiles}}: {e}")))?;
        if precision.is_some() {
            let max = r.max_samples.unwrap_or(DEFAULT_MAX_SAMPLES);
            if max < 2 {
                return Err(Error::option(
                    "max_samples",
                    format!("{{max_samples}} must be at least 2, got {max}"),
                ));
            }
            settings.samples = max;
        }
        let resume = match r.resume {
            Some((name, bytes)) => Some((name.clone(), PartFile::from_bytes(&name, &bytes)?)),
            None => None,
        };
        let model = LoadedModel::load(files, &r.model, &r.set)?;
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
            shard: r.shard,
            checkpoint: r.checkpoint,
            checkpoint_every: r.checkpoint_every.unwrap_or(CHECKPOINT_EVERY),
            resume,
            out: FileChoice::new(r.format, r.no_report),
        })
    }

    /// `results/<model name>`.
    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        vec![self.model.hash()]
    }

    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(self.model.name())
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// Runs the job. Cancelled, it returns the results of the chunks done
    /// (`partial: true` in the manifest), or nothing if none was; a
    /// cancelled shard returns nothing.
    /// Runs the job; its output carries the models' warnings first.
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
        let mut others = vec![manifest::FILE_NAME];
        if let Some(draws) = self.draws {
            others.push(draws.file_name());
        }
        let files = listing(&RUN_TABLES, self.out, &others);
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
        match (self.draws, draws) {
            (Some(DrawsFormat::Csv), Some(out)) => {
                writeln!(out, "sample,{}", program.draw_names().join(","))
                    .map_err(|e| Error::io("cannot write draws", e))?;
                csv = Some(out);
            }
            (Some(DrawsFormat::Parquet), Some(out)) => {
                parquet =
                    Some(DrawsParquet::new(out, &program.draw_names()).map_err(|e| fail(&e))?);
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

/// summary.csv, histogram.csv and convergence.csv (or their Parquet),
/// manifest.json and report.html of a run, and its table.
pub fn run_output(report: &RunResults, out: FileChoice) -> Result<JobOutput> {
    let files = result_files(report, &RUN_TABLES, &[&Manifest], out)?;
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
