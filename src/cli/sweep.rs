//! `gaprisk sweep MODEL --set NAME=...`: the model over a line or grid of
//! input values; writes sweep.csv and manifest.json.

use super::args::SweepArgs;
use super::{Sampling, create_out_dir, progress_bar};
use crate::analysis::sweep::{self, Axis};
use crate::error::{Error, Result};
use crate::model;
use crate::output::{atomic, manifest, sweep_csv};
use crate::stats::interval::ProportionInterval;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub model: PathBuf,
    pub axes: Vec<Axis>,
    pub sampling: Sampling,
    pub out: Option<PathBuf>,
}

impl TryFrom<SweepArgs> for SweepOptions {
    type Error = Error;

    fn try_from(a: SweepArgs) -> Result<Self> {
        let axes = a
            .set
            .iter()
            .map(|t| sweep::parse_axis(t).map_err(|e| Error::Usage(format!("--set {e}"))))
            .collect::<Result<Vec<Axis>>>()?;
        sweep::check_axes(&axes)?;
        Ok(SweepOptions {
            sampling: Sampling::from_args(&a.sampling, ProportionInterval::Wilson)?,
            model: a.model,
            axes,
            out: a.out,
        })
    }
}

pub fn execute(opts: SweepOptions) -> Result<()> {
    let started = Instant::now();
    let spec = model::source::load(&opts.model)?;
    let name = spec.info.name.clone();
    let reserved = sweep_csv::summary_columns();
    if let Some(a) = opts
        .axes
        .iter()
        .find(|a| a.name == "model" || reserved.contains(&a.name.as_str()))
    {
        return Err(Error::Usage(format!(
            "--set {}: that name is also a column of sweep.csv",
            a.name
        )));
    }
    let points = sweep::programs(&spec, &opts.axes)?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("sweep-{name}")));
    create_out_dir(&dir)?;

    let settings = &opts.sampling.settings;
    let bar = progress_bar(settings.samples, opts.sampling.quiet);
    let results = sweep::sweep(&points, settings, &opts.sampling.summary, &mut |done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    if crate::engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }

    let confidence = opts.sampling.summary.confidence;
    atomic::write(
        &dir.join(sweep_csv::FILE_NAME),
        &sweep_csv::serialize(&name, &opts.axes, &results, confidence)?,
    )?;
    let files = vec![
        sweep_csv::FILE_NAME.to_string(),
        manifest::FILE_NAME.to_string(),
    ];
    let file = opts.model.display().to_string();
    let hash = spec.hash();
    let axes: Vec<serde_json::Value> = opts
        .axes
        .iter()
        .map(|a| serde_json::json!({ "input": a.name, "values": a.values }))
        .collect();
    let bytes = manifest::AnalysisManifest {
        command: "sweep",
        models: vec![manifest::ModelRef {
            name: &name,
            file: &file,
            hash: &hash,
        }],
        settings,
        threads: opts.sampling.threads(),
        confidence,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files: &files,
        details: serde_json::json!({ "axes": axes, "points": results.len() }),
    }
    .to_bytes()?;
    atomic::write(&dir.join(manifest::FILE_NAME), &bytes)?;
    if !opts.sampling.quiet {
        super::print_result(
            &crate::output::table::render_sweep(&name, &opts.axes, &results, confidence),
            &dir,
            &files,
        );
    }
    Ok(())
}
