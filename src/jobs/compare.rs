//! `compare`: variants against a base on common random numbers, or one
//! shard of that comparison.

use super::spec::{Outputs, Sampling, Shard};
use super::{
    FileChoice, JobOutput, Limits, LoadedModel, ModelFiles, Outcome, RunContext, analysis_run,
    listing, non_finite_warnings, result_files, run::shard_output,
};
use crate::analysis::compare::{Contender, compare, prepare};
use crate::engine::chunk::{samples_in, shard_range};
use crate::engine::design::Design;
use crate::engine::many::pilot_windows;
use crate::engine::{ManyResult, RunSettings, parts, run_many};
use crate::error::{Error, Result};
use crate::model::overrides::{self, Override};
use crate::output;
use crate::output::compare::{CompareResults, compare_csv::CompareCsv};
use crate::output::format::manifest::{self, Manifest, ModelId};
use crate::output::part::{PartFile, PartJob, PartModel, PartPairing};
use crate::stats::interval::ProportionInterval;
use crate::summary::SummarySettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `compare`'s options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(default)]
pub struct CompareSpec {
    /// The base model; every other model is compared with it.
    #[serde(skip)]
    pub base: PathBuf,
    /// The variants (a variant that is the base file itself is skipped).
    #[serde(skip)]
    #[cfg_attr(feature = "cli", arg(required = true))]
    pub variants: Vec<PathBuf>,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub sampling: Sampling,
    /// Fix an input of every model to a constant, NAME=VALUE (in a
    /// request: an object of input name -> number).
    #[cfg_attr(feature = "cli", arg(long = "set", value_name = "NAME=VALUE"))]
    #[serde(with = "overrides::as_map")]
    #[schemars(with = "overrides::Schema")]
    pub set: Vec<Override>,
    #[serde(flatten)]
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
    /// Compute only shard K of N and write part-K-of-N.json; `gaprisk
    /// merge` combines the N parts.
    #[cfg_attr(feature = "cli", arg(long, value_name = "K/N"))]
    #[schemars(extend("x-cli-only" = true))]
    pub shard: Option<Shard>,
}

/// A validated comparison: the base first, then each distinct variant.
pub struct CompareJob {
    contenders: Vec<Contender>,
    /// Titles, for part files.
    titles: Vec<Option<String>>,
    /// Each model's `LoadedModel::cache_identity`.
    identities: Vec<String>,
    /// Variants that were the base file or given twice: skipped.
    skipped: Vec<String>,
    set: Vec<String>,
    settings: RunSettings,
    summary: SummarySettings,
    shard: Option<(u64, u64)>,
    out: FileChoice,
    model_warnings: Vec<String>,
}

impl CompareJob {
    /// A variant that is the base file, or given twice, is skipped: two
    /// paths are one file when `files` gives them one identity.
    pub fn new(files: &dyn ModelFiles, r: &CompareSpec, limits: &Limits) -> Result<CompareJob> {
        let same_file = |a: &Path, b: &Path| files.identity(a) == files.identity(b);
        if matches!(r.sampling.design, Design::Qmc | Design::Antithetic) {
            return Err(Error::option(
                "design",
                "compare supports {design} mc or lhs: its paired intervals are per-sample, which \
                 qmc replicates and antithetic pairs would make too narrow or too wide",
            ));
        }
        let (settings, summary) = r.sampling.settings(ProportionInterval::Wilson)?;
        let mut contenders: Vec<Contender> = Vec::new();
        let mut titles = Vec::new();
        let mut identities = Vec::new();
        let mut skipped = Vec::new();
        let mut model_warnings = Vec::new();
        for (i, path) in std::iter::once(&r.base).chain(&r.variants).enumerate() {
            if i > 0
                && (same_file(path, &r.base)
                    || r.variants[..i - 1].iter().any(|p| same_file(p, path)))
            {
                skipped.push(path.display().to_string());
                continue;
            }
            let loaded = LoadedModel::load(files, path, &r.set, limits)?;
            if let Some(clash) = contenders.iter().find(|c| c.name == loaded.name()) {
                return Err(Error::InvalidRequest {
                    key: "variants".into(),
                    message: format!(
                        "{} and {} are both named '{}': compare.csv could not tell them apart",
                        clash.file,
                        loaded.file,
                        loaded.name()
                    ),
                });
            }
            titles.push(loaded.model.spec.info.title.clone());
            identities.push(loaded.cache_identity());
            model_warnings.extend(loaded.warnings());
            contenders.push(Contender {
                name: loaded.name().to_string(),
                hash: loaded.hash(),
                file: loaded.file,
                program: loaded.program,
            });
        }
        if contenders.len() < 2 {
            return Err(Error::InvalidRequest {
                key: "variants".into(),
                message: "nothing to compare: every variant is the base file itself".into(),
            });
        }
        Ok(CompareJob {
            model_warnings,
            contenders,
            titles,
            identities,
            skipped,
            set: r
                .set
                .iter()
                .map(|o| format!("{}={}", o.name, o.value))
                .collect(),
            settings,
            summary,
            shard: r.shard.map(|s| (s.k, s.n)),
            out: FileChoice::new(&r.outputs),
        })
    }

