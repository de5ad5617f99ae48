//! `gaprisk merge PARTS...`: the part files of a sharded run, checked and
//! combined into the summary.csv and manifest.json a single run would write.

use super::args::MergeArgs;
use super::create_out_dir;
use crate::error::{Error, Result};
use crate::output::part::{PartFile, check_parts, merge};
use crate::output::{self, RunReport, manifest::Manifest, summary_csv::SummaryCsv};
use crate::summary::summarise;
use std::path::PathBuf;
use std::time::Instant;

pub fn execute(a: MergeArgs) -> Result<()> {
    let started = Instant::now();
    let parts = a
        .parts
        .iter()
        .map(|p| Ok((p.display().to_string(), PartFile::read(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let parts = check_parts(parts)?;
    if parts[0].1.command == "sensitivity" {
        return merge_sensitivity(&parts, a.out, a.quiet, started);
    }
    if parts[0].1.command == "compare" {
        return merge_compare(&parts, a.out, a.quiet, started);
    }
    let total = merge(&parts)?;
    let first = &parts[0].1;
    let (settings, summary) = first.settings()?;
    if total.samples != settings.samples {
        return Err(Error::Usage(format!(
            "the parts hold {} samples, not the {} of the run",
            total.samples, settings.samples
        )));
    }
    let dir = a
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(&first.model_name));
    create_out_dir(&dir)?;
    let report = RunReport {
        model_name: first.model_name.clone(),
        model_title: first.model_title.clone(),
        model_file: first.model_file.clone(),
        model_hash: first.model_hash.clone(),
        seed: settings.seed,
        samples: total.samples,
        threads: 0,
        summary,
        quantities: summarise(&first.program(), &total, &summary),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        files: vec![
            output::summary_csv::FILE_NAME.into(),
            output::manifest::FILE_NAME.into(),
        ],
        stopping: None,
        partial: false,
    };
    output::export_all(&dir, &report, &[&SummaryCsv, &Manifest])?;
    if !a.quiet {
        super::print_result(&output::table::render(&report), &dir, &report.files);
    }
    Ok(())
}

/// Sensitivity parts: the Sobol design's values, concatenated in chunk
/// order, give exactly the indices and intervals of a single run.
fn merge_sensitivity(
    parts: &[(String, PartFile)],
    out: Option<PathBuf>,
    quiet: bool,
    started: Instant,
) -> Result<()> {
    let first = &parts[0].1;
    let (settings, summary) = first.settings()?;
    let f = crate::output::part::sobol_columns(parts)?;
    if f[0].len() as u64 != settings.samples {
        return Err(Error::Usage(format!(
            "the parts hold {} rows, not the {} of the run",
            f[0].len(),
            settings.samples
        )));
    }
    let result = crate::analysis::sensitivity::sobol_indices_from(
        &first.program(),
        f,
        &settings,
        summary.confidence,
        first.bootstrap,
    )?;
    let dir = out.unwrap_or_else(|| {
        PathBuf::from("results").join(format!("sensitivity-{}", first.model_name))
    });
    create_out_dir(&dir)?;
    let output = super::sensitivity::Output {
        name: &first.model_name,
        file: &first.model_file,
        hash: &first.model_hash,
        quantity: &first.quantity,
        dir: &dir,
        bootstrap: first.bootstrap,
        quiet,
    };
    super::sensitivity::write_outputs(&output, &result, &settings, 0, summary.confidence, started)
}

/// Compare parts: every model's and pairing's chunks replayed in order.
fn merge_compare(
    parts: &[(String, PartFile)],
    out: Option<PathBuf>,
    quiet: bool,
    started: Instant,
) -> Result<()> {
    use crate::analysis::compare::{Contender, assemble};
    use crate::engine::{ManyResult, Pairing, parts as words};
    let first = &parts[0].1;
    let (settings, summary) = first.settings()?;
    let bad = |what: &str| Error::Usage(format!("{}: malformed compare part ({what})", parts[0].0));
    let extra = &first.extra;
    let contenders: Vec<Contender> = extra["models"]
        .as_array()
        .ok_or_else(|| bad("models"))?
        .iter()
        .map(|m| {
            let quantities: Vec<(String, String)> =
                serde_json::from_value(m["quantities"].clone()).map_err(|_| bad("quantities"))?;
            Ok(Contender {
                name: m["name"].as_str().ok_or_else(|| bad("name"))?.to_string(),
                file: m["file"].as_str().ok_or_else(|| bad("file"))?.to_string(),
                hash: m["hash"].as_str().ok_or_else(|| bad("hash"))?.to_string(),
                program: crate::output::part::program_of(&quantities),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let pairings: Vec<Pairing> = extra["pairings"]
        .as_array()
        .ok_or_else(|| bad("pairings"))?
        .iter()
        .map(|p| {
            Ok(Pairing {
                base: p["base"].as_u64().ok_or_else(|| bad("pairing"))? as usize,
                other: p["other"].as_u64().ok_or_else(|| bad("pairing"))? as usize,
                quantities: serde_json::from_value(p["quantities"].clone())
                    .map_err(|_| bad("pairing"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let notes: Vec<String> = serde_json::from_value(extra["notes"].clone()).unwrap_or_default();
    let overrides: Vec<String> = serde_json::from_value(extra["set"].clone()).unwrap_or_default();
    let programs: Vec<_> = contenders.iter().map(|c| c.program.clone()).collect();
    let mut total = ManyResult::new(&programs, &pairings, &settings);
    for (path, p) in parts {
        for chunk in &p.ordered {
            words::merge_many_ordered(&mut total, chunk)
                .map_err(|e| Error::Usage(format!("{path}: {e}")))?;
        }
    }
    for (path, p) in parts {
        words::merge_many_exact(&mut total, &p.exact)
            .map_err(|e| Error::Usage(format!("{path}: {e}")))?;
    }
    if total.each[0].samples != settings.samples {
        return Err(Error::Usage(format!(
            "the parts hold {} samples, not the {} of the run",
            total.each[0].samples, settings.samples
        )));
    }
    let comparison = assemble(&contenders, &pairings, notes, &total, &summary);
    let dir = out.unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", contenders[0].name))
    });
    create_out_dir(&dir)?;
    super::compare::write_outputs(
        &comparison,
        &contenders,
        &settings,
        0,
        summary.confidence,
        &overrides,
        &dir,
        quiet,
        started,
    )
}
