//! No input can overflow a stack, in any shell (issue 26): long operator
//! chains, deep nesting, long `extends` chains, long chains of derived
//! nodes and deeply nested TOML give a result or a located error (exit
//! code 2 from the CLI, 422 from the service), never an abort. The real
//! binary runs each; generated cases (gaprisk::model::deep_cases, shared
//! with the fuzz target `deep`) run in-process on a 2 MiB stack.

mod common;
#[path = "common/server.rs"]
mod harness;

use common::*;
use gaprisk::model::deep_cases::{case, exercise, is_located};
use gaprisk::model::expr::MAX_DEPTH;
use gaprisk::model::source::MAX_EXTENDS;
use serde_json::json;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

const HEADER: &str = "[model]\nname = \"deep\"\n[inputs]\n\
x = { dist = \"uniform\", min = 0.5, max = 1 }\n\
c = { dist = \"bernoulli\", p = 0.5 }\n";

/// `leaf op leaf op ... leaf`, `terms` leaves.
fn chain(leaf: &str, op: &str, terms: usize) -> String {
    vec![leaf; terms].join(op)
}

/// `gaprisk ARGS MODEL` (run: into a folder that must stay absent), with
/// how long it took.
fn gaprisk_on(command: &str, model: &Path, dir: &Path) -> (Output, Duration) {
    let mut cmd = gaprisk();
    cmd.arg(command).arg(model);
    if command == "run" {
        cmd.args(["--samples", "2000", "--quiet", "--out"])
            .arg(dir.join("results"));
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    (out, start.elapsed())
}

/// Exit code 2 (not a signal: the process did not abort), and stderr with
/// `FILE:LINE: KEY: ` followed by `message`.
fn assert_located(out: &Output, model: &Path, line: usize, key: &str, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "status {:?} (a signal is an abort)\n{stderr}",
        out.status
    );
    // A TOML syntax error is in no key.
    let located = if key.is_empty() {
        format!("{}:{line}: ", model.display())
    } else {
        format!("{}:{line}: {key}: ", model.display())
    };
    assert!(
        stderr.contains(&located) && stderr.contains(message),
        "expected '{located}...{message}' in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.len() < 2_000,
        "a short message, not the model: {stderr}"
    );
}

fn too_deep() -> String {
    format!("expression is nested more than {MAX_DEPTH} levels deep")
}

/// Both commands that read a model stop with the same located error.
fn assert_run_and_check(model: &Path, dir: &Path, line: usize, key: &str, message: &str) {
    for command in ["run", "check"] {
        let (out, took) = gaprisk_on(command, model, dir);
        assert_located(&out, model, line, key, message);
        assert!(took < Duration::from_secs(5), "{command} took {took:?}");
        assert!(!dir.join("results").exists(), "nothing written");
    }
}

#[test]
fn a_16_kb_sum_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let sum = chain("x", "+", 8_000);
    assert!(sum.len() > 15_000);
    let model = write_model(
        dir.path(),
        "sum.toml",
        &format!("{HEADER}[outputs]\ny = \"{sum}\"\n"),
    );
    assert_run_and_check(&model, dir.path(), 7, "outputs.y", &too_deep());
    // The message quotes the start of the text and where it stopped: the
    // first '+' one level too deep (column 2 * (MAX_DEPTH + 1)).
    let (out, _) = gaprisk_on("check", &model, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in \"x+x+x+"), "{stderr}");
    assert!(
        stderr.contains(&format!("(at column {})", 2 * (MAX_DEPTH + 1))),
        "{stderr}"
    );
    assert!(
        stderr.contains("split it into named [derived] entries"),
        "{stderr}"
    );
}

#[test]
fn and_and_or_chains_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    for op in [" and ", " or "] {
        let cond = chain("c", op, 7_000);
        let model = write_model(
            dir.path(),
            "cond.toml",
            &format!("{HEADER}[derived]\nd = \"x\"\n[events]\nev = \"{cond}\"\n"),
        );
        assert_run_and_check(&model, dir.path(), 9, "events.ev", &too_deep());
        // As a distribution's parameter, too.
        let model = write_model(
            dir.path(),
            "param.toml",
            &format!(
                "{HEADER}[derived]\nb = {{ dist = \"bernoulli\", p = \"{cond}\" }}\n\
                 [events]\nev = \"b\"\n"
            ),
        );
        assert_run_and_check(&model, dir.path(), 7, "derived.b.p", &too_deep());
    }
}

