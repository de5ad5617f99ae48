//! `gaprisk run MODEL`: estimate, print, write summary.csv and manifest.json.

use super::args::{IntervalArg, RunArgs};
use super::{Sampling, create_out_dir, load, parse_overrides, progress_bar};
use crate::engine::{self, runner::DrawsSink, runner::draw_columns};
use crate::error::Result;
use crate::model::overrides::Override;
use crate::output::{
    self, RunReport, draws::DrawsFile, manifest::Manifest, summary_csv::SummaryCsv,
};
use crate::stats::interval::ProportionInterval;
use crate::summary::summarise;
use std::path::PathBuf;
use std::time::Instant;

/// Validated options of `run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub model: PathBuf,
    pub sampling: Sampling,
    pub out: Option<PathBuf>,
    pub draws: bool,
    pub overrides: Vec<Override>,
}

impl TryFrom<RunArgs> for RunOptions {
    type Error = crate::error::Error;

    fn try_from(a: RunArgs) -> Result<Self> {
        let interval = match a.interval {
            IntervalArg::Wilson => ProportionInterval::Wilson,
            IntervalArg::ClopperPearson => ProportionInterval::ClopperPearson,
        };
        Ok(RunOptions {
            sampling: Sampling::from_args(&a.sampling, interval)?,
            overrides: parse_overrides(&a.set)?,
            model: a.model,
            out: a.out,
            draws: a.draws,
        })
    }
}

pub fn execute(opts: RunOptions) -> Result<()> {
    let started = Instant::now();
    let (model, program) = load(&opts.model, &opts.overrides)?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(model.name()));
    create_out_dir(&dir)?;

    let mut draws = if opts.draws {
        Some(DrawsFile::create(&dir, &draw_columns(&program))?)
    } else {
        None
    };
    let settings = &opts.sampling.settings;
    let bar = progress_bar(settings.samples, opts.sampling.quiet);
    let acc = engine::run(
        &program,
        settings,
        draws.as_mut().map(|d| DrawsSink { out: d.writer() }),
        &mut |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();

    let mut files = vec![
        output::summary_csv::FILE_NAME.to_string(),
        output::manifest::FILE_NAME.to_string(),
    ];
    if let Some(d) = draws {
        d.commit()?;
        files.push(output::draws::FILE_NAME.to_string());
    }
    let report = RunReport {
        model_name: model.name().to_string(),
        model_title: model.spec.info.title.clone(),
        model_file: opts.model.display().to_string(),
        model_hash: model.spec.hash(),
        seed: settings.seed,
        samples: settings.samples,
        threads: opts.sampling.threads(),
        summary: opts.sampling.summary,
        quantities: summarise(&program, &acc, &opts.sampling.summary),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files,
    };
    output::export_all(&dir, &report, &[&SummaryCsv, &Manifest])?;
    if !opts.sampling.quiet {
        print!("{}", output::table::render(&report));
        let written: Vec<String> = report
            .files
            .iter()
            .map(|f| dir.join(f).display().to_string())
            .collect();
        println!("\nwrote {}", written.join(", "));
    }
    Ok(())
}
