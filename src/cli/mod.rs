//! The command line: arguments are parsed and validated into typed options
//! before any work starts; one module per command.

pub mod args;
pub mod check;
pub mod compare;
pub mod merge;
pub mod run;
pub mod sensitivity;
pub mod sweep;

use crate::engine::RunSettings;
use crate::engine::program::Program;
use crate::error::{Error, Result};
use crate::model::{self, Model, compile::compile, overrides::Override};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use args::{Cli, Command, SamplingArgs};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

pub fn main(cli: Cli) -> Result<()> {
    install_stop_handler();
    match cli.command {
        Command::Run(a) => run::execute(run::RunOptions::try_from(a)?),
        Command::Compare(a) => compare::execute(compare::CompareOptions::try_from(a)?),
        Command::Sweep(a) => sweep::execute(sweep::SweepOptions::try_from(a)?),
        Command::Sensitivity(a) => {
            sensitivity::execute(sensitivity::SensitivityOptions::try_from(a)?)
        }
        Command::Merge(a) => merge::execute(a),
        Command::Check(a) => check::execute(&a.model),
    }
}

/// The validated form of `SamplingArgs`.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub settings: RunSettings,
    pub summary: SummarySettings,
    pub quiet: bool,
}

impl Sampling {
    pub fn from_args(a: &SamplingArgs, interval: ProportionInterval) -> Result<Self> {
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
        Ok(Sampling {
            settings: RunSettings {
                samples: a.samples,
                seed: a.seed,
                threads: a.threads.unwrap_or(0),
                design: a.design.into(),
            },
            summary: SummarySettings {
                confidence: a.confidence,
                proportion_interval: interval,
            },
            quiet: a.quiet,
        })
    }

    /// Worker threads actually used.
    pub fn threads(&self) -> usize {
        match self.settings.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// Parses `--set NAME=VALUE` options.
pub fn parse_overrides(texts: &[String]) -> Result<Vec<Override>> {
    texts
        .iter()
        .map(|t| model::overrides::parse(t).map_err(|e| Error::Usage(format!("--set {e}"))))
        .collect()
}

/// Loads a model, applies `--set` overrides, validates and compiles it.
pub fn load(path: &Path, overrides: &[Override]) -> Result<(Model, Program)> {
    let spec = model::source::load(path)?;
    let spec = model::overrides::apply(spec, overrides)?;
    let model = model::validate::validate(spec)?;
    let program = compile(&model)?;
    Ok((model, program))
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} samples, eta {eta}",
        )
        .expect("a valid template"),
    );
    bar
}

/// Creates the output folder (only after every input was validated) and
/// clears temporary files that killed runs left in it.
pub fn create_out_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    crate::output::atomic::remove_stale(dir);
    Ok(())
}

/// The first Ctrl-C or SIGTERM asks runs to stop at the next chunk boundary
/// and keep what is done; a second one exits at once.
pub fn install_stop_handler() {
    let _ = ctrlc::set_handler(|| {
        if crate::engine::stop_requested() {
            std::process::exit(130);
        }
        eprintln!("\ngaprisk: stopping at the next chunk boundary (again to quit at once)");
        crate::engine::request_stop();
    });
}

/// Prints a command's table, then where its files went.
pub fn print_result(table: &str, dir: &Path, files: &[String]) {
    print!("{table}");
    let written: Vec<String> = files
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    println!("\nwrote {}", written.join(", "));
}

/// Warns about quantities with NaN or infinite samples: they are excluded
/// from every estimate (and counted in `non_finite`), never mixed into a mean.
pub fn warn_non_finite(model: &str, quantities: &[crate::summary::QuantitySummary]) {
    for q in quantities.iter().filter(|q| q.non_finite > 0) {
        eprintln!(
            "gaprisk: warning: {model}: {} of {} samples of {} were NaN or infinite; they are excluded from its estimates",
            q.non_finite, q.samples, q.name
        );
    }
}
