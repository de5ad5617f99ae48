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

/// The key an error of a built job names, as the service reports it.
fn build_refused(body: Value, limits: &Limits) -> (String, String) {
    use gaprisk::error::Error;
    let files = LayeredFiles::library(&std::path::Path::new(REPO).join("models"));
    let spec = spec_of(body.clone(), Shell::Service).unwrap();
    let e = Job::build(&files, &spec, limits)
        .err()
        .unwrap_or_else(|| panic!("{body}"));
    let key = match &e {
        Error::InvalidOption { option, .. } => format!("options.{option}"),
        Error::InvalidRequest { key, .. } => key.clone(),
        other => panic!("{body}: {other:?}"),
    };
    (key, e.to_string())
}

#[test]
fn every_size_of_a_job_is_bounded_or_counted_in_its_evaluations() {
    let files = LayeredFiles::library(&std::path::Path::new(REPO).join("models"));
    let built = |body: Value| {
        let spec = spec_of(body, Shell::Service).unwrap();
        Job::build(&files, &spec, &Limits::NONE).unwrap()
    };
    let budget = Limits {
        max_evaluations: 1_000_000,
        ..Limits::NONE
    };
    let sobol = |options: Value| json!({"command": "sensitivity", "model": "baseline.toml", "options": options});
    // The bootstrap of a Sobol analysis of design mc: B resamples of N rows.
    let plain = built(sobol(json!({"samples": 1000, "design": "mc"}))).evaluations();
    let more = built(sobol(
        json!({"samples": 1000, "design": "mc", "bootstrap": 300}),
    ));
    assert_eq!(more.evaluations(), plain + 100 * 1000);
    // Under qmc it takes no resamples.
    assert_eq!(
        built(sobol(json!({"samples": 4096, "bootstrap": 300}))).evaluations(),
        built(sobol(json!({"samples": 4096}))).evaluations()
    );
    for bootstrap in [json!(9_007_199_254_740_992_u64), json!(100_001), json!(19)] {
        let (key, message) = build_refused(
            sobol(json!({"samples": 1000, "design": "mc", "bootstrap": bootstrap})),
            &Limits::NONE,
        );
        assert_eq!(key, "options.bootstrap", "{message}");
        assert!(message.contains("between 20 and 100000"), "{message}");
    }
    let (key, message) = build_refused(
        sobol(json!({"samples": 400, "design": "mc", "bootstrap": 100_000})),
        &budget,
    );
    assert_eq!(key, "options.bootstrap", "{message}");
    assert!(
        message.contains("more than this server's limit"),
        "{message}"
    );
    let (key, message) = build_refused(
        sobol(json!({"samples": 100_000, "design": "mc", "bootstrap": 20})),
        &budget,
    );
    assert_eq!(key, "options.samples", "{message}");
    // A stopping rule's budget is its max_samples, and errors say so.
    let stopping =
        |options: Value| json!({"command": "run", "model": "baseline.toml", "options": options});
    for (options, says) in [
        (
            json!({"precision": 0.01, "max_samples": 2_000_000}),
            "max_samples: 2000000 model evaluations is more than",
        ),
        (
            json!({"relative_precision": 0.01, "max_samples": 1}),
            "max_samples must be at least 2",
        ),
        (
            json!({"precision": 0.01, "max_samples": 1.5}),
            "max_samples must be a whole number",
        ),
    ] {
        let (key, message) = if options["max_samples"] == json!(1.5) {
            refused(stopping(options.clone()), Shell::Service)
        } else {
            build_refused(stopping(options.clone()), &budget)
        };
        assert_eq!(key, "options.max_samples", "{options}: {message}");
        assert!(message.contains(says), "{options}: {message}");
    }
    // Filtering the samples of subset counts as many levels as rare.
    let filter = built(sobol(
        json!({"method": "filter", "sampler": "subset", "samples": 1000}),
    ));
    assert_eq!(filter.evaluations(), 21_000);
    // Threads (the in-process Python calls give them) are bounded.
    let local = spec_of(
        json!({"command": "run", "model": "baseline.toml", "options": {"threads": 1_000_000}}),
        Shell::PythonLocal,
    )
    .unwrap();
    let e = local.workers().err().unwrap();
    assert!(e.to_string().contains("between 1 and 1024"), "{e}");
}

#[test]
fn a_sweep_over_no_input_is_refused_as_the_cli_refuses_it() {
    let (key, message) = refused(
        json!({"command": "sweep", "model": "baseline.toml", "options": {"set": {}}}),
        Shell::Service,
    );
    assert_eq!(key, "options.set", "{message}");
    assert!(message.contains("a sweep needs set"), "{message}");
}

