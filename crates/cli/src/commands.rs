//! Each command: its spec built into a job (the model loaded, the options
//! checked), run with a progress bar, its files written into the output
//! folder and its results printed.

use super::{Failure, progress};
use gaprisk::error::literal;
use gaprisk::files::{self, DrawsFile, OutputFile};
use gaprisk::spec::{Command, JobSpec, MergeSpec, ReportSpec};
use gaprisk::{
    CancelToken, Error, Job, JobOutput, LayeredFiles, Limits, MergeJob, Outcome, Presentation,
    ReportJob, Result, RunContext, RunSinks, Workers,
};
use std::path::{Path, PathBuf};

pub fn execute(command: Command, token: CancelToken) -> Result<(), Failure> {
    match command {
        Command::Job(spec) => job(spec, token),
        Command::Merge(s) => merge(s, token),
        Command::Check(s) => check(&s.model),
        Command::Report(s) => report(s),
    }
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
        files::remove_stale(&path);
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
    files::write_all(dir, &out.files)?;
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

/// run, compare, sweep, sensitivity or rare.
fn job(spec: JobSpec, token: CancelToken) -> Result<(), Failure> {
    let quiet = spec.outputs().quiet;
    let workers = spec.workers()?.with_cancel(token);
    // Built on the workers' pool, which compiles the quantile tables in
    // parallel.
    let mut job = workers.install(|| Job::build(&LayeredFiles::disk(), &spec, &Limits::NONE))?;
    let (draws_format, checkpoint) = match &spec {
        JobSpec::Run(run) => {
            if let Some(path) = &run.resume {
                job = job.resuming(&path.display().to_string(), &read_file(path)?)?;
            }
            (
                run.draws.then_some(run.draws_format),
                run.checkpoint.clone(),
            )
        }
        _ => (None, None),
    };
    let dir = OutDir::create(
        spec.outputs()
            .out
            .clone()
            .unwrap_or_else(|| job.default_dir()),
    )?;
    let mut draws = match draws_format {
        Some(format) => Some(DrawsFile::create(&dir, format)?),
        None => None,
    };
    let mut save = |bytes: &[u8]| -> Result<()> {
        match &checkpoint {
            Some(path) => files::write_atomically(path, bytes),
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

fn merge(a: MergeSpec, token: CancelToken) -> Result<(), Failure> {
    let parts = a
        .parts
        .iter()
        .map(|p| Ok((p.display().to_string(), read_file(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let job = MergeJob::new(parts, &a.outputs)?;
    let dir = OutDir::create(a.outputs.out.clone().unwrap_or_else(|| job.default_dir()))?;
    let outcome = with_progress(
        Workers::new(1)?.with_cancel(token),
        a.outputs.quiet,
        |ctx| job.execute(ctx),
    )?;
    finish(outcome, &dir, a.outputs.quiet)
}

fn report(a: ReportSpec) -> Result<(), Failure> {
    let out = match (&a.out, a.folders.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [dir]) => dir.join(files::REPORT),
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
                literal(&out.display().to_string()),
                literal(&out.join("report.html").display().to_string())
            ),
        )
        .into());
    }
    let mut folders = Vec::new();
    for dir in &a.folders {
        if !dir.is_dir() {
            return Err(Error::option(
                "folders",
                format!("{}: not a folder", literal(&dir.display().to_string())),
            )
            .into());
        }
        let mut files = Vec::new();
        for name in files::REPORT_INPUTS {
            let path = dir.join(name);
            if path.is_file() {
                files.push(OutputFile {
                    name: name.to_string(),
                    bytes: read_file(&path)?,
                });
            }
        }
        folders.push((dir.display().to_string(), files));
    }
    let file = ReportJob::new(folders)?.execute()?;
    files::write_atomically(&out, &file.bytes)?;
    if !a.quiet {
        show(&format!("wrote {}\n", out.display()));
    }
    Ok(())
}

fn check(model: &Path) -> Result<(), Failure> {
    let report = gaprisk::check(&LayeredFiles::disk(), model)?;
    for w in &report.warnings {
        eprintln!("gaprisk: warning: {w}");
    }
    show(&report.render());
    Ok(())
}

#[cfg(feature = "server")]
pub fn serve(spec: gaprisk_server::ServeSpec) -> Result<(), Failure> {
    gaprisk_server::serve(spec.config()?, |addr| {
        show(&format!("gaprisk: listening on http://{addr}\n"));
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })?;
    Ok(())
}
