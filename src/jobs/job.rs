//! `Job`: any job the service or the Python package runs, built from a
//! `JobSpec`. It knows what a shell needs to know about it without
//! knowing its command: its cache key (equal keys give equal bytes),
//! the model evaluations it will make, and how to run.

use super::compare::CompareJob;
use super::rare::{self, RareJob};
use super::run::{RunJob, RunSinks};
use super::sensitivity::SensitivityJob;
use super::spec::{JobKind, JobSpec};
use super::sweep::SweepJob;
use super::{JobOutput, Limits, ModelFiles, Outcome, RunContext};
use crate::error::{Error, Result};
use std::path::PathBuf;

/// One per job, built once and run: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Work {
    Run(RunJob),
    Compare(CompareJob),
    Sweep(SweepJob),
    Sensitivity(SensitivityJob),
    Rare(RareJob),
}

/// A validated job, its models loaded and compiled.
pub struct Job {
    work: Work,
    cache_key: String,
}

impl Job {
    /// Validates `spec`, loads its models from `files` and compiles them,
    /// within `limits`.
    pub fn build(files: &dyn ModelFiles, spec: &JobSpec, limits: &Limits) -> Result<Job> {
        let work = match spec {
            JobSpec::Run(s) => RunJob::new(files, s, limits).map(Work::Run),
            JobSpec::Compare(s) => CompareJob::new(files, s, limits).map(Work::Compare),
            JobSpec::Sweep(s) => SweepJob::new(files, s, limits).map(Work::Sweep),
            JobSpec::Sensitivity(s) => SensitivityJob::new(files, s, limits).map(Work::Sensitivity),
            JobSpec::Rare(s) => RareJob::new(files, s, limits).map(Work::Rare),
        }
        .map_err(|e| match e {
            // A model over the limit is the request's `model` or one of its
            // `variants`.
            Error::TooManyNodes { ref file, .. } => Error::InvalidRequest {
                key: spec.request_key(file),
                message: e.to_string(),
            },
            e => e,
        })?;
        let job = Job {
            cache_key: cache_key(spec, &model_hashes(&work)),
            work,
        };
        job.check_budget(spec, limits)?;
        Ok(job)
    }

    pub fn kind(&self) -> JobKind {
        match &self.work {
            Work::Run(_) => JobKind::Run,
            Work::Compare(_) => JobKind::Compare,
            Work::Sweep(_) => JobKind::Sweep,
            Work::Sensitivity(_) => JobKind::Sensitivity,
            Work::Rare(_) => JobKind::Rare,
        }
    }

    /// What identifies the job's results, the key a service caches them
    /// by: the gaprisk version, the command, its models as named and the
    /// options that decide its bytes, and the resolved models' hashes
    /// (after `extends` and `set`), as a SHA-256 in hex. Two jobs with the
    /// same key write the same bytes (but for the times a manifest
    /// records).
    pub fn cache_key(&self) -> &str {
        &self.cache_key
    }

    /// The model evaluations the job makes at most: its samples times its
    /// models (compare), points (sweep), design columns (sensitivity) or
    /// levels (rare).
    pub fn evaluations(&self) -> u64 {
        match &self.work {
            Work::Run(j) => j.settings().samples,
            Work::Compare(j) => j.evaluations(),
            Work::Sweep(j) => j.evaluations(),
            Work::Sensitivity(j) => j.evaluations(),
            Work::Rare(j) => j.evaluations(),
        }
    }

    /// An estimate, in bytes, of the memory the built job holds until it is
    /// dropped: its resolved and compiled models (each sweep point is one,
    /// with quantile tables of its own; a table two models share is counted
    /// once), the values of discrete and empirical distributions, names
    /// and expressions, and a run's checkpoint to resume. What it
    /// allocates while it runs (columns of samples, a Sobol design's
    /// values) is not counted. A shell keeping built jobs waiting can hold
    /// them within a byte budget with it.
    pub fn heap_bytes(&self) -> u64 {
        let held = match &self.work {
            Work::Run(j) => j.heap_bytes(),
            Work::Compare(j) => j.heap_bytes(),
            Work::Sweep(j) => j.heap_bytes(),
            Work::Sensitivity(j) => j.heap_bytes(),
            Work::Rare(j) => j.heap_bytes(),
        };
        (std::mem::size_of::<Job>() + self.cache_key.capacity()) as u64 + held
    }

