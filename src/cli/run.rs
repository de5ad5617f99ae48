//! `gaprisk run MODEL`: estimate, print, write summary.csv and manifest.json.

use super::args::{IntervalArg, RunArgs};
use super::{Sampling, create_out_dir, load, parse_overrides, progress_bar};
use crate::engine::program::QuantityKind;
use crate::engine::{self, runner::DrawsSink, runner::draw_columns};
use crate::error::{Error, Result};
use crate::model::overrides::Override;
use crate::output::{
    self, RunReport, StopReport, draws::DrawsFile, manifest::Manifest, summary_csv::SummaryCsv,
};
use crate::stats::interval::ProportionInterval;
use crate::summary::{summarise, summarise_one};
use std::path::PathBuf;
use std::time::Instant;

/// A stopping rule: stop when the target's interval is narrow enough.
#[derive(Debug, Clone, PartialEq)]
pub struct StoppingRule {
    pub target: Option<String>,
    pub limit: Precision,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    Absolute(f64),
    Relative(f64),
}

impl Precision {
    fn met(self, half_width: f64, estimate: f64) -> bool {
        match self {
            Precision::Absolute(h) => half_width <= h,
            Precision::Relative(r) => half_width <= r * estimate.abs(),
        }
    }

    fn describe(self) -> String {
        match self {
            Precision::Absolute(h) => format!("half-width <= {h}"),
            Precision::Relative(r) => format!("half-width <= {r} x estimate"),
        }
    }
}

/// Validated options of `run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub model: PathBuf,
    pub sampling: Sampling,
    pub out: Option<PathBuf>,
    pub draws: bool,
    pub overrides: Vec<Override>,
    pub stopping: Option<StoppingRule>,
    pub shard: Option<(u64, u64)>,
    pub checkpoint: Option<PathBuf>,
    pub resume: Option<PathBuf>,
}

impl TryFrom<RunArgs> for RunOptions {
    type Error = Error;

    fn try_from(a: RunArgs) -> Result<Self> {
        let interval = match a.interval {
            IntervalArg::Wilson => ProportionInterval::Wilson,
            IntervalArg::ClopperPearson => ProportionInterval::ClopperPearson,
        };
        let limit = match (a.precision, a.relative_precision) {
            (Some(h), _) if !(h > 0.0 && h.is_finite()) => {
                return Err(Error::Usage(format!(
                    "--precision must be a positive number, got {h}"
                )));
            }
            (_, Some(r)) if !(r > 0.0 && r.is_finite()) => {
                return Err(Error::Usage(format!(
                    "--relative-precision must be a positive number, got {r}"
                )));
            }
            (Some(h), _) => Some(Precision::Absolute(h)),
            (_, Some(r)) => Some(Precision::Relative(r)),
            (None, None) => None,
        };
        if (a.checkpoint.is_some() || a.resume.is_some())
            && (a.shard.is_some() || limit.is_some() || a.draws)
        {
            return Err(Error::Usage(
                "--checkpoint and --resume cannot be combined with --shard, --draws or a stopping rule".into(),
            ));
        }
        if a.shard.is_some() && (limit.is_some() || a.draws) {
            return Err(Error::Usage(
                "--shard cannot be combined with --draws or a stopping rule".into(),
            ));
        }
        if limit.is_none() && a.target.is_some() {
            return Err(Error::Usage(
                "--target needs --precision or --relative-precision".into(),
            ));
        }
        let mut sampling = Sampling::from_args(&a.sampling, interval)?;
        if limit.is_some() {
            if a.max_samples < 2 {
                return Err(Error::Usage(format!(
                    "--max-samples must be at least 2, got {}",
                    a.max_samples
                )));
            }
            sampling.settings.samples = a.max_samples;
        }
        Ok(RunOptions {
            sampling,
            overrides: parse_overrides(&a.set)?,
            model: a.model,
            out: a.out,
            draws: a.draws,
            stopping: limit.map(|limit| StoppingRule {
                target: a.target,
                limit,
            }),
            shard: a.shard,
            checkpoint: a.checkpoint,
            resume: a.resume,
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
    if let Some((k, n)) = opts.shard {
        return run_shard(&opts, &model, &program, &dir, k, n);
    }

    let mut draws = if opts.draws {
        Some(DrawsFile::create(&dir, &draw_columns(&program))?)
    } else {
        None
    };
    let settings = &opts.sampling.settings;
    let bar = progress_bar(settings.samples, opts.sampling.quiet);
    let target = match &opts.stopping {
        None => None,
        Some(rule) => Some(match &rule.target {
            Some(name) => program
                .quantities
                .iter()
                .position(|q| &q.name == name)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--target {name}: the model has no such event or output"
                    ))
                })?,
            None => program
                .quantities
                .iter()
                .position(|q| q.kind == QuantityKind::Event)
                .unwrap_or(0),
        }),
    };
    let summary_settings = opts.sampling.summary;
    let mut reached = false;
    let mut done = |acc: &engine::Accumulators| match (&opts.stopping, target) {
        (Some(rule), Some(t)) => {
            let s = summarise_one(&program, acc, t, &summary_settings);
            reached = rule.limit.met((s.ci_high - s.ci_low) / 2.0, s.mean);
            reached
        }
        _ => false,
    };
    let acc = if opts.checkpoint.is_some() || opts.resume.is_some() {
        run_checkpointed(&opts, &model, &program, &mut |done| bar.set_position(done))?
    } else {
        engine::run_until(
            &program,
            settings,
            draws.as_mut().map(|d| DrawsSink { out: d.writer() }),
            &mut done,
            &mut |done| bar.set_position(done),
        )?
    };
    bar.finish_and_clear();
    let stopping = match (&opts.stopping, target) {
        (Some(rule), Some(t)) => Some(StopReport {
            rule: rule.limit.describe(),
            target: program.quantities[t].name.clone(),
            reached,
            samples: acc.samples,
        }),
        _ => None,
    };

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
        samples: acc.samples,
        threads: opts.sampling.threads(),
        summary: opts.sampling.summary,
        quantities: summarise(&program, &acc, &opts.sampling.summary),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files,
        stopping,
        partial: engine::stop_requested(),
    };
    output::export_all(&dir, &report, &[&SummaryCsv, &Manifest])?;
    super::warn_non_finite(&report.model_name, &report.quantities);
    if !opts.sampling.quiet {
        super::print_result(&output::table::render(&report), &dir, &report.files);
    }
    if report.partial {
        return Err(Error::Interrupted {
            samples: report.samples,
        });
    }
    Ok(())
}

