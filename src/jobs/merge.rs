//! `merge`: the part files of a sharded job, checked and combined into the
//! files a single run would have written, byte for byte.

use super::compare::compare_output;
use super::run::run_output;
use super::sensitivity::{model_id, sensitivity_output};
use super::spec::Outputs;
use super::{FileChoice, JobOutput, Outcome, RunContext, analysis_run, seconds_since};
use crate::analysis::compare::{Contender, assemble};
use crate::analysis::sensitivity::sobol_indices_from;
use crate::engine::program::Program;
use crate::engine::{Accumulators, ManyResult, Pairing, parts};
use crate::error::{Error, Result};
use crate::output::compare::CompareResults;
use crate::output::part::{PartFile, PartJob, check_parts};
use crate::output::run::RunResults;
use crate::output::sensitivity::SensitivityResults;
use crate::summary::convergence::Convergence;
use crate::summary::histogram::histograms;
use crate::summary::summarise;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `merge`'s options.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct MergeSpec {
    /// The part files of a sharded run (part-K-of-N.json), all N of them.
    #[cfg_attr(feature = "cli", arg(required = true))]
    pub parts: Vec<PathBuf>,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub outputs: Outputs,
}

/// Checked parts, in chunk order.
pub struct MergeJob {
    parts: Vec<(String, PartFile)>,
    out: FileChoice,
}

impl MergeJob {
    /// `parts`: each part file's name (for messages) and bytes; `files`:
    /// which result files to write.
    pub fn new(parts: Vec<(String, Vec<u8>)>, outputs: &Outputs) -> Result<MergeJob> {
        let parts = parts
            .into_iter()
            .map(|(name, bytes)| {
                let part = PartFile::from_bytes(&name, &bytes)?;
                Ok((name, part))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MergeJob {
            parts: check_parts(parts)?,
            out: FileChoice::new(outputs),
        })
    }

    fn first(&self) -> &PartFile {
        &self.parts[0].1
    }

    /// The folder a single run would have written to.
    pub fn default_dir(&self) -> PathBuf {
        let name = &self.first().job.model().name;
        match &self.first().job {
            PartJob::Run { .. } => Path::new("results").join(name),
            PartJob::Compare { .. } => Path::new("results").join(format!("compare-{name}")),
            PartJob::Sensitivity { quantity, .. } => {
                super::sensitivity::default_dir(name, quantity, super::sensitivity::Method::Sobol)
            }
        }
    }

    /// Merges the parts. Merging is quick and not chunked: a cancel before
    /// it starts returns nothing, and later ones are not seen.
    pub fn execute(&self, ctx: &RunContext) -> Result<Outcome<JobOutput>> {
        if ctx.workers.is_cancelled() {
            return Ok(Outcome::Cancelled {
                samples_done: 0,
                partial: None,
            });
        }
        let started = Instant::now();
        let out = match &self.first().job {
            PartJob::Run { .. } => self.merge_run(started)?,
            PartJob::Compare { .. } => self.merge_compare(started)?,
            PartJob::Sensitivity { .. } => self.merge_sensitivity(started)?,
        };
        Ok(Outcome::Completed(out))
    }

    fn corrupt(name: &str) -> impl Fn(String) -> Error + '_ {
        move |reason| Error::CorruptPart {
            file: name.to_string(),
            reason,
        }
    }

    /// Replays every part's per-chunk merges in chunk order, then merges
    /// each part's exact data: the order a single run merged in.
    fn replay<T>(
        &self,
        total: &mut T,
        ordered: fn(&mut T, &[u64]) -> std::result::Result<(), String>,
        exact: fn(&mut T, &[u64]) -> std::result::Result<(), String>,
        observe: &mut dyn FnMut(&T),
    ) -> Result<()> {
        for (name, p) in &self.parts {
            for chunk in p.job.ordered() {
                ordered(total, chunk).map_err(Self::corrupt(name))?;
                observe(total);
            }
        }
        for (name, p) in &self.parts {
            exact(total, p.job.exact()).map_err(Self::corrupt(name))?;
        }
        Ok(())
    }

