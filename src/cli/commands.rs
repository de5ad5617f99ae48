//! Each command: its arguments as a job request, the job built and run, its
//! files written into the output folder and its results printed.

use super::args::{
    CheckArgs, Command, CompareArgs, MergeArgs, ReportCommandArgs, RunArgs, SensitivityArgs,
    SweepArgs,
};
use super::{Failure, progress};
use crate::analysis::sweep::parse_axis;
use crate::engine::{CancelToken, Workers};
use crate::error::{Error, Result};
use crate::jobs::compare::{CompareJob, CompareRequest};
use crate::jobs::merge::MergeJob;
use crate::jobs::run::{RunJob, RunRequest, RunSinks};
use crate::jobs::sensitivity::{SensitivityJob, SensitivityRequest};
use crate::jobs::sweep::{SweepJob, SweepRequest};
use crate::jobs::{DiskFiles, JobOutput, Outcome, Presentation, RunContext, parse_set};
use crate::output::{self, format::atomic, run::draws::DrawsFile};
use std::path::{Path, PathBuf};

pub fn execute(command: Command, token: CancelToken) -> Result<(), Failure> {
    match command {
        Command::Run(a) => run(a, token),
        Command::Compare(a) => compare(a, token),
        Command::Sweep(a) => sweep(a, token),
        Command::Sensitivity(a) => sensitivity(a, token),
        Command::Merge(a) => merge(a, token),
        Command::Rare(a) => rare(a, token),
        Command::Check(a) => check(a),
        Command::Report(a) => report(a),
        #[cfg(feature = "server")]
        Command::Serve(a) => serve(a),
    }
}

/// The worker threads a command asked for (0: one per core), with the
/// process's cancellation token.
fn workers(threads: Option<usize>, token: CancelToken) -> Result<Workers> {
    if threads == Some(0) {
        return Err(Error::option("threads", "{threads} must be at least 1"));
    }
    Ok(Workers::new(threads.unwrap_or(0))?.with_cancel(token))
}

/// The output folder of a command: created once every input is valid, and
/// removed again (with any parent it created) if the command ends with
/// nothing written into it, interrupted or failed, so that no empty folder
/// is left behind.
struct OutDir {
    path: PathBuf,
    /// The folders this command created, the outermost first.
    created: Vec<PathBuf>,
}