#[test]
fn chains_at_the_limit_run() {
    let dir = tempfile::tempdir().unwrap();
    let sum = chain("x", " + ", MAX_DEPTH + 1);
    let cond = chain("c", " and ", MAX_DEPTH + 1);
    let model = write_model(
        dir.path(),
        "limit.toml",
        &format!("{HEADER}[events]\nev = \"{cond}\"\n[outputs]\ny = \"{sum}\"\n"),
    );
    for command in ["run", "check"] {
        let (out, _) = gaprisk_on(command, &model, dir.path());
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Each of the 257 terms is between 0.5 and 1.
    let rows = read_summary(&dir.path().join("results/summary.csv"));
    let mean: f64 = rows.iter().find(|r| r["quantity"] == "y").unwrap()["mean"]
        .parse()
        .unwrap();
    assert!(
        (mean / (MAX_DEPTH + 1) as f64 - 0.75).abs() < 0.01,
        "{mean}"
    );
}

#[test]
fn a_million_term_chain_is_refused_within_a_second_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let sum = chain("x", "+", 1_000_000);
    let model = write_model(
        dir.path(),
        "million.toml",
        &format!("{HEADER}[outputs]\ny = \"{sum}\"\n"),
    );
    for command in ["run", "check"] {
        let (out, took) = gaprisk_on(command, &model, dir.path());
        assert_located(&out, &model, 7, "outputs.y", &too_deep());
        eprintln!("{command} on a 10^6-term chain (2 MB): {took:?}");
        assert!(took < Duration::from_secs(3), "{command} took {took:?}");
    }
}

#[test]
fn a_chain_of_3000_extends_files_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3_000;
    // f0 extends f1, ..., f2999 extends f3000, which extends nothing.
    for i in 0..n {
        write_model(
            dir.path(),
            &format!("f{i}.toml"),
            &format!(
                "[model]\nname = \"f{i}\"\nextends = \"f{}.toml\"\n[inputs]\nx = {}\n",
                i + 1,
                i + 1
            ),
        );
    }
    write_model(
        dir.path(),
        &format!("f{n}.toml"),
        &format!("{HEADER}[outputs]\ny = \"x + c\"\n"),
    );
    let top = dir.path().join("f0.toml");
    // Reported at the file whose `extends` is one too many.
    let at = dir.path().join(format!("f{MAX_EXTENDS}.toml"));
    for command in ["run", "check"] {
        let (out, took) = gaprisk_on(command, &top, dir.path());
        assert_located(
            &out,
            &at,
            3,
            "model.extends",
            &format!(
                "'{}' extends a chain of more than {MAX_EXTENDS} files, the limit",
                top.display()
            ),
        );
        assert!(took < Duration::from_secs(5), "{command} took {took:?}");
    }
    // A chain of exactly the limit loads: f{n - MAX_EXTENDS} extends
    // MAX_EXTENDS files.
    let start = dir.path().join(format!("f{}.toml", n - MAX_EXTENDS));
    let (out, _) = gaprisk_on("run", &start, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = read_summary(&dir.path().join("results/summary.csv"));
    // The top file's constant x wins.
    let mean: f64 = rows[0]["mean"].parse().unwrap();
    assert!(
        (mean - (n - MAX_EXTENDS + 1) as f64 - 0.5).abs() < 0.05,
        "{mean}"
    );
}

#[test]
fn a_cycle_of_extends_is_still_found() {
    let dir = tempfile::tempdir().unwrap();
    for (i, parent) in [(0, 1), (1, 2), (2, 0)] {
        write_model(
            dir.path(),
            &format!("f{i}.toml"),
            &format!("[model]\nname = \"f{i}\"\nextends = \"f{parent}.toml\"\n"),
        );
    }
    let top = dir.path().join("f0.toml");
    let (out, _) = gaprisk_on("check", &top, dir.path());
    assert_located(
        &out,
        &dir.path().join("f2.toml"),
        3,
        "model.extends",
        "extends itself through a cycle",
    );
}

/// `a0 = "x"` (or a constant), `a1 = "a0 + 1"`, ..., declared backwards so
/// that ordering has all the work to do.
fn derived_chain(n: usize, start: &str) -> String {
    let mut text = format!("{HEADER}[derived]\n");
    for i in (1..=n).rev() {
        text.push_str(&format!("a{i} = \"a{} + 1\"\n", i - 1));
    }
    text.push_str(&format!(
        "a0 = \"{start}\"\n[events]\nev = \"a{n} > {n}\"\n"
    ));
    text
}

