//! One definition per command: the CLI's arguments (clap, from the specs'
//! derive), the JSON Schema the service publishes and checks requests
//! against (from the same structs' derive) and the requests' parser agree,
//! option by option, in both directions.

mod common;
use common::REPO;

use clap::CommandFactory;
use gaprisk::spec::request::JobRequest;
use gaprisk::spec::schema::{self, Shell};
use gaprisk::spec::{JobKind, JobSpec};
use gaprisk::{Job, LayeredFiles, Limits};
use gaprisk_cli::args::Cli;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The command line's options of `command` (long names, `_` for `-`), with
/// their defaults as clap shows them; positional arguments apart.
fn cli_options(command: &str) -> (Vec<(String, Option<String>)>, Vec<String>) {
    let mut cli = Cli::command();
    // Building fills in what clap derives: a flag's default of false.
    cli.build();
    let sub = cli
        .find_subcommand(command)
        .unwrap_or_else(|| panic!("no subcommand {command}"));
    let mut options = Vec::new();
    let mut positional = Vec::new();
    for arg in sub.get_arguments() {
        let id = arg.get_id().as_str().to_string();
        if id == "help" {
            continue;
        }
        match arg.get_long() {
            Some(long) => {
                let default = arg
                    .get_default_values()
                    .first()
                    .map(|v| v.to_string_lossy().into_owned());
                options.push((long.replace('-', "_"), default));
            }
            None => positional.push(id),
        }
    }
    (options, positional)
}

#[test]
fn the_cli_and_the_schema_have_the_same_options_for_every_command() {
    for &kind in JobKind::ALL {
        let (cli, positional) = cli_options(kind.name());
        let cli: BTreeSet<String> = cli.into_iter().map(|(name, _)| name).collect();
        let schema: BTreeSet<String> = schema::options(kind)
            .iter()
            .map(|o| o.name.to_string())
            .collect();
        assert!(!cli.is_empty(), "{kind}: no options read");
        let only_cli: Vec<_> = cli.difference(&schema).collect();
        let only_schema: Vec<_> = schema.difference(&cli).collect();
        assert!(
            only_cli.is_empty() && only_schema.is_empty(),
            "{kind}: only on the command line {only_cli:?}, only in the schema {only_schema:?}"
        );
        // The models are the request's own fields, not options.
        for model in &positional {
            assert!(
                ["model", "base", "variants"].contains(&model.as_str()),
                "{kind}: positional {model}"
            );
        }
    }
}

/// A clap default as the JSON value the schema gives it.
fn as_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

#[test]
fn the_cli_and_the_schema_have_the_same_defaults() {
    let mut compared = 0;
    for &kind in JobKind::ALL {
        let (cli, _) = cli_options(kind.name());
        for (name, default) in cli {
            let option = schema::option(kind, &name).unwrap();
            let schema_default = option.schema.get("default").cloned().unwrap_or(Value::Null);
            match default {
                Some(text) => {
                    assert_eq!(
                        as_json(&text),
                        schema_default,
                        "{kind} --{name}: the CLI's default {text}, the schema's {schema_default}"
                    );
                    compared += 1;
                }
                // Without a default: absent (null), an empty list or map.
                None => assert!(
                    matches!(&schema_default, Value::Null)
                        || schema_default == json!([])
                        || schema_default == json!({}),
                    "{kind} --{name}: no CLI default, the schema's {schema_default}"
                ),
            }
        }
    }
    assert!(compared > 40, "only {compared} defaults compared");
}

#[test]
fn the_cli_only_options_are_the_ones_the_spec_marks() {
    let mut cli_only = BTreeSet::new();
    let mut python_local = BTreeSet::new();
    for &kind in JobKind::ALL {
        for o in schema::options(kind) {
            if !o.taken_by(Shell::Service) {
                cli_only.insert(o.name);
                if o.taken_by(Shell::PythonLocal) {
                    python_local.insert(o.name);
                }
            }
        }
    }
    let expected: BTreeSet<&str> = [
        "threads",
        "quiet",
        "out",
        "checkpoint",
        "resume",
        "shard",
        "format",
        "no_report",
        "draws",
        "draws_format",
    ]
    .into_iter()
    .collect();
    assert_eq!(cli_only, expected);
    assert_eq!(
        python_local,
        ["format", "no_report", "threads"].into_iter().collect()
    );
}

