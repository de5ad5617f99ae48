//! `gaprisk run MODEL`: estimate, print, write summary.csv and manifest.json.

use super::args::{IntervalArg, RunArgs};
use crate::engine::runner::{DrawsSink, draw_columns};
use crate::engine::{self, RunSettings};
use crate::error::{Error, Result};
use crate::model::{self, compile::compile};
use crate::output::{
    self, RunReport, draws::DrawsFile, manifest::Manifest, summary_csv::SummaryCsv,
};
use crate::stats::interval::ProportionInterval;
use crate::summary::{SummarySettings, summarise};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

/// Validated options of `run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub model: PathBuf,
    pub settings: RunSettings,
    pub out: Option<PathBuf>,
    pub draws: bool,
    pub summary: SummarySettings,
    pub quiet: bool,
}

impl TryFrom<RunArgs> for RunOptions {
    type Error = Error;

    fn try_from(a: RunArgs) -> Result<Self> {
        if a.samples < 2 {
            return Err(Error::Usage(format!(
                "--samples must be at least 2, got {}",
                a.samples
            )));
        }
        if !(a.confidence > 0.0 && a.confidence < 1.0) {
            return Err(Error::Usage(format!(
                "--confidence must be in (0, 1), got {}",
                a.confidence
            )));
        }
        if a.threads == Some(0) {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        Ok(RunOptions {
            model: a.model,
            settings: RunSettings {
                samples: a.samples,
                seed: a.seed,
                threads: a.threads.unwrap_or(0),
            },
            out: a.out,
            draws: a.draws,
            summary: SummarySettings {
                confidence: a.confidence,
                proportion_interval: match a.interval {
                    IntervalArg::Wilson => ProportionInterval::Wilson,
                    IntervalArg::ClopperPearson => ProportionInterval::ClopperPearson,
                },
            },
            quiet: a.quiet,
        })
    }
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total),
        if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} samples, eta {eta}",
        )
        .expect("a valid template"),
    );
    bar
}

pub fn execute(opts: RunOptions) -> Result<()> {
    let started = Instant::now();
    let model = model::load(&opts.model)?;
    let program = compile(&model)?;
    let hash = model.spec.hash();
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(model.name()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;

    let mut draws = if opts.draws {
        Some(DrawsFile::create(&dir, &draw_columns(&program))?)
    } else {
        None
    };
    let bar = progress_bar(opts.settings.samples, opts.quiet);
    let acc = engine::run(
        &program,
        &opts.settings,
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
        model_hash: hash,
        seed: opts.settings.seed,
        samples: opts.settings.samples,
        threads: rayon_threads(opts.settings.threads),
        summary: opts.summary,
        quantities: summarise(&program, &acc, &opts.summary),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files,
    };
    output::export_all(&dir, &report, &[&SummaryCsv, &Manifest])?;
    if !opts.quiet {
        print!("{}", output::table::render(&report));
        println!(
            "\nwrote {}",
            report
                .files
                .iter()
                .map(|f| dir.join(f).display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn rayon_threads(requested: usize) -> usize {
    if requested == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        requested
    }
}
