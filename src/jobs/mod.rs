//! Jobs: what a shell asks for, validated into a typed value, run with its
//! own cancellation token and progress callback, and returned as data plus
//! the exact bytes of each output file. The CLI, the server and the Python
//! package are shells over this layer; nothing here prints, exits or keeps
//! process-wide state.
//!
//! A job is built from its spec (`spec`: the options, named as the HTTP API
//! names them, `relative_precision`) and model files read through
//! `ModelFiles` (`LayeredFiles`: texts held in memory above the disk or a
//! model library); an error in either is an `Error` naming the file, line
//! and key, or the option.

pub mod check;
pub mod compare;
mod job;
pub mod merge;
pub mod rare;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod spec;
mod stopping;
pub mod sweep;

pub use crate::engine::{CancelToken, Outcome, Workers};
pub use crate::model::source::ModelFiles;
pub use crate::output::OutputFile;
pub use crate::output::format::tabular::TableFormat;
pub use job::Job;

use crate::engine::RunSettings;
use crate::engine::design::Design;
use crate::error::{Error, Result};
use crate::model::compile::compile;
use crate::model::overrides::{self, Override};
use crate::model::{Model, source};
use crate::output::Exporter;
use crate::output::format::tabular::Tabular;
use crate::stats::interval::ProportionInterval;
use crate::stats::quantiles::QuantileRequest;
use crate::summary::SummarySettings;
use crate::summary::convergence::ConvergencePoint;
use std::path::Path;
use std::time::Instant;

/// How a job reports progress: units done (samples, or model evaluations
/// for a sensitivity analysis) of the total. Called from the job's thread,
/// at most once per wave of chunks. The total may be revised: a run that
/// a stopping rule ends before its `max_samples`, and `rare`, report last
/// the samples (evaluations) they made out of themselves, so the last call
/// is what was done.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Where a run's estimates go as they settle: what they are estimates of,
/// then each convergence point as it is recorded (what a live page draws).
pub type WatchFn<'a> = &'a (dyn Fn(&Watched, &ConvergencePoint) + Sync);

/// What a watched run's convergence points are about.
pub struct Watched<'a> {
    /// The events and outputs, in the order of each point's estimates.
    quantities: &'a [crate::engine::program::Quantity],
    pub confidence: f64,
}

impl Watched<'_> {
    /// The name of the `i`-th quantity of each point's estimates, and
    /// whether it is an event (else an output).
    pub fn quantity(&self, i: usize) -> Option<(&str, bool)> {
        self.quantities.get(i).map(|q| {
            (
                q.name.as_str(),
                q.kind == crate::engine::program::QuantityKind::Event,
            )
        })
    }
}

/// What a job runs with: threads and a cancellation token (`Workers`), and
/// where its progress goes.
pub struct RunContext<'a> {
    pub workers: Workers,
    pub progress: ProgressFn<'a>,
    /// A `run`'s convergence points, as they are recorded.
    pub watch: Option<WatchFn<'a>>,
}

impl<'a> RunContext<'a> {
    pub fn new(workers: Workers) -> RunContext<'static> {
        RunContext {
            workers,
            progress: &|_, _| {},
            watch: None,
        }
    }

    pub fn with_progress<'b>(self, progress: ProgressFn<'b>) -> RunContext<'b>
    where
        'a: 'b,
    {
        RunContext {
            workers: self.workers,
            progress,
            watch: self.watch,
        }
    }

    pub fn with_watch<'b>(self, watch: WatchFn<'b>) -> RunContext<'b>
    where
        'a: 'b,
    {
        RunContext {
            workers: self.workers,
            progress: self.progress,
            watch: Some(watch),
        }
    }

    pub fn cancel_token(&self) -> &CancelToken {
        self.workers.cancel_token()
    }

    /// An engine progress callback reporting `offset + done` of `total`.
    fn reporter(&self, offset: u64, total: u64) -> impl FnMut(u64) + '_ {
        let progress = self.progress;
        move |done| progress(offset + done, total)
    }
}

/// How a shell shows a finished job.
#[derive(Debug, Clone, PartialEq)]
pub enum Presentation {
    /// A table, then the files written.
    Table(String),
    /// One line about a shard's part file.
    Shard {
        what: String,
        shard: (u64, u64),
        chunks: (u64, u64),
    },
}

/// What a job hands its shell.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutput {
    /// Every file of the results with its exact bytes, in listing order.
    pub files: Vec<OutputFile>,
    /// Every file name the job produced, in listing order: `files`, and
    /// `draws.csv` when the job streamed it to the sink it was given.
    pub written: Vec<String>,
    pub presentation: Presentation,
    /// For the user to read (samples that were NaN, say).
    pub warnings: Vec<String>,
}