fn spec_of(body: Value, shell: Shell) -> gaprisk::error::Result<JobSpec> {
    spec_of_text(&body.to_string(), shell)
}

fn spec_of_text(body: &str, shell: Shell) -> gaprisk::error::Result<JobSpec> {
    let request = JobRequest::from_json(body.as_bytes()).unwrap();
    request.spec(
        shell,
        &LayeredFiles::library(&std::path::Path::new(REPO).join("models")),
    )
}

/// The key an error names, as the service reports it.
fn refused(body: Value, shell: Shell) -> (String, String) {
    use gaprisk::error::Error;
    let e = spec_of(body.clone(), shell).expect_err(&body.to_string());
    let key = match &e {
        Error::InvalidOption { option, .. } => format!("options.{option}"),
        Error::UnknownOption { name, .. } => format!("options.{name}"),
        Error::InvalidRequest { key, .. } => key.clone(),
        other => panic!("{body}: {other:?}"),
    };
    (key, e.to_string())
}

#[test]
fn a_request_names_the_option_at_fault() {
    let run =
        |options: Value| json!({"command": "run", "model": "baseline.toml", "options": options});
    for (options, key, says) in [
        (
            json!({"samples": 1.5}),
            "options.samples",
            "samples must be a whole number, got 1.5",
        ),
        (
            json!({"samples": "many"}),
            "options.samples",
            "samples must be a whole number",
        ),
        (
            json!({"seed": -1}),
            "options.seed",
            "seed must be a whole number, got -1",
        ),
        (
            json!({"confidence": "high"}),
            "options.confidence",
            "confidence must be a number",
        ),
        (
            json!({"design": "sobol"}),
            "options.design",
            "design 'sobol' is not one of mc, lhs, qmc, antithetic",
        ),
        (
            json!({"interval": "exact"}),
            "options.interval",
            "interval 'exact' is not one of wilson, clopper-pearson",
        ),
        (
            json!({"set": {"a": "x"}}),
            "options.set.a",
            "set.a must be a number",
        ),
        (
            json!({"interval": "{precision}"}),
            "options.interval",
            "interval '{precision}' is not one of",
        ),
        (
            json!({"quantiles": 0.5}),
            "options.quantiles",
            "quantiles must be a list",
        ),
        (
            json!({"sample": 10}),
            "options.sample",
            "run takes no option 'sample'",
        ),
        (
            json!({"threads": 2}),
            "options.threads",
            "the service does not take it",
        ),
        (
            json!({"shard": "1/2"}),
            "options.shard",
            "the service does not take it",
        ),
        (json!([1, 2]), "options", "must be an object"),
    ] {
        let (k, message) = refused(run(options.clone()), Shell::Service);
        assert_eq!(k, key, "{options}: {message}");
        assert!(message.contains(says), "{options}: {message}");
    }
    let (k, message) = refused(
        json!({"command": "sweep", "model": "baseline.toml", "options": {"samples": 10}}),
        Shell::Service,
    );
    assert_eq!(
        (k.as_str(), message.as_str()),
        ("options.set", "sweep needs set")
    );
    let (k, _) = refused(
        json!({"command": "walk", "model": "baseline.toml"}),
        Shell::Service,
    );
    assert_eq!(k, "command");
    let (k, _) = refused(
        json!({"command": "run", "model": "baseline.toml", "variants": ["x.toml"]}),
        Shell::Service,
    );
    assert_eq!(k, "variants");
    let (k, message) = refused(
        json!({"command": "run", "model": "../secret.toml"}),
        Shell::Service,
    );
    assert_eq!(k, "model", "{message}");
    // The in-process Python calls take what is theirs; the service does not.
    let local = spec_of(
        run(json!({"threads": 2, "format": "both"})),
        Shell::PythonLocal,
    )
    .unwrap();
    assert_eq!(local.threads(), Some(2));
    // Options of a command that needs another (sweep: set) are named too.
    let sweep = |options: &str| {
        format!(
            r#"{{"command": "sweep", "model": "baseline.toml", "options": {{"set": {{"us_commitment": "0:1:3"}}, {options}}}}}"#
        )
    };
    for (options, key, says) in [
        (
            r#""design": "bogus""#,
            "options.design",
            "design 'bogus' is not one of",
        ),
        (
            r#""seed": -1"#,
            "options.seed",
            "seed must be a whole number, got -1",
        ),
        (
            r#""samples": 100, "samples": 200"#,
            "options.samples",
            "samples is given twice",
        ),
    ] {
        let e = spec_of_text(&sweep(options), Shell::Service).expect_err(options);
        let gaprisk::Error::InvalidOption { option, .. } = &e else {
            panic!("{options}: {e:?}")
        };
        assert_eq!(format!("options.{option}"), key, "{options}: {e}");
        assert!(e.to_string().contains(says), "{options}: {e}");
    }
}

