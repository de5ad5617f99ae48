//! `sweep`: the model over a line or grid of input values, on common random
//! numbers.

use super::spec::{Outputs, Sampling};
use super::{
    FileChoice, JobOutput, Limits, ModelFiles, Outcome, RunContext, analysis_run, listing,
    result_files,
};
use crate::analysis::sweep::{self, Axis};
use crate::engine::RunSettings;
use crate::engine::program::Program;
use crate::error::{Error, Result, literal};
use crate::output;
use crate::output::format::manifest::{self, Manifest, ModelId};
use crate::output::sweep::SweepResults;
use crate::output::sweep::sweep_csv::{self, SweepCsv};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `sweep`'s options. `set` is required; every other option has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct SweepSpec {
    /// The model file (TOML).
    #[serde(skip)]
    pub model: PathBuf,
    /// An input and its values: NAME=START:STOP:POINTS (evenly spaced,
    /// both ends included), NAME=V1,V2,... or NAME=VALUE (in a request: an
    /// object of input name -> "START:STOP:POINTS", "V1,V2,...", a list of
    /// numbers or a number). At most two inputs may take several values (a
    /// line or a grid); the first varies slowest.
    #[cfg_attr(
        feature = "cli",
        arg(long = "set", value_name = "NAME=VALUES", required = true)
    )]
    #[serde(with = "sweep::as_map")]
    #[schemars(schema_with = "sweep::as_map::schema")]
    pub set: Vec<Axis>,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub sampling: Sampling,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
}

pub struct SweepJob {
    model: ModelId,
    /// The hash of the metadata the model's files show (title, ...).
    metadata: String,
    axes: Vec<Axis>,
    points: Vec<(Vec<f64>, Program)>,
    settings: RunSettings,
    summary: SummarySettings,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl SweepJob {
    pub fn new(files: &dyn ModelFiles, r: &SweepSpec, limits: &Limits) -> Result<SweepJob> {
        sweep::check_axes(&r.set)?;
        let (settings, summary) = r.sampling.settings(ProportionInterval::Wilson)?;
        let points = sweep::points(&r.set);
        if points > limits.max_points {
            return Err(Error::option(
                "set",
                format!(
                    "{{set}}: {points} points is more than this server's limit of {}",
                    limits.max_points
                ),
            ));
        }
        let spec = super::load_spec(files, &r.model, limits)?;
        let reserved = sweep_csv::summary_columns();
        if let Some(a) = r
            .set
            .iter()
            .find(|a| a.name == "model" || reserved.contains(&a.name.as_str()))
        {
            return Err(Error::option(
                "set",
                format!(
                    "{{set}} {}: that name is also a column of sweep.csv",
                    literal(&a.name)
                ),
            ));
        }
        let points = sweep::programs(&spec, &r.set)?;
        let model_warnings = crate::model::validate::validate(spec.clone())?.warnings;
        Ok(SweepJob {
            model_warnings,
            model: ModelId {
                name: spec.info.name.clone(),
                file: r.model.display().to_string(),
                hash: spec.hash(),
            },
            metadata: spec.metadata_hash(),
            axes: r.set.clone(),
            points,
            settings,
            summary,
            out: FileChoice::new(&r.outputs),
        })
    }

    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        vec![format!("{} {}", self.model.hash, self.metadata)]
    }

    /// An estimate of the heap memory the job holds: a compiled model per
    /// point (each with its own tables).
    pub fn heap_bytes(&self) -> u64 {
        use crate::distributions::heap::vec_bytes;
        let mut seen = crate::distributions::heap::Seen::default();
        vec_bytes(&self.points)
            + self
                .points
                .iter()
                .map(|(values, program)| vec_bytes(values) + program.heap_bytes(&mut seen))
                .sum::<u64>()
            + self
                .axes
                .iter()
                .map(|a| vec_bytes(&a.values) + a.name.capacity() as u64)
                .sum::<u64>()
    }

    /// `results/sweep-<model name>`.
    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(format!("sweep-{}", self.model.name))
    }

    /// Samples per point.
    pub fn samples(&self) -> u64 {
        self.settings.samples
    }

    /// Model evaluations: every point's samples.
    pub fn evaluations(&self) -> u64 {
        self.settings
            .samples
            .saturating_mul(self.points.len() as u64)
    }

    /// Runs every point; cancelled, it returns nothing. Its output carries
    /// the models' warnings first.
    pub fn execute(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        super::warned(self.execute_job(ctx), &self.model_warnings)
    }

    fn execute_job(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        let started = Instant::now();
        let outcome = sweep::sweep(
            &self.points,
            &self.settings,
            &self.summary,
            &ctx.workers,
            &mut ctx.reporter(0, self.settings.samples),
        )?;
        let points = match outcome.or_stopped() {
            Ok(points) => points,
            Err(stopped) => return Ok(stopped),
        };
        let mut run = analysis_run(
            self.settings,
            ctx.workers.threads(),
            self.summary.confidence,
            started,
        );
        run.files = listing(&[&SweepCsv], self.out, &[manifest::FILE_NAME]);
        let report = SweepResults {
            model: self.model.clone(),
            axes: self.axes.clone(),
            points,
            run,
        };
        let files = result_files(&report, &[&SweepCsv], &[&Manifest], self.out)?;
        let table = output::sweep::terminal::render(
            &report.model.name,
            &report.axes,
            &report.points,
            report.run.confidence,
        );
        Ok(Outcome::Completed(JobOutput::table(
            files,
            table,
            Vec::new(),
        )))
    }
}
