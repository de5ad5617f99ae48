//! `sweep`: the model over a line or grid of input values, on common random
//! numbers.

use super::{
    FileChoice, JobOutput, ModelFiles, Outcome, RunContext, SamplingOptions, TableFormat,
    analysis_run, listing, result_files,
};
use crate::analysis::sweep::{self, Axis};
use crate::engine::RunSettings;
use crate::engine::program::Program;
use crate::error::{Error, Result, literal};
use crate::model::source;
use crate::output;
use crate::output::format::manifest::{self, Manifest, ModelId};
use crate::output::sweep::SweepResults;
use crate::output::sweep::sweep_csv::{self, SweepCsv};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Default)]
pub struct SweepRequest {
    pub model: PathBuf,
    /// The swept inputs: at most two take several values.
    pub axes: Vec<Axis>,
    pub sampling: SamplingOptions,
    /// Leave out report.html.
    pub no_report: bool,
    /// Write sweep.csv, sweep.parquet or both.
    pub format: TableFormat,
}

pub struct SweepJob {
    model: ModelId,
    axes: Vec<Axis>,
    points: Vec<(Vec<f64>, Program)>,
    settings: RunSettings,
    summary: SummarySettings,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl SweepJob {
    pub fn new(files: &dyn ModelFiles, r: SweepRequest) -> Result<SweepJob> {
        sweep::check_axes(&r.axes)?;
        let (settings, summary) = r.sampling.validate(ProportionInterval::Wilson)?;
        let spec = source::load_from(files, &r.model)?;
        let reserved = sweep_csv::summary_columns();
        if let Some(a) = r
            .axes
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
        let points = sweep::programs(&spec, &r.axes)?;
        let model_warnings = crate::model::validate::validate(spec.clone())?.warnings;
        Ok(SweepJob {
            model_warnings,
            model: ModelId {
                name: spec.info.name.clone(),
                file: r.model.display().to_string(),
                hash: spec.hash(),
            },
            axes: r.axes,
            points,
            settings,
            summary,
            out: FileChoice::new(r.format, r.no_report),
        })
    }

    /// `results/sweep-<model name>`.
    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        vec![self.model.hash.clone()]
    }

    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(format!("sweep-{}", self.model.name))
    }

    /// Runs every point; cancelled, it returns nothing.
    /// Runs the job; its output carries the models' warnings first.
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