#[test]
fn a_sweep_keeps_its_inputs_in_the_order_written() {
    // As text: serde_json's `json!` would sort the keys.
    let spec = spec_of_text(
        r#"{"command": "sweep", "model": "baseline.toml", "options": {"set":
            {"us_commitment": "0:1:3", "nato_cohesion": [0.2, 0.8], "movement_days": 5}}}"#,
        Shell::Service,
    )
    .unwrap();
    let JobSpec::Sweep(sweep) = spec else {
        panic!("a sweep")
    };
    let names: Vec<&str> = sweep.set.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["us_commitment", "nato_cohesion", "movement_days"]);
    assert_eq!(sweep.set[0].values, [0.0, 0.5, 1.0]);
    assert_eq!(sweep.set[1].values, [0.2, 0.8]);
    assert_eq!(sweep.set[2].values, [5.0]);
}

#[test]
fn equal_requests_have_one_cache_key_and_any_change_another() {
    let files = LayeredFiles::library(&std::path::Path::new(REPO).join("models"));
    let key = |options: Value| {
        let spec = spec_of(
            json!({"command": "run", "model": "baseline.toml", "options": options}),
            Shell::Service,
        )
        .unwrap();
        Job::build(&files, &spec, &Limits::NONE)
            .unwrap()
            .cache_key()
            .to_string()
    };
    let base = key(json!({"samples": 20000}));
    // Spelled otherwise, asked for the same.
    assert_eq!(base, key(json!({"samples": 2e4})));
    assert_eq!(base, key(json!({"samples": 20000, "seed": 20200925})));
    for other in [
        json!({"samples": 20001}),
        json!({"samples": 20000, "seed": 1}),
        json!({"samples": 20000, "interval": "clopper-pearson"}),
        json!({"samples": 20000, "set": {"us_commitment": 0.5}}),
    ] {
        assert_ne!(base, key(other.clone()), "{other}");
    }
}