    /// The total its progress starts against (units of `RunContext`'s
    /// progress callback; the job may revise it as it goes).
    pub fn progress_total(&self) -> u64 {
        match &self.work {
            Work::Run(j) => j.settings().samples,
            Work::Compare(j) => j.samples(),
            Work::Sweep(j) => j.samples(),
            Work::Sensitivity(j) => j.samples(),
            Work::Rare(j) => j.samples().saturating_mul(rare::PROGRESS_LEVELS),
        }
    }

    /// Where the command line writes its results unless told:
    /// `results/<model name>`, `results/compare-<base model name>`, ...
    pub fn default_dir(&self) -> PathBuf {
        match &self.work {
            Work::Run(j) => j.default_dir(),
            Work::Compare(j) => j.default_dir(),
            Work::Sweep(j) => j.default_dir(),
            Work::Sensitivity(j) => j.default_dir(),
            Work::Rare(j) => j.default_dir(),
        }
    }

    /// A run saves a checkpoint every `every` through the sink `execute`
    /// is given, where it can be resumed (`RunJob::checkpointed`); other
    /// jobs are quick to start again.
    pub fn checkpointed(self, every: std::time::Duration) -> Job {
        match self.work {
            Work::Run(j) => Job {
                work: Work::Run(j.checkpointed(every)),
                cache_key: self.cache_key,
            },
            work => Job {
                work,
                cache_key: self.cache_key,
            },
        }
    }

    /// A run continues from a checkpoint's bytes (`RunJob::resuming`).
    pub fn resuming(self, name: &str, bytes: &[u8]) -> Result<Job> {
        match self.work {
            Work::Run(j) => Ok(Job {
                work: Work::Run(j.resuming(name, bytes)?),
                cache_key: self.cache_key,
            }),
            _ => Err(Error::option(
                "resume",
                "only a run continues from a checkpoint ({resume})",
            )),
        }
    }

    /// The run's draws: the names of their columns, one per sample and
    /// column in all; `None` if the job is not a run writing draws.
    pub fn draws_columns(&self) -> Option<Vec<String>> {
        match &self.work {
            Work::Run(j) if j.writes_draws() => Some(j.model.program.draw_names()),
            _ => None,
        }
    }

    /// Runs the job. `sinks` are a run's (draws, checkpoints); other jobs
    /// stream nothing.
    pub fn execute(&self, ctx: &RunContext, sinks: RunSinks) -> Result<Outcome<JobOutput>> {
        match &self.work {
            Work::Run(j) => j.execute(ctx, sinks),
            Work::Compare(j) => j.execute(ctx),
            Work::Sweep(j) => j.execute(ctx),
            Work::Sensitivity(j) => j.execute(ctx),
            Work::Rare(j) => j.execute(ctx),
        }
    }

    /// Refuses a job that would make more model evaluations than `limits`
    /// allow, naming the option that sets its size.
    fn check_budget(&self, spec: &JobSpec, limits: &Limits) -> Result<()> {
        let evaluations = self.evaluations();
        if evaluations <= limits.max_evaluations {
            return Ok(());
        }
        let option = match (spec, &self.work) {
            (JobSpec::Run(s), _) if s.precision.is_some() || s.relative_precision.is_some() => {
                "max_samples"
            }
            // Within the budget but for its resamples.
            (_, Work::Sensitivity(j))
                if evaluations - j.bootstrap_evaluations() <= limits.max_evaluations =>
            {
                "bootstrap"
            }
            _ => "samples",
        };
        Err(Error::option(
            option,
            format!(
                "{{{option}}}: {evaluations} model evaluations is more than this server's limit of {}",
                limits.max_evaluations
            ),
        ))
    }
}

fn model_hashes(work: &Work) -> Vec<String> {
    match work {
        Work::Run(j) => j.model_hashes(),
        Work::Compare(j) => j.model_hashes(),
        Work::Sweep(j) => j.model_hashes(),
        Work::Sensitivity(j) => j.model_hashes(),
        Work::Rare(j) => j.model_hashes(),
    }
}

fn cache_key(spec: &JobSpec, hashes: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let models: Vec<String> = spec
        .models()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let text = format!(
        "gaprisk {}\n{}\n{}\n{}\n{}",
        env!("CARGO_PKG_VERSION"),
        spec.kind(),
        models.join("\n"),
        spec.canonical(),
        hashes.join("\n")
    );
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