    fn merge_run(&self, started: Instant) -> Result<JobOutput> {
        let first = self.first();
        let PartJob::Run { model, .. } = &first.job else {
            unreachable!("parts of one command: checked")
        };
        let (settings, summary) = first.settings()?;
        let program = model.program();
        let mut total = Accumulators::new(&program, &settings);
        let mut convergence = Convergence::new(summary);
        self.replay(
            &mut total,
            parts::merge_ordered,
            parts::merge_exact,
            &mut |acc| {
                convergence.observe(acc);
            },
        )?;
        if total.samples != settings.samples {
            return Err(Error::PartMismatch(format!(
                "the parts hold {} samples, not the {} of the run",
                total.samples, settings.samples
            )));
        }
        let report = RunResults {
            model_name: model.name.clone(),
            model_title: model.title.clone(),
            model_file: model.file.clone(),
            model_hash: model.hash.clone(),
            seed: settings.seed,
            samples: total.samples,
            threads: 0,
            summary,
            quantities: summarise(&program, &total, &summary),
            horizon: crate::summary::horizon::horizon(&program, &total, &summary),
            steps: crate::output::run::StepsInfo::of(&program),
            histograms: histograms(&total),
            convergence: convergence.finish(&total),
            elapsed_seconds: seconds_since(started),
            files: super::listing(
                &super::run::run_tables(program.stepping.is_some()),
                self.out,
                &[crate::output::format::manifest::FILE_NAME],
            ),
            stopping: None,
            partial: false,
        };
        run_output(&report, self.out)
    }

    /// The Sobol design's values, concatenated in chunk order, give exactly
    /// the indices and intervals of a single run.
    fn merge_sensitivity(&self, started: Instant) -> Result<JobOutput> {
        let first = self.first();
        let PartJob::Sensitivity {
            model,
            quantity,
            bootstrap,
            factors,
            ..
        } = &first.job
        else {
            unreachable!("parts of one command: checked")
        };
        let (settings, summary) = first.settings()?;
        if *bootstrap as u64 > super::sensitivity::MAX_BOOTSTRAP {
            return Err(Self::corrupt(&self.parts[0].0)(format!(
                "{bootstrap} bootstrap resamples, more than {}",
                super::sensitivity::MAX_BOOTSTRAP
            )));
        }
        let matrices = 2 * factors.len() + 2;
        let mut f = vec![Vec::new(); matrices];
        for (name, p) in &self.parts {
            for chunk in p.job.ordered() {
                let corrupt = Self::corrupt(name);
                let Some((&len, values)) = chunk.split_first() else {
                    return Err(corrupt("an empty chunk record".into()));
                };
                if len == 0 || values.len() as u64 != len * matrices as u64 {
                    return Err(corrupt("a chunk record of the wrong size".into()));
                }
                for (column, part) in f.iter_mut().zip(values.chunks(len as usize)) {
                    column.extend(part.iter().map(|&w| f64::from_bits(w)));
                }
            }
        }
        if f[0].len() as u64 != settings.samples {
            return Err(Error::PartMismatch(format!(
                "the parts hold {} rows, not the {} of the run",
                f[0].len(),
                settings.samples
            )));
        }
        let mut program: Program = model.program();
        program.streams = (0..factors.len() as u64).collect();
        program.stream_nodes = factors.clone();
        // Nothing here is cancelled: merging has no chunks to stop between.
        let workers = crate::engine::Workers::new(1)?;
        let result = sobol_indices_from(
            &program,
            f,
            &settings,
            summary.confidence,
            *bootstrap,
            &workers,
        )?
        .expect("a fresh token is never cancelled");
        sensitivity_output(
            SensitivityResults {
                model: model_id(model),
                quantity: quantity.clone(),
                bootstrap: *bootstrap,
                result,
                run: analysis_run(settings, 0, summary.confidence, started),
            },
            self.out,
        )
    }

    /// Every model's and pairing's chunks replayed in order.
    fn merge_compare(&self, started: Instant) -> Result<JobOutput> {
        let first = self.first();
        let PartJob::Compare {
            models,
            pairings,
            notes,
            set,
            ..
        } = &first.job
        else {
            unreachable!("parts of one command: checked")
        };
        let (settings, summary) = first.settings()?;
        let contenders: Vec<Contender> = models
            .iter()
            .map(|m| Contender {
                name: m.name.clone(),
                file: m.file.clone(),
                hash: m.hash.clone(),
                program: m.program(),
            })
            .collect();
        let pairings: Vec<Pairing> = pairings.iter().map(Pairing::from).collect();
        let programs: Vec<_> = contenders.iter().map(|c| c.program.clone()).collect();
        let mut total = ManyResult::new(&programs, &pairings, &settings);
        self.replay(
            &mut total,
            parts::merge_many_ordered,
            parts::merge_many_exact,
            &mut |_| {},
        )?;
        if total.each[0].samples != settings.samples {
            return Err(Error::PartMismatch(format!(
                "the parts hold {} samples, not the {} of the run",
                total.each[0].samples, settings.samples
            )));
        }
        let comparison = assemble(&contenders, &pairings, notes.clone(), &total, &summary);
        compare_output(
            CompareResults {
                comparison,
                models: models.iter().map(model_id).collect(),
                set: set.clone(),
                run: analysis_run(settings, 0, summary.confidence, started),
            },
            self.out,
        )
    }
}