#[test]
fn a_job_counts_its_evaluations_and_the_service_limits_them() {
    let files = LayeredFiles::library(&std::path::Path::new(REPO).join("models"));
    let build = |body: Value, limits: &Limits| {
        let spec = spec_of(body, Shell::Service).unwrap();
        Job::build(&files, &spec, limits)
    };
    let compare = json!({"command": "compare", "model": "baseline.toml",
                         "variants": ["full_withdrawal.toml", "no_us_rotation.toml"],
                         "options": {"samples": 1000}});
    assert_eq!(
        build(compare.clone(), &Limits::NONE).unwrap().evaluations(),
        3000
    );
    let tight = Limits {
        max_evaluations: 2999,
        ..Limits::NONE
    };
    let e = build(compare, &tight).err().unwrap();
    assert!(
        e.to_string()
            .contains("3000 model evaluations is more than this server's limit of 2999"),
        "{e}"
    );
    let sweep = json!({"command": "sweep", "model": "baseline.toml",
                       "options": {"samples": 1000, "set": {"us_commitment": "0:1:5"}}});
    assert_eq!(build(sweep, &Limits::NONE).unwrap().evaluations(), 5000);
    let rare = json!({"command": "rare", "model": "baseline.toml", "options": {"samples": 1000}});
    assert_eq!(build(rare, &Limits::NONE).unwrap().evaluations(), 21_000);
    // A budget no count wraps around: 2^63 rows of a Sobol design.
    let huge = json!({"command": "sensitivity", "model": "baseline.toml",
                      "options": {"samples": 9_223_372_036_854_775_808_u64}});
    let e = build(huge, &tight).err().unwrap();
    assert!(
        e.to_string().contains("more than this server's limit"),
        "{e}"
    );
    let few_nodes = Limits {
        max_nodes: 10,
        ..Limits::NONE
    };
    let run = json!({"command": "run", "model": "baseline.toml"});
    let e = build(run, &few_nodes).err().unwrap();
    assert!(
        e.to_string()
            .contains("is more than this server's limit of 10"),
        "{e}"
    );
    assert!(
        matches!(&e, gaprisk::Error::InvalidRequest { key, .. } if key == "model"),
        "{e:?}"
    );
}

/// The code of the files shells and library are made of (comments and
/// Python docstrings left out; unit tests and their data too).
fn sources() -> Vec<(std::path::PathBuf, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            if path.is_dir() {
                if name != "testdata" && name != "tests" {
                    walk(&path, out);
                }
            } else if ["rs", "py", "html"]
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
                && name != "tests.rs"
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["src", "crates", "python/src", "python/gaprisk"] {
        walk(&std::path::Path::new(REPO).join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let python = path.extension().is_some_and(|x| x == "py");
            let mut code = String::new();
            let mut in_docstring = false;
            for line in text.lines() {
                if python {
                    let quotes = line.matches("\"\"\"").count();
                    let was = in_docstring;
                    in_docstring ^= quotes % 2 == 1;
                    if was || quotes > 0 || line.trim_start().starts_with('#') {
                        continue;
                    }
                    code.push_str(line);
                } else {
                    code.push_str(line.split("//").next().unwrap());
                }
                code.push('\n');
            }
            (path, code)
        })
        .collect()
}

#[test]
fn every_choice_is_spelled_in_one_source_file() {
    use gaprisk::analysis::rare::RareMethod;
    use gaprisk::engine::design::Design;
    use gaprisk::files::DrawsFormat;
    use gaprisk::output::format::tabular::TableFormat;
    use gaprisk::spec::{Method, Sampler, SobolDesign};
    use gaprisk::stats::interval::ProportionInterval;
    let mut spellings: Vec<&str> = Vec::new();
    spellings.extend(Design::ALL.iter().map(|c| c.name()));
    spellings.extend(ProportionInterval::ALL.iter().map(|c| c.name()));
    spellings.extend(RareMethod::ALL.iter().map(|c| c.name()));
    spellings.extend(Method::ALL.iter().map(|c| c.name()));
    spellings.extend(Sampler::ALL.iter().map(|c| c.name()));
    spellings.extend(SobolDesign::ALL.iter().map(|c| c.name()));
    spellings.extend(TableFormat::ALL.iter().map(|c| c.name()));
    spellings.extend(DrawsFormat::ALL.iter().map(|c| c.name()));
    spellings.sort_unstable();
    spellings.dedup();
    // sensitivity.csv has a column of the same name: another word.
    spellings.retain(|s| *s != "rank");
    assert!(spellings.len() >= 12, "{spellings:?}");
    let sources = sources();
    assert!(sources.len() > 100, "only {} files read", sources.len());
    let mut repeated = Vec::new();
    for spelling in spellings {
        let literal = format!("\"{spelling}\"");
        let files: Vec<String> = sources
            .iter()
            .filter(|(_, code)| code.contains(&literal))
            .map(|(path, _)| path.display().to_string())
            .collect();
        if files.len() != 1 {
            repeated.push(format!("{literal} in {files:?}"));
        }
    }
    assert!(repeated.is_empty(), "{}", repeated.join("\n"));
}
