//! `gaprisk compare BASE VARIANT...`: variants against a base on common
//! random numbers; writes compare.csv and manifest.json.

use super::args::CompareArgs;
use super::{Sampling, create_out_dir, load, parse_overrides, progress_bar};
use crate::analysis::compare::{Contender, compare};
use crate::error::{Error, Result};
use crate::model::overrides::Override;
use crate::output::{atomic, compare_csv, manifest};
use crate::stats::interval::ProportionInterval;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub base: PathBuf,
    pub variants: Vec<PathBuf>,
    pub sampling: Sampling,
    pub overrides: Vec<Override>,
    pub out: Option<PathBuf>,
    pub shard: Option<(u64, u64)>,
}

impl TryFrom<CompareArgs> for CompareOptions {
    type Error = Error;

    fn try_from(a: CompareArgs) -> Result<Self> {
        use super::args::DesignArg;
        if matches!(a.sampling.design, DesignArg::Qmc | DesignArg::Antithetic) {
            return Err(Error::Usage(
                "compare supports --design mc or lhs: its paired intervals are per-sample, which \
                 qmc replicates and antithetic pairs would make too narrow or too wide"
                    .into(),
            ));
        }
        Ok(CompareOptions {
            sampling: Sampling::from_args(&a.sampling, ProportionInterval::Wilson)?,
            overrides: parse_overrides(&a.set)?,
            base: a.base,
            variants: a.variants,
            out: a.out,
            shard: a.shard,
        })
    }
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

pub fn execute(opts: CompareOptions) -> Result<()> {
    let started = Instant::now();
    let mut contenders = Vec::new();
    let mut skipped = Vec::new();
    for (i, path) in std::iter::once(&opts.base)
        .chain(&opts.variants)
        .enumerate()
    {
        if i > 0
            && (same_file(path, &opts.base)
                || opts.variants[..i - 1].iter().any(|p| same_file(p, path)))
        {
            skipped.push(path.display().to_string());
            continue;
        }
        let (model, program) = load(path, &opts.overrides)?;
        if let Some(clash) = contenders
            .iter()
            .find(|c: &&Contender| c.name == model.name())
        {
            return Err(Error::Usage(format!(
                "{} and {} are both named '{}': compare.csv could not tell them apart",
                clash.file,
                path.display(),
                model.name()
            )));
        }
        contenders.push(Contender {
            name: model.name().to_string(),
            file: path.display().to_string(),
            hash: model.spec.hash(),
            program,
        });
    }
    if contenders.len() < 2 {
        return Err(Error::Usage(
            "nothing to compare: every variant is the base file itself".into(),
        ));
    }
    let dir = opts.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", contenders[0].name))
    });
    create_out_dir(&dir)?;

    let settings = &opts.sampling.settings;
    if let Some((k, n)) = opts.shard {
        return compare_shard(&opts, &contenders, &dir, k, n);
    }
    let bar = progress_bar(settings.samples, opts.sampling.quiet);
    let mut comparison = compare(&contenders, settings, &opts.sampling.summary, &mut |done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    if crate::engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }
    for s in skipped {
        comparison
            .notes
            .push(format!("{s} is the base file or listed twice: skipped"));
    }

    for m in &comparison.models {
        let summaries: Vec<_> = m.quantities.iter().map(|q| q.summary.clone()).collect();
        super::warn_non_finite(&m.name, &summaries);
    }
    let overrides: Vec<String> = opts
        .overrides
        .iter()
        .map(|o| format!("{}={}", o.name, o.value))
        .collect();
    write_outputs(
        &comparison,
        &contenders,
        settings,
        opts.sampling.threads(),
        opts.sampling.summary.confidence,
        &overrides,
        &dir,
        opts.sampling.quiet,
        started,
    )
}

/// Writes compare.csv and manifest.json, and prints the table.
#[allow(clippy::too_many_arguments)]
pub fn write_outputs(
    comparison: &crate::analysis::compare::Comparison,
    contenders: &[Contender],
    settings: &crate::engine::RunSettings,
    threads: usize,
    confidence: f64,
    overrides: &[String],
    dir: &std::path::Path,
    quiet: bool,
    started: Instant,
) -> Result<()> {
    atomic::write(
        &dir.join(compare_csv::FILE_NAME),
        &compare_csv::serialize(comparison, confidence)?,
    )?;
    let files = vec![
        compare_csv::FILE_NAME.to_string(),
        manifest::FILE_NAME.to_string(),
    ];
    let bytes = manifest::AnalysisManifest {
        command: "compare",
        models: contenders
            .iter()
            .map(|c| manifest::ModelRef { name: &c.name, file: &c.file, hash: &c.hash })
            .collect(),
        settings,
        threads,
        confidence,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files: &files,
        details: serde_json::json!({ "base": contenders[0].name, "set": overrides, "notes": comparison.notes }),
    }
    .to_bytes()?;
    atomic::write(&dir.join(manifest::FILE_NAME), &bytes)?;
    if !quiet {
        super::print_result(
            &crate::output::table::render_comparison(
                comparison,
                settings.samples,
                settings.seed,
                confidence,
            ),
            dir,
            &files,
        );
    }
    Ok(())
}

/// `compare --shard K/N`: every model's and pairing's accumulators over the
/// shard's chunks, written as a part file.
fn compare_shard(
    opts: &CompareOptions,
    contenders: &[Contender],
    dir: &std::path::Path,
    k: u64,
    n: u64,
) -> Result<()> {
    use crate::engine::{ManyResult, parts};
    use crate::output::part::{PartFile, PartModel, shard_range};
    let settings = &opts.sampling.settings;
    let range = shard_range(k, n, settings.chunks());
    let (pairings, notes) = crate::analysis::compare::prepare(contenders);
    let programs: Vec<_> = contenders.iter().map(|c| c.program.clone()).collect();
    let mut shard_total = ManyResult::new(&programs, &pairings, settings);
    let mut ordered = Vec::new();
    crate::engine::runner::run_many_chunks(
        &programs,
        &pairings,
        settings,
        range.clone(),
        &mut |r| {
            ordered.push(parts::encode_many_ordered(&r));
            shard_total.merge(&r);
        },
    )?;
    if crate::engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }
    let models: Vec<serde_json::Value> = contenders
        .iter()
        .map(|c| {
            let quantities: Vec<(String, String)> =
                c.program.quantities.iter().map(|q| (q.name.clone(), q.kind.as_str().to_string())).collect();
            serde_json::json!({ "name": c.name, "file": c.file, "hash": c.hash, "quantities": quantities })
        })
        .collect();
    let pairs: Vec<serde_json::Value> = pairings
        .iter()
        .map(
            |p| serde_json::json!({ "base": p.base, "other": p.other, "quantities": p.quantities }),
        )
        .collect();
    let overrides: Vec<String> = opts
        .overrides
        .iter()
        .map(|o| format!("{}={}", o.name, o.value))
        .collect();
    let base = &contenders[0];
    let header = PartModel {
        name: base.name.clone(),
        title: None,
        file: base.file.clone(),
        hash: base.hash.clone(),
        quantities: Vec::new(),
    };
    let part = PartFile {
        exact: parts::encode_many_exact(&shard_total),
        ordered,
        command: "compare".into(),
        extra: serde_json::json!({ "models": models, "pairings": pairs, "notes": notes, "set": overrides }),
        ..PartFile::new(
            header,
            settings,
            &opts.sampling.summary,
            (k, n),
            (range.start, range.end),
        )
    };
    part.write_shard(dir, "compare", opts.sampling.quiet)?;
    Ok(())
}