    /// The resolved models' hashes (after `extends` and `set`): with the
    /// request, what identifies the results.
    pub fn model_hashes(&self) -> Vec<String> {
        self.identities.clone()
    }

    /// An estimate of the heap memory the job holds: every model's
    /// compiled program.
    pub fn heap_bytes(&self) -> u64 {
        let mut seen = crate::distributions::heap::Seen::default();
        self.contenders
            .iter()
            .map(|c| {
                (c.name.capacity() + c.hash.capacity() + c.file.capacity()) as u64
                    + c.program.heap_bytes(&mut seen)
            })
            .sum::<u64>()
            + crate::distributions::heap::vec_bytes(&self.contenders)
    }

    /// `results/compare-<base model name>`.
    pub fn default_dir(&self) -> PathBuf {
        Path::new("results").join(format!("compare-{}", self.contenders[0].name))
    }

    /// Samples per model.
    pub fn samples(&self) -> u64 {
        self.settings.samples
    }

    /// Model evaluations: every model's samples.
    pub fn evaluations(&self) -> u64 {
        self.settings
            .samples
            .saturating_mul(self.contenders.len() as u64)
    }

    /// Runs the comparison; cancelled, it returns nothing.
    /// Its output carries the models' warnings first.
    pub fn execute(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        super::warned(self.execute_job(ctx), &self.model_warnings)
    }

    fn execute_job(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        let started = Instant::now();
        if let Some((k, n)) = self.shard {
            return self.run_shard(ctx, k, n);
        }
        let total = self.settings.samples;
        let outcome = compare(
            &self.contenders,
            &self.settings,
            &self.summary,
            &ctx.workers,
            &mut ctx.reporter(0, total),
        )?;
        let mut comparison = match outcome.or_stopped() {
            Ok(c) => c,
            Err(stopped) => return Ok(stopped),
        };
        for s in &self.skipped {
            comparison
                .notes
                .push(format!("{s} is the base file or listed twice: skipped"));
        }
        let models = self
            .contenders
            .iter()
            .map(|c| ModelId {
                name: c.name.clone(),
                file: c.file.clone(),
                hash: c.hash.clone(),
            })
            .collect();
        let report = CompareResults {
            comparison,
            models,
            set: self.set.clone(),
            run: analysis_run(
                self.settings,
                ctx.workers.threads(),
                self.summary.confidence,
                started,
            ),
        };
        Ok(Outcome::Completed(compare_output(report, self.out)?))
    }

    /// Shard K of N: every model's and pairing's accumulators over the
    /// shard's chunks, as a part file.
    fn run_shard(&self, ctx: &RunContext, k: u64, n: u64) -> Result<Outcome<JobOutput>> {
        let settings = &self.settings;
        let range = shard_range(k, n, settings.chunks());
        let (pairings, notes) = prepare(&self.contenders);
        let programs: Vec<_> = self.contenders.iter().map(|c| c.program.clone()).collect();
        let windows = pilot_windows(&programs, settings);
        let mut shard_total = ManyResult::windowed(&programs, &pairings, settings, &windows);
        let mut ordered = Vec::new();
        let pass = run_many(
            &programs,
            &pairings,
            settings,
            &windows,
            &ctx.workers,
            range.clone(),
            &mut |r| {
                ordered.push(parts::encode_many_ordered(&r));
                shard_total.merge(&r);
            },
            &mut ctx.reporter(0, samples_in(&range, settings.samples)),
        )?;
        if let Some(stopped) = pass.stopped() {
            return Ok(stopped);
        }
        let models = self
            .contenders
            .iter()
            .zip(&self.titles)
            .map(|(c, title)| {
                PartModel::of(&c.name, title.as_deref(), &c.file, &c.hash, &c.program)
            })
            .collect();
        let part = PartFile::new(
            settings,
            &self.summary,
            (k, n),
            (range.start, range.end),
            PartJob::Compare {
                models,
                pairings: pairings.iter().map(PartPairing::from).collect(),
                notes,
                set: self.set.clone(),
                exact: parts::encode_many_exact(&shard_total),
                ordered,
            },
        );
        Ok(Outcome::Completed(shard_output(&part, "compare")?))
    }
}

/// compare.csv (or .parquet) and manifest.json, and the table.
pub(super) fn compare_output(mut report: CompareResults, out: FileChoice) -> Result<JobOutput> {
    // compare_horizon.csv when the models are stepped alike (language 1.2).
    let mut tables: Vec<&dyn crate::output::format::tabular::Tabular<CompareResults>> =
        vec![&CompareCsv];
    if report.comparison.horizon.is_some() {
        tables.push(&crate::output::compare::horizon_csv::CompareHorizonCsv);
    }
    report.run.files = listing(&tables, out, &[manifest::FILE_NAME]);
    let warnings = report
        .comparison
        .models
        .iter()
        .flat_map(|m| {
            let summaries: Vec<_> = m.quantities.iter().map(|q| q.summary.clone()).collect();
            non_finite_warnings(&m.name, &summaries)
        })
        .collect();
    let files = result_files(&report, &tables, &[&Manifest], out)?;
    let table = output::compare::terminal::render(
        &report.comparison,
        report.run.settings.samples,
        report.run.settings.seed,
        report.run.confidence,
    );
    Ok(JobOutput::table(files, table, warnings))
}