#[test]
fn a_body_that_is_not_a_json_object_is_refused() {
    for body in [
        r#"["run", "baseline.toml"]"#,
        r#"  ["run", "baseline.toml", [], {}, {}]"#,
        r#""run""#,
        "3",
        "null",
    ] {
        let e = JobRequest::from_json(body.as_bytes()).expect_err(body);
        assert!(
            e.to_string().contains("the body must be a JSON object"),
            "{body}: {e}"
        );
    }
    // Malformed JSON is still said to be.
    let e = JobRequest::from_json(b"[1, ").err().unwrap();
    assert!(!e.to_string().contains("JSON object"), "{e}");
    assert!(JobRequest::from_json(br#" {"command": "run", "model": "m.toml"}"#).is_ok());
}

const TITLED: &str = "[model]\nname = \"m\"\ntitle = \"TITLE\"\n[inputs]\nx = { dist = \"lognormal\", p05 = 1, p95 = 2, note = \"NOTE\" }\n[events]\nbig = \"x > 1.5\"\n";

#[test]
fn the_cache_key_covers_what_the_files_show_of_a_model() {
    let files = LayeredFiles::library(&std::path::Path::new(REPO).join("models"));
    let key = |command: &str, text: String| {
        let body = json!({"command": command, "model": "m.toml", "files": {"m.toml": text},
        "options": match command {
            "sweep" => json!({"samples": 1000, "set": {"x": "1:2:2"}}),
            "sensitivity" => json!({"samples": 4096}),
            _ => json!({"samples": 1000}),
        }});
        let request = JobRequest::from_json(body.to_string().as_bytes()).unwrap();
        let files = files.clone().with_texts(&request.files).unwrap();
        let spec = request.spec(Shell::Service, &files).unwrap();
        Job::build(&files, &spec, &Limits::NONE)
            .unwrap()
            .cache_key()
            .to_string()
    };
    for command in ["run", "sweep", "sensitivity", "rare"] {
        let base = key(command, TITLED.to_string());
        assert_eq!(base, key(command, TITLED.to_string()), "{command}");
        for (what, text) in [
            ("title", TITLED.replace("TITLE", "Another title")),
            ("note", TITLED.replace("NOTE", "another note")),
            (
                "description",
                TITLED.replace("title =", "description = \"D\"\ntitle ="),
            ),
        ] {
            assert_ne!(base, key(command, text), "{command}: {what}");
        }
    }
    // The title goes into a run's manifest.
    let spec = |text: &str| {
        let body = json!({"command": "run", "model": "m.toml", "files": {"m.toml": text}, "options": {"samples": 1000}});
        let request = JobRequest::from_json(body.to_string().as_bytes()).unwrap();
        let files = files.clone().with_texts(&request.files).unwrap();
        let spec = request.spec(Shell::Service, &files).unwrap();
        (files, spec)
    };
    let (f, s) = spec(TITLED);
    let out = Job::build(&f, &s, &Limits::NONE)
        .unwrap()
        .execute(
            &gaprisk::RunContext::new(gaprisk::Workers::new(1).unwrap()),
            gaprisk::RunSinks::default(),
        )
        .unwrap()
        .completed()
        .unwrap();
    let manifest = out.file("manifest.json").unwrap();
    assert!(String::from_utf8_lossy(&manifest.bytes).contains("TITLE"));
}

#[test]
fn errors_in_library_files_name_them_inside_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library");
    std::fs::create_dir_all(library.join("sub")).unwrap();
    std::fs::write(
        library.join("sub/bad.toml"),
        "[model]\nname = \"b\"\n[inputs\nx = 1\n",
    )
    .unwrap();
    std::fs::write(
        library.join("sub/typo.toml"),
        "[model]\nname = \"t\"\n[inputs]\nx = { dist = \"normal\", mean = 0 }\n[outputs]\ny = \"x\"\n",
    )
    .unwrap();
    std::fs::write(
        library.join("sub/data.toml"),
        "[model]\nname = \"d\"\n[inputs]\nx = { dist = \"empirical\", file = \"missing.csv\", column = \"x\" }\n[outputs]\ny = \"x\"\n",
    )
    .unwrap();
    let absolute = library.canonicalize().unwrap();
    let child = |parent: &str| format!("[model]\nname = \"c\"\nextends = \"{parent}\"\n");
    for (model, files) in [
        ("mine.toml", json!({"mine.toml": child("sub/missing.toml")})),
        ("mine.toml", json!({"mine.toml": child("sub/bad.toml")})),
        ("mine.toml", json!({"mine.toml": child("sub/typo.toml")})),
        ("mine.toml", json!({"mine.toml": child("sub/data.toml")})),
        (
            "mine.toml",
            json!({"mine.toml": child("../library/sub/bad.toml")}),
        ),
        ("sub/bad.toml", json!({})),
        ("sub/data.toml", json!({})),
        ("sub/nothing.toml", json!({})),
    ] {
        let body = json!({"command": "run", "model": model, "files": files});
        let request = JobRequest::from_json(body.to_string().as_bytes()).unwrap();
        let layered = LayeredFiles::library(&library)
            .with_texts(&request.files)
            .unwrap();
        let e = request
            .spec(Shell::Service, &layered)
            .and_then(|spec| Job::build(&layered, &spec, &Limits::NONE))
            .err()
            .unwrap_or_else(|| panic!("{body}"));
        let text = format!("{e} {e:?}");
        for dir in [&library, &absolute, &dir.path().to_path_buf()] {
            assert!(
                !text.contains(&*dir.to_string_lossy()),
                "{body}: {text} names {}",
                dir.display()
            );
        }
        assert!(text.contains(".toml"), "{body}: {text}");
    }
}
