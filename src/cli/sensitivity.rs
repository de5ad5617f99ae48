//! `gaprisk sensitivity MODEL`: which assumption drives a quantity; writes
//! sensitivity.csv and manifest.json.

use super::args::{MethodArg, SamplingArgs, SensitivityArgs};
use super::{Sampling, create_out_dir, progress_bar};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::engine::program::QuantityKind;
use crate::error::{Error, Result};
use crate::model::{self, compile::compile, validate};
use crate::output::{atomic, manifest, sensitivity_csv};
use crate::stats::interval::ProportionInterval;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    pub model: PathBuf,
    pub quantity: Option<String>,
    pub method: MethodArg,
    pub sampling: Sampling,
    pub bootstrap: usize,
    pub out: Option<PathBuf>,
    pub shard: Option<(u64, u64)>,
}

impl TryFrom<SensitivityArgs> for SensitivityOptions {
    type Error = Error;

    fn try_from(a: SensitivityArgs) -> Result<Self> {
        let sampling = SamplingArgs {
            samples: a.samples,
            seed: a.seed,
            threads: a.threads,
            confidence: a.confidence,
            quiet: a.quiet,
            design: super::args::DesignArg::Mc,
        };
        if a.shard.is_some() && a.method != MethodArg::Sobol {
            return Err(Error::Usage(
                "--shard works with --method sobol only".into(),
            ));
        }
        if a.method == MethodArg::Sobol && a.bootstrap < 20 {
            return Err(Error::Usage(format!(
                "--bootstrap must be at least 20, got {}",
                a.bootstrap
            )));
        }
        Ok(SensitivityOptions {
            sampling: Sampling::from_args(&sampling, ProportionInterval::Wilson)?,
            model: a.model,
            quantity: a.quantity,
            method: a.method,
            bootstrap: a.bootstrap,
            out: a.out,
            shard: a.shard,
        })
    }
}

pub fn execute(opts: SensitivityOptions) -> Result<()> {
    let started = Instant::now();
    let spec = model::source::load(&opts.model)?;
    let model = validate::validate(spec.clone())?;
    let program = compile(&model)?;
    let quantity = match &opts.quantity {
        Some(q) => program
            .quantities
            .iter()
            .position(|x| &x.name == q)
            .ok_or_else(|| {
                let names: Vec<&str> = program.quantities.iter().map(|x| x.name.as_str()).collect();
                Error::Usage(format!(
                    "--quantity {q}: the model has no such event or output (it has: {})",
                    names.join(", ")
                ))
            })?,
        None => program
            .quantities
            .iter()
            .position(|x| x.kind == QuantityKind::Event)
            .unwrap_or(0),
    };
    let name = model.name().to_string();
    let quantity_name = program.quantities[quantity].name.clone();
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("sensitivity-{name}")));
    create_out_dir(&dir)?;

    let settings = &opts.sampling.settings;
    let confidence = opts.sampling.summary.confidence;
    if let Some((k, n)) = opts.shard {
        return sobol_shard(&opts, &model, &program, quantity, &dir, k, n);
    }
    let evaluations = match opts.method {
        MethodArg::Sobol => settings.samples,
        MethodArg::Tornado | MethodArg::Rank => settings.samples,
    };
    let bar = progress_bar(evaluations, opts.sampling.quiet);
    let mut progress = |done| bar.set_position(done);
    let result: Sensitivity = match opts.method {
        MethodArg::Sobol => sensitivity::sobol(
            &program,
            quantity,
            settings,
            confidence,
            opts.bootstrap,
            &mut progress,
        )?,
        MethodArg::Tornado => sensitivity::tornado(
            &model.spec,
            &quantity_name,
            settings,
            confidence,
            &mut progress,
        )?,
        MethodArg::Rank => {
            sensitivity::rank(&program, quantity, settings, confidence, &mut progress)?
        }
    };
    bar.finish_and_clear();
    if crate::engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }

    let (file, hash) = (opts.model.display().to_string(), model.spec.hash());
    let output = Output {
        name: &name,
        file: &file,
        hash: &hash,
        quantity: &quantity_name,
        dir: &dir,
        bootstrap: opts.bootstrap,
        quiet: opts.sampling.quiet,
    };
    write_outputs(
        &output,
        &result,
        settings,
        opts.sampling.threads(),
        confidence,
        started,
    )
}

/// Where and for what the results of a sensitivity analysis are written.
pub struct Output<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub hash: &'a str,
    pub quantity: &'a str,
    pub dir: &'a std::path::Path,
    pub bootstrap: usize,
    pub quiet: bool,
}

/// Writes sensitivity.csv and manifest.json, and prints the table.
pub fn write_outputs(
    o: &Output,
    result: &Sensitivity,
    settings: &crate::engine::RunSettings,
    threads: usize,
    confidence: f64,
    started: Instant,
) -> Result<()> {
    atomic::write(
        &o.dir.join(sensitivity_csv::FILE_NAME),
        &sensitivity_csv::serialize(o.name, o.quantity, result, confidence)?,
    )?;
    let files = vec![
        sensitivity_csv::FILE_NAME.to_string(),
        manifest::FILE_NAME.to_string(),
    ];
    let bytes = manifest::AnalysisManifest {
        command: "sensitivity",
        models: vec![manifest::ModelRef {
            name: o.name,
            file: o.file,
            hash: o.hash,
        }],
        settings,
        threads,
        confidence,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files: &files,
        details: serde_json::json!({
            "method": result.method,
            "quantity": o.quantity,
            "evaluations": result.evaluations,
            "bootstrap": if result.method == "sobol" { Some(o.bootstrap) } else { None },
            "notes": result.notes,
        }),
    }
    .to_bytes()?;
    atomic::write(&o.dir.join(manifest::FILE_NAME), &bytes)?;
    if !o.quiet {
        super::print_result(
            &crate::output::table::render_sensitivity(o.name, o.quantity, result, confidence),
            o.dir,
            &files,
        );
    }
    Ok(())
}

/// `sensitivity --shard K/N`: the Sobol evaluations of the shard's chunks,
/// written as a part file.
fn sobol_shard(
    opts: &SensitivityOptions,
    model: &crate::model::Model,
    program: &crate::engine::program::Program,
    quantity: usize,
    dir: &std::path::Path,
    k: u64,
    n: u64,
) -> Result<()> {
    use crate::output::part::{PartFile, PartModel, shard_range};
    let settings = &opts.sampling.settings;
    let range = shard_range(k, n, settings.chunks());
    let mut ordered = Vec::new();
    sensitivity::sobol_evaluations(
        program,
        quantity,
        settings,
        range.clone(),
        &mut |columns| {
            let len = columns[0].len() as u64;
            let mut words = vec![len];
            for c in &columns {
                words.extend(c.iter().map(|x| x.to_bits()));
            }
            ordered.push(words);
        },
        &mut |_| {},
    )?;
    if crate::engine::stop_requested() {
        return Err(Error::Interrupted { samples: 0 });
    }
    let header = PartModel::of(model, program, &opts.model);
    let part = PartFile {
        ordered,
        command: "sensitivity".into(),
        quantity: program.quantities[quantity].name.clone(),
        bootstrap: opts.bootstrap,
        factors: program.stream_nodes.clone(),
        ..PartFile::new(
            header,
            settings,
            &opts.sampling.summary,
            (k, n),
            (range.start, range.end),
        )
    };
    part.write_shard(dir, &format!("{} sobol", model.name()), opts.sampling.quiet)?;
    Ok(())
}