#[test]
fn a_chain_of_100000_derived_nodes_is_ordered_checked_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    // From an uncertain input: checked (a run would hold 100,000 columns
    // of samples per worker, memory rather than stack).
    let model = write_model(dir.path(), "nodes.toml", &derived_chain(n, "x"));
    let (out, took) = gaprisk_on("check", &model, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("ok ({} nodes, 1 quantities)", n + 3)),
        "{stdout:.300}"
    );
    eprintln!("check on {n} chained derived nodes: {took:?}");
    assert!(took < Duration::from_secs(10), "check took {took:?}");
    // From a constant, every node folds: run.
    let model = write_model(dir.path(), "folded.toml", &derived_chain(n, "1"));
    let (out, took) = gaprisk_on("run", &model, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("run on {n} folded derived nodes: {took:?}");
    // a_n = n + 1 > n always.
    let rows = read_summary(&dir.path().join("results/summary.csv"));
    assert_eq!(rows[0]["mean"], "1");
    // A cycle at the end of the chain is named.
    let cyclic = derived_chain(n, "a100000");
    let model = write_model(dir.path(), "cycle.toml", &cyclic);
    let (out, took) = gaprisk_on("check", &model, dir.path());
    assert_located(
        &out,
        &model,
        7,
        "derived.a100000",
        "cycle: a100000 -> a99999 -> a99998 -> a99997 -> a99996 -> a99995 -> (99993 more) \
         -> a1 -> a0 -> a100000",
    );
    assert!(took < Duration::from_secs(10), "check took {took:?}");
}

#[test]
fn deeply_nested_toml_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    for value in [
        "[".repeat(n) + &"]".repeat(n),
        "{ a = ".repeat(n) + "1" + &" }".repeat(n),
    ] {
        let model = write_model(
            dir.path(),
            "nested.toml",
            &format!("{HEADER}[outputs]\ny = \"x\"\nz = {value}\n"),
        );
        for command in ["run", "check"] {
            let (out, took) = gaprisk_on(command, &model, dir.path());
            assert_located(&out, &model, 8, "", "TOML syntax error");
            assert!(took < Duration::from_secs(5), "{command} took {took:?}");
        }
    }
}

#[test]
fn the_service_answers_deep_models_with_422_and_keeps_serving() {
    let data = tempfile::tempdir().unwrap();
    let s = harness::Server::start(data.path(), &[]);
    let sum = chain("x", "+", 7_000);
    let cond = chain("c", " or ", 7_000);
    for (text, line, key) in [
        (
            format!("{HEADER}[outputs]\ny = \"{sum}\"\n"),
            7,
            "outputs.y",
        ),
        (
            format!("{HEADER}[events]\nev = \"{cond}\"\n"),
            7,
            "events.ev",
        ),
    ] {
        for command in ["run", "check"] {
            let body =
                json!({"command": command, "model": "deep.toml", "files": {"deep.toml": text}});
            let r = if command == "check" {
                s.post(
                    "/v1/check",
                    &json!({"model": "deep.toml", "files": {"deep.toml": text}}),
                )
            } else {
                s.post("/v1/jobs", &body)
            };
            assert_eq!(r.status, 422, "{command}: {}", r.text());
            let e = &r.json()["errors"][0];
            let message = e["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("deep.toml:{line}: {key}: in \"")),
                "{message}"
            );
            assert!(message.contains(&too_deep()), "{message}");
            assert_eq!(e["line"], line);
        }
    }
    // Still up.
    assert_eq!(s.get("/v1/jobs").status, 200);
}

/// Generated cases (the fuzz target's), on a 2 MiB stack like tokio's
/// blocking threads and rayon's workers: each loads, compiles and runs, or
/// stops with a located error. A stack overflow aborts this test process,
/// which fails it.
#[test]
fn generated_deep_cases_give_a_result_or_a_located_error() {
    let budget = Duration::from_secs(8);
    let start = Instant::now();
    let mut seen = (0, 0);
    for seed in 0..1_500u64 {
        if start.elapsed() > budget && seed >= 100 {
            break;
        }
        let c = case(seed);
        let result = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let r = exercise(&c);
                (c.shape, r)
            })
            .unwrap()
            .join()
            .expect("no panic");
        match result {
            (_, Ok(())) => seen.0 += 1,
            (shape, Err(e)) => {
                assert!(is_located(&e), "{shape}: {e}");
                seen.1 += 1;
            }
        }
    }
    eprintln!(
        "{} ok, {} located errors in {:?}",
        seen.0,
        seen.1,
        start.elapsed()
    );
    assert!(seen.0 > 5 && seen.1 > 5, "{seen:?}");
}