impl OutDir {
    /// Creates the folder and clears temporary files that killed runs left
    /// in it.
    fn create(path: PathBuf) -> Result<OutDir> {
        if path.exists() && !path.is_dir() {
            return Err(Error::option(
                "out",
                format!(
                    "{{out}} {} is a file, not a folder: give a folder for the results",
                    path.display()
                ),
            ));
        }
        let created: Vec<PathBuf> = path
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        std::fs::create_dir_all(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        atomic::remove_stale(&path);
        Ok(OutDir { path, created })
    }
}

impl std::ops::Deref for OutDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        // remove_dir removes empty folders only: anything written stays.
        for dir in self.created.iter().rev() {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Runs a job with a progress bar.
fn with_progress(
    workers: Workers,
    quiet: bool,
    job: impl FnOnce(&RunContext) -> Result<Outcome<JobOutput>>,
) -> Result<Outcome<JobOutput>> {
    let bar = progress::bar(quiet);
    let report = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let ctx = RunContext::new(workers).with_progress(&report);
    let outcome = job(&ctx);
    bar.finish_and_clear();
    outcome
}

/// Writes a finished job's files, prints its warnings and results, and
/// turns a cancel into the interrupted failure.
fn finish(outcome: Outcome<JobOutput>, dir: &Path, quiet: bool) -> Result<(), Failure> {
    let (out, interrupted) = match outcome {
        Outcome::Completed(out) => (out, None),
        Outcome::Cancelled {
            samples_done,
            partial: Some(out),
        } => (out, Some(samples_done)),
        Outcome::Cancelled { partial: None, .. } => {
            return Err(Failure::Interrupted { samples: 0 });
        }
    };
    output::write_all(dir, &out.files)?;
    for w in &out.warnings {
        eprintln!("gaprisk: warning: {w}");
    }
    if !quiet {
        let text = match &out.presentation {
            Presentation::Table(table) => {
                let written: Vec<String> = out
                    .written
                    .iter()
                    .map(|f| dir.join(f).display().to_string())
                    .collect();
                format!("{table}\nwrote {}\n", written.join(", "))
            }
            Presentation::Shard {
                what,
                shard: (k, n),
                chunks: (start, end),
            } => {
                let file = dir.join(&out.written[0]);
                format!(
                    "{what}: shard {k} of {n}, chunks {start}..{end}; wrote {}\n",
                    file.display()
                )
            }
        };
        show(&text);
    }
    match interrupted {
        Some(samples) => Err(Failure::Interrupted { samples }),
        None => Ok(()),
    }
}

/// Prints to stdout. A reader that went away (`gaprisk run ... | head`)
/// is not an error of the command: its files are written either way.
fn show(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

fn run(a: RunArgs, token: CancelToken) -> Result<(), Failure> {
    let request = RunRequest {
        model: a.model,
        sampling: a.sampling.options(),
        interval: a.interval.into(),
        set: parse_set(&a.set)?,
        draws: a.draws,
        precision: a.precision,
        relative_precision: a.relative_precision,
        target: a.target,
        max_samples: Some(a.max_samples),
        shard: a.shard,
        checkpoint: a.checkpoint.is_some(),
        checkpoint_every: None,
        resume: match &a.resume {
            Some(path) => Some((path.display().to_string(), read_file(path)?)),
            None => None,
        },
        no_report: a.report.no_report,
        format: a.format.format.into(),
        draws_format: a.draws_format.into(),
        quantiles: a.quantiles.clone(),
    };
    let quiet = a.sampling.quiet;
    let workers = workers(a.sampling.threads, token)?;
    // Loaded on the workers' pool, which builds the quantile tables in parallel.
    let job = workers.install(|| RunJob::new(&DiskFiles, request))?;
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let mut draws = if a.draws {
        Some(DrawsFile::create(&dir, a.draws_format.into())?)
    } else {
        None
    };
    let checkpoint_path = a.checkpoint;
    let mut save = |bytes: &[u8]| -> Result<()> {
        match &checkpoint_path {
            Some(path) => atomic::write(path, bytes),
            None => Ok(()),
        }
    };
    let outcome = with_progress(workers, quiet, |ctx| {
        job.execute(
            ctx,
            RunSinks {
                draws: draws.as_mut().map(|d| d.writer()),
                checkpoint: Some(&mut save),
            },
        )
    })?;
    if let Some(d) = draws
        && !matches!(outcome, Outcome::Cancelled { partial: None, .. })
    {
        d.commit()?;
    }
    finish(outcome, &dir, quiet)
}

/// Two paths to one file: their canonical forms agree.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn compare(a: CompareArgs, token: CancelToken) -> Result<(), Failure> {
    let request = CompareRequest {
        base: a.base,
        variants: a.variants,
        sampling: a.sampling.options(),
        set: parse_set(&a.set)?,
        shard: a.shard,
        no_report: a.report.no_report,
        format: a.format.format.into(),
    };
    let quiet = a.sampling.quiet;
    let workers = workers(a.sampling.threads, token)?;
    let job = workers.install(|| CompareJob::new(&DiskFiles, request, &same_file))?;
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(workers, quiet, |ctx| job.execute(ctx))?;
    finish(outcome, &dir, quiet)
}

fn sweep(a: SweepArgs, token: CancelToken) -> Result<(), Failure> {
    let request = SweepRequest {
        model: a.model,
        axes: a
            .set
            .iter()
            .map(|t| parse_axis(t))
            .collect::<Result<Vec<_>>>()?,
        sampling: a.sampling.options(),
        no_report: a.report.no_report,
        format: a.format.format.into(),
    };
    let quiet = a.sampling.quiet;
    let workers = workers(a.sampling.threads, token)?;
    let job = workers.install(|| SweepJob::new(&DiskFiles, request))?;
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(workers, quiet, |ctx| job.execute(ctx))?;
    finish(outcome, &dir, quiet)
}

fn sensitivity(a: SensitivityArgs, token: CancelToken) -> Result<(), Failure> {
    let request = SensitivityRequest {
        model: a.model,
        quantity: a.quantity,
        method: a.method.into(),
        design: a.design.map(Into::into),
        samples: a.samples,
        seed: a.seed,
        confidence: a.confidence,
        bootstrap: a.bootstrap,
        sampler: a.sampler.and_then(Into::into),
        shard: a.shard,
        no_report: a.report.no_report,
        format: a.format.format.into(),
    };
    let workers = workers(a.threads, token)?;
    let job = workers.install(|| SensitivityJob::new(&DiskFiles, request))?;
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(workers, a.quiet, |ctx| job.execute(ctx))?;
    finish(outcome, &dir, a.quiet)
}

fn rare(a: super::args::RareArgs, token: CancelToken) -> Result<(), Failure> {
    let request = crate::jobs::rare::RareRequest {
        model: a.model,
        event: a.event,
        method: a.method.into(),
        samples: a.samples,
        seed: a.seed,
        confidence: a.confidence,
        set: parse_set(&a.set)?,
        no_report: a.report.no_report,
        format: a.format.format.into(),
    };
    let job = crate::jobs::rare::RareJob::new(&DiskFiles, request)?;
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(workers(Some(1), token)?, a.quiet, |ctx| job.execute(ctx))?;
    finish(outcome, &dir, a.quiet)
}

fn merge(a: MergeArgs, token: CancelToken) -> Result<(), Failure> {
    let parts = a
        .parts
        .iter()
        .map(|p| Ok((p.display().to_string(), read_file(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let job = MergeJob::new(parts, a.report.no_report)?.with_format(a.format.format.into());
    let dir = OutDir::create(a.out.unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(workers(Some(1), token)?, a.quiet, |ctx| job.execute(ctx))?;
    finish(outcome, &dir, a.quiet)
}

fn report(a: ReportCommandArgs) -> Result<(), Failure> {
    let out = match (&a.out, a.folders.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [dir]) => dir.join(crate::output::report::FILE_NAME),
        (None, _) => {
            return Err(
                Error::option("out", "a report over several folders needs {out} FILE").into(),
            );
        }
    };
    if out.is_dir() {
        return Err(Error::option(
            "out",
            format!(
                "{{out}} {} is a folder; give a file name such as {}",
                crate::error::literal(&out.display().to_string()),
                crate::error::literal(&out.join("report.html").display().to_string())
            ),
        )
        .into());
    }
    let mut folders = Vec::new();
    for dir in &a.folders {
        if !dir.is_dir() {
            return Err(Error::option(
                "folders",
                format!(
                    "{}: not a folder",
                    crate::error::literal(&dir.display().to_string())
                ),
            )
            .into());
        }
        let mut files = Vec::new();
        for name in crate::jobs::report::INPUT_FILES {
            let path = dir.join(name);
            if path.is_file() {
                files.push(crate::jobs::OutputFile {
                    name: name.to_string(),
                    bytes: read_file(&path)?,
                });
            }
        }
        folders.push((dir.display().to_string(), files));
    }
    let file = crate::jobs::report::ReportJob::new(folders)?.execute()?;
    atomic::write(&out, &file.bytes)?;
    if !a.quiet {
        show(&format!("wrote {}\n", out.display()));
    }
    Ok(())
}

fn check(a: CheckArgs) -> Result<(), Failure> {
    let report = crate::jobs::check::check(&DiskFiles, &a.model)?;
    for w in &report.warnings {
        eprintln!("gaprisk: warning: {w}");
    }
    show(&report.render());
    Ok(())
}

#[cfg(feature = "server")]
pub fn serve(a: super::args::ServeArgs) -> Result<(), Failure> {
    if a.jobs == 0 {
        return Err(Error::option("jobs", "{jobs} must be at least 1").into());
    }
    if !(a.checkpoint_every > 0.0 && a.checkpoint_every.is_finite()) {
        return Err(Error::option(
            "checkpoint_every",
            "{checkpoint_every} must be a positive number of seconds",
        )
        .into());
    }
    let token = match &a.token_file {
        Some(path) => Some(crate::server::read_token(path)?),
        None => None,
    };
    let config = crate::server::ServeConfig {
        listen: a.listen,
        data: a.data,
        models: a.models,
        jobs: a.jobs,
        token,
        max_body: a.max_body,
        max_queue: a.max_queue,
        max_samples: a.max_samples,
        max_nodes: a.max_nodes,
        max_points: a.max_points,
        checkpoint_every: std::time::Duration::from_secs_f64(a.checkpoint_every),
    };
    crate::server::serve(config, |addr| {
        show(&format!("gaprisk: listening on http://{addr}\n"));
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })?;
    Ok(())
}