/// `outcome` with `warnings` (the models' own, from loading) ahead of the
/// job's.
fn warned(outcome: Result<Outcome<JobOutput>>, warnings: &[String]) -> Result<Outcome<JobOutput>> {
    outcome.map(|o| {
        o.map(|mut out| {
            let mut all = warnings.to_vec();
            all.append(&mut out.warnings);
            out.warnings = all;
            out
        })
    })
}

impl JobOutput {
    /// The file named `name`, if the job wrote it.
    pub fn file(&self, name: &str) -> Option<&OutputFile> {
        self.files.iter().find(|f| f.name == name)
    }

    fn table(files: Vec<OutputFile>, table: String, warnings: Vec<String>) -> JobOutput {
        JobOutput {
            written: files.iter().map(|f| f.name.clone()).collect(),
            files,
            presentation: Presentation::Table(table),
            warnings,
        }
    }
}

/// Which files a job writes: its tables' format, and whether report.html
/// is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileChoice {
    pub tables: TableFormat,
    pub report: bool,
}

impl FileChoice {
    /// What a spec's `format` and `no_report` ask for.
    pub fn new(outputs: &spec::Outputs) -> FileChoice {
        FileChoice {
            tables: outputs.format,
            report: !outputs.no_report,
        }
    }
}

/// A result's file names in listing order: its tables in `out.tables`
/// (every CSV, then every Parquet), then `others`, then report.html if
/// asked for.
fn listing<R>(tables: &[&dyn Tabular<R>], out: FileChoice, others: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = crate::output::format::tabular::names(tables, out.tables)
        .into_iter()
        .chain(others.iter().copied())
        .map(str::to_string)
        .collect();
    if out.report {
        names.push(crate::output::report::FILE_NAME.to_string());
    }
    names
}

/// A result's files, in the order of `listing`: its tables in
/// `out.tables`, the files of `others`, then report.html, drawn from the
/// CSV tables and `others` (the CSV tables are built for it even when only
/// Parquet is written).
fn result_files<R>(
    report: &R,
    tables: &[&dyn Tabular<R>],
    others: &[&dyn Exporter<R>],
    out: FileChoice,
) -> Result<Vec<OutputFile>> {
    let export = |format| {
        let boxed = crate::output::format::tabular::exporters(tables, format);
        let exporters: Vec<&dyn Exporter<R>> = boxed.iter().map(|b| b.as_ref()).collect();
        crate::output::export(report, &exporters)
    };
    let rest = crate::output::export(report, others)?;
    let csv = if out.tables.csv() || out.report {
        export(TableFormat::Csv)?
    } else {
        Vec::new()
    };
    let html = if out.report {
        let mut drawn_from = csv.clone();
        drawn_from.extend(rest.iter().cloned());
        Some(OutputFile {
            name: crate::output::report::FILE_NAME.to_string(),
            bytes: crate::output::report::render(&[crate::output::report::ResultFiles {
                label: String::new(),
                files: drawn_from,
            }])?,
        })
    } else {
        None
    };
    let mut files = Vec::new();
    if out.tables.csv() {
        files.extend(csv);
    }
    if out.tables.parquet() {
        files.extend(export(TableFormat::Parquet)?);
    }
    files.extend(rest);
    files.extend(html);
    Ok(files)
}

impl spec::Sampling {
    /// What a run of these options depends on, and how its numbers are
    /// reported.
    fn settings(&self, interval: ProportionInterval) -> Result<(RunSettings, SummarySettings)> {
        sampling_settings(self.samples.get(), &self.estimation, self.design, interval)
    }
}

/// The settings of `samples` samples of `design`, checked.
fn sampling_settings(
    samples: u64,
    estimation: &spec::Estimation,
    design: Design,
    interval: ProportionInterval,
) -> Result<(RunSettings, SummarySettings)> {
    let confidence = estimation.confidence;
    if samples < 2 {
        return Err(Error::option(
            "samples",
            format!("{{samples}} must be at least 2, got {samples}"),
        ));
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::option(
            "confidence",
            format!("{{confidence}} must be in (0, 1), got {confidence}"),
        ));
    }
    Ok((
        RunSettings {
            samples,
            seed: estimation.seed.get(),
            design,
            quantiles: QuantileRequest::standard(confidence),
        },
        SummarySettings {
            confidence,
            proportion_interval: interval,
        },
    ))
}