/// How often `--checkpoint` saves.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// A run that saves its progress (`--checkpoint`) or continues a saved one
/// (`--resume`). A checkpoint is a part file of the chunks done so far, so
/// resuming replays their merges in order and the result is bit for bit
/// that of an uninterrupted run.
fn run_checkpointed(
    opts: &RunOptions,
    model: &crate::model::Model,
    program: &crate::engine::program::Program,
    progress: &mut dyn FnMut(u64),
) -> Result<engine::Accumulators> {
    use crate::output::part::PartFile;
    let settings = &opts.sampling.settings;
    let mut total = engine::Accumulators::new(program, settings);
    let mut ordered: Vec<Vec<u64>> = Vec::new();
    let mut first = 0;
    if let Some(path) = &opts.resume {
        let saved = PartFile::read(path)?;
        let here = part_file(opts, model, program, (0, 0), Vec::new(), Vec::new());
        let what = format!("{}: a checkpoint of another run", path.display());
        if (
            &saved.model_hash,
            saved.seed,
            saved.samples,
            &saved.design,
            saved.confidence_bits,
            &saved.interval,
        ) != (
            &here.model_hash,
            here.seed,
            here.samples,
            &here.design,
            here.confidence_bits,
            &here.interval,
        ) || saved.shard != (1, 1)
            || saved.chunks.0 != 0
        {
            return Err(Error::Usage(format!(
                "{what} (model, seed, samples, design, confidence and interval must all match)"
            )));
        }
        let bad = |e: String| Error::Usage(format!("{}: {e}", path.display()));
        for chunk in &saved.ordered {
            engine::parts::merge_ordered(&mut total, chunk).map_err(bad)?;
        }
        engine::parts::merge_exact(&mut total, &saved.exact).map_err(bad)?;
        ordered = saved.ordered;
        first = saved.chunks.1;
    }
    let save = |total: &engine::Accumulators, ordered: &[Vec<u64>], done: u64| -> Result<()> {
        let Some(path) = &opts.checkpoint else {
            return Ok(());
        };
        let part = part_file(
            opts,
            model,
            program,
            (0, done),
            engine::parts::encode_exact(total),
            ordered.to_vec(),
        );
        part.write(path)
    };
    let mut last_save = Instant::now();
    let mut done = first;
    let mut failure = None;
    engine::runner::run_chunks(
        program,
        settings,
        first..settings.chunks(),
        &mut |acc| {
            ordered.push(engine::parts::encode_ordered(&acc));
            total.merge(&acc);
            done += 1;
            if last_save.elapsed() >= CHECKPOINT_EVERY && failure.is_none() {
                failure = save(&total, &ordered, done).err();
                last_save = Instant::now();
            }
        },
        &mut |n| progress(first * engine::CHUNK_SIZE + n),
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    save(&total, &ordered, done)?;
    Ok(total)
}

/// A part file of this run's settings.
fn part_file(
    opts: &RunOptions,
    model: &crate::model::Model,
    program: &crate::engine::program::Program,
    chunks: (u64, u64),
    exact: Vec<u64>,
    ordered: Vec<Vec<u64>>,
) -> crate::output::part::PartFile {
    use crate::output::part::{PartFile, PartModel};
    let model = PartModel::of(model, program, &opts.model);
    let shard = opts.shard.unwrap_or((1, 1));
    PartFile {
        exact,
        ordered,
        ..PartFile::new(
            model,
            &opts.sampling.settings,
            &opts.sampling.summary,
            shard,
            chunks,
        )
    }
}

/// `run --shard K/N`: the shard's chunks, written as a part file.
fn run_shard(
    opts: &RunOptions,
    model: &crate::model::Model,
    program: &crate::engine::program::Program,
    dir: &std::path::Path,
    k: u64,
    n: u64,
) -> Result<()> {
    use crate::output::part::shard_range;
    let settings = &opts.sampling.settings;
    let range = shard_range(k, n, settings.chunks());
    let bar = progress_bar(
        (range.end - range.start) * engine::CHUNK_SIZE,
        opts.sampling.quiet,
    );
    let mut shard_total = engine::Accumulators::new(program, settings);
    let mut ordered = Vec::new();
    engine::runner::run_chunks(
        program,
        settings,
        range.clone(),
        &mut |acc| {
            ordered.push(engine::parts::encode_ordered(&acc));
            shard_total.merge(&acc);
        },
        &mut |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    if engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }
    let part = part_file(
        opts,
        model,
        program,
        (range.start, range.end),
        engine::parts::encode_exact(&shard_total),
        ordered,
    );
    part.write_shard(dir, model.name(), opts.sampling.quiet)?;
    Ok(())
}