/// What one job may ask of the machine it runs on. The command line and
/// the Python package set none; the service sets its own
/// (`gaprisk serve --max-nodes`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries a model may have (checked before it is compiled).
    pub max_nodes: usize,
    /// Points of a sweep's grid: each is a compiled model in memory.
    pub max_points: usize,
    /// Model evaluations one job may make, over all its models, points or
    /// design columns.
    pub max_evaluations: u64,
}

impl Limits {
    pub const NONE: Limits = Limits {
        max_nodes: usize::MAX,
        max_points: usize::MAX,
        max_evaluations: u64::MAX,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::NONE
    }
}

/// The model file `path` with everything it extends, refused when it has
/// more entries than `limits` allow (before the work of compiling it).
fn load_spec(
    files: &dyn ModelFiles,
    path: &Path,
    limits: &Limits,
) -> Result<crate::model::spec::ModelSpec> {
    let spec = source::load_from(files, path)?;
    if spec.entries.len() > limits.max_nodes {
        return Err(Error::TooManyNodes {
            file: path.display().to_string(),
            nodes: spec.entries.len(),
            limit: limits.max_nodes,
        });
    }
    Ok(spec)
}

/// A model loaded for a job: resolved, overridden, validated, compiled.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// The file as the request named it (manifests record it).
    pub file: String,
    pub model: Model,
    pub program: crate::engine::program::Program,
}

impl LoadedModel {
    pub fn load(
        files: &dyn ModelFiles,
        path: &Path,
        set: &[Override],
        limits: &Limits,
    ) -> Result<LoadedModel> {
        let spec = load_spec(files, path, limits)?;
        let spec = overrides::apply(spec, set)?;
        let model = crate::model::validate::validate(spec)?;
        let program = compile(&model)?;
        Ok(LoadedModel {
            file: path.display().to_string(),
            model,
            program,
        })
    }

    pub fn name(&self) -> &str {
        self.model.name()
    }

    /// The model's warnings (inputs nothing uses), each naming the model.
    pub fn warnings(&self) -> Vec<String> {
        self.model.warnings.clone()
    }

    pub fn hash(&self) -> String {
        self.model.spec.hash()
    }

    /// What identifies the model's results in a cache: its hash and the
    /// hash of the metadata its files show (title, ...).
    pub fn cache_identity(&self) -> String {
        format!("{} {}", self.hash(), self.model.spec.metadata_hash())
    }

    /// An estimate of the heap memory the loaded model holds: the resolved
    /// model and its compiled program (tables both share counted once).
    pub fn heap_bytes(&self, seen: &mut crate::distributions::heap::Seen) -> u64 {
        use crate::distributions::heap::vec_bytes;
        let m = &self.model;
        self.file.capacity() as u64
            + m.spec.heap_bytes(seen)
            + vec_bytes(&m.order)
            + vec_bytes(&m.quantities)
            + m.warnings.iter().map(|w| w.capacity() as u64).sum::<u64>()
            + self.program.heap_bytes(seen)
    }

    pub fn id(&self) -> crate::output::format::manifest::ModelId {
        crate::output::format::manifest::ModelId {
            name: self.name().to_string(),
            file: self.file.clone(),
            hash: self.hash(),
        }
    }

    /// The quantity `name` asks for (through `option`), or the model's
    /// first event when no name is given.
    fn quantity(
        &self,
        option: &'static str,
        name: Option<&str>,
        list_available: bool,
    ) -> Result<usize> {
        match name {
            None => Ok(self.program.default_quantity()),
            Some(name) => self
                .program
                .quantity(name)
                .ok_or_else(|| Error::UnknownQuantity {
                    option,
                    name: name.to_string(),
                    available: list_available.then(|| self.program.quantity_names()),
                }),
        }
    }
}

/// Warnings about quantities with NaN or infinite samples: they are
/// excluded from every estimate (and counted in `non_finite`).
fn non_finite_warnings(model: &str, quantities: &[crate::summary::QuantitySummary]) -> Vec<String> {
    quantities
        .iter()
        .filter(|q| q.non_finite > 0)
        .map(|q| {
            format!(
                "{model}: {} of {} samples of {} were NaN or infinite; they are excluded from its estimates",
                q.non_finite, q.samples, q.name
            )
        })
        .collect()
}

fn seconds_since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

/// What an analysis's manifest records of how it ran; its files are filled
/// in by whoever lists them. `threads` is 0 for a merge.
fn analysis_run(
    settings: RunSettings,
    threads: usize,
    confidence: f64,
    started: Instant,
) -> crate::output::format::manifest::AnalysisRun {
    crate::output::format::manifest::AnalysisRun {
        settings,
        threads,
        confidence,
        elapsed_seconds: seconds_since(started),
        files: Vec::new(),
    }
}
