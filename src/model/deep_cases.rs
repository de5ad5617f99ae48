//! Generated models that are deep where a parser or a checker might
//! recurse: long chains of every operator, nested parentheses, signs,
//! `not` and function calls, long `min`/`max` argument lists, long chains
//! of derived nodes, deeply nested TOML and long `extends` chains. Each
//! case is a function of its seed, so a failure replays. The fuzz target
//! `deep` (fuzz/fuzz_targets/deep.rs, its bytes choosing the seed) and
//! tests/deep_models.rs (a fixed set of seeds, on a 2 MiB stack) use them;
//! only with `internals`.

use super::expr::MAX_DEPTH;
use super::files::{MemoryFiles, ModelFiles};
use super::source::MAX_EXTENDS;
use crate::engine::design::{Design, chunk_streams};
use crate::engine::eval::Workspace;
use crate::error::ModelError;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::path::{Path, PathBuf};

/// A generated model: its files (the first is the one to load) and what
/// was generated, for a failure's message.
#[derive(Debug, Clone)]
pub struct Case {
    pub files: Vec<(String, String)>,
    pub shape: String,
}

const HEADER: &str = "[inputs]\n\
x = { dist = \"uniform\", min = 0.5, max = 1 }\n\
c = { dist = \"bernoulli\", p = 0.5 }\n";

/// A length: mostly small, often at the depth limit (either side of it),
/// sometimes far beyond it.
fn length(rng: &mut StdRng) -> usize {
    match rng.random_range(0..10) {
        0..=3 => rng.random_range(1..64),
        4..=6 => rng.random_range(MAX_DEPTH - 4..MAX_DEPTH + 4),
        7 | 8 => rng.random_range(MAX_DEPTH..4 * MAX_DEPTH),
        _ => rng.random_range(1_000..40_000),
    }
}

fn pick<'a>(rng: &mut StdRng, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// `x op x op ... x` with `n` operators, each drawn from `ops`.
fn chain(rng: &mut StdRng, operand: &str, ops: &[&str], n: usize) -> String {
    let mut s = String::with_capacity((n + 1) * (operand.len() + 4));
    s.push_str(operand);
    for _ in 0..n {
        s.push(' ');
        s.push_str(pick(rng, ops));
        s.push(' ');
        s.push_str(operand);
    }
    s
}

/// `n` wrappers around `core`, each a (prefix, suffix) drawn from `wraps`:
/// built as two lists, so linear in the length.
fn wrapped(rng: &mut StdRng, core: &str, wraps: &[(&str, &str)], n: usize) -> String {
    let mut prefix = String::new();
    let mut suffix: Vec<&str> = Vec::with_capacity(n);
    for _ in 0..n {
        let (p, s) = wraps[rng.random_range(0..wraps.len())];
        prefix.push_str(p);
        suffix.push(s);
    }
    suffix.reverse();
    prefix + core + &suffix.concat()
}

const NUMBER_WRAPS: &[(&str, &str)] = &[
    ("(", ")"),
    ("(", " + x)"),
    ("x - (", ")"),
    ("- ", ""),
    ("x * ", ""),
    ("(", ") / x"),
    ("abs(", ")"),
    ("sqrt(", ")"),
    ("max(x, ", ", 1)"),
    ("min(", ", x, 2)"),
    ("clamp(", ", 0, 10)"),
    ("if(c, ", ", x)"),
    ("if(x > 0.7, x, ", ")"),
    ("x ^ ", ""),
    ("logistic(", ")"),
];

const CONDITION_WRAPS: &[(&str, &str)] = &[
    ("(", ")"),
    ("not ", ""),
    ("c and (", ")"),
    ("(", ") or c"),
    ("if(c, ", ", x > 0.6)"),
    ("not (", ")"),
];

/// A numeric expression of one of the deep shapes, named in `shape`.
fn number(rng: &mut StdRng, shape: &mut String) -> String {
    let n = length(rng);
    match rng.random_range(0..7) {
        0 => {
            let ops: &[&str] = match rng.random_range(0..4) {
                0 => &["+"],
                1 => &["-"],
                2 => &["*", "/"],
                _ => &["+", "-", "*", "/"],
            };
            shape.push_str(&format!("chain of {n} {ops:?}"));
            chain(rng, "x", ops, n)
        }
        1 => {
            shape.push_str(&format!("{n} nested parentheses"));
            "(".repeat(n) + "x" + &")".repeat(n)
        }
        2 => {
            shape.push_str(&format!("{n} unary minus"));
            "- ".repeat(n) + "x"
        }
        3 => {
            shape.push_str(&format!("power tower of {n}"));
            chain(rng, "x", &["^"], n)
        }
        4 => {
            let f = pick(rng, &["min", "max"]);
            shape.push_str(&format!("{f} of {n} arguments"));
            format!("{f}({})", vec!["x"; n + 1].join(", "))
        }
        5 => {
            let f = pick(rng, &["abs", "exp", "floor", "logistic"]);
            shape.push_str(&format!("{n} nested {f}()"));
            format!("{}x{}", format!("{f}(").repeat(n), ")".repeat(n))
        }
        _ => {
            shape.push_str(&format!("{n} mixed numeric wrappers"));
            wrapped(rng, "x", NUMBER_WRAPS, n)
        }
    }
}

/// A condition of one of the deep shapes.
fn condition(rng: &mut StdRng, shape: &mut String) -> String {
    let n = length(rng);
    match rng.random_range(0..5) {
        0 => {
            let ops: &[&str] = match rng.random_range(0..3) {
                0 => &["and"],
                1 => &["or"],
                _ => &["and", "or"],
            };
            shape.push_str(&format!("condition chain of {n} {ops:?}"));
            chain(rng, "c", ops, n)
        }
        1 => {
            shape.push_str(&format!("{n} not"));
            "not ".repeat(n) + "c"
        }
        2 => {
            shape.push_str(&format!("{n} mixed condition wrappers"));
            wrapped(rng, "x > 0.6", CONDITION_WRAPS, n)
        }
        3 => {
            shape.push_str("comparison of: ");
            format!("{} > 0.6", number(rng, shape))
        }
        _ => {
            // A number where a condition is needed: a typed-condition error.
            shape.push_str("number as condition: ");
            number(rng, shape)
        }
    }
}

/// A TOML value nested `n` deep in arrays or inline tables.
fn nested_toml(rng: &mut StdRng, shape: &mut String) -> String {
    let n = length(rng) * 4;
    if rng.random_bool(0.5) {
        shape.push_str(&format!("TOML array nested {n} deep"));
        "[".repeat(n) + "1" + &"]".repeat(n)
    } else {
        shape.push_str(&format!("TOML inline table nested {n} deep"));
        "{ a = ".repeat(n) + "1" + &" }".repeat(n)
    }
}

fn model(name: &str, extends: Option<&str>, body: &str) -> String {
    let mut s = format!("[model]\nname = \"{name}\"\n");
    if let Some(parent) = extends {
        s.push_str(&format!("extends = \"{parent}\"\n"));
    }
    s.push_str(body);
    s
}

/// The case of `seed`.
pub fn case(seed: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut shape = format!("seed {seed}: ");
    let mut files = Vec::new();
    match rng.random_range(0..6) {
        0 => {
            shape.push_str("output: ");
            let y = number(&mut rng, &mut shape);
            let body = format!("{HEADER}[outputs]\ny = \"{y}\"\n");
            files.push(("deep.toml".to_string(), model("deep", None, &body)));
        }
        1 => {
            shape.push_str("event: ");
            let e = condition(&mut rng, &mut shape);
            let body = format!("{HEADER}[events]\nev = \"{e}\"\n");
            files.push(("deep.toml".to_string(), model("deep", None, &body)));
        }
        2 => {
            // Through a derived node and a distribution's parameter.
            shape.push_str("derived, parameter and event: ");
            let d = number(&mut rng, &mut shape);
            shape.push_str("; ");
            let e = condition(&mut rng, &mut shape);
            let body = format!(
                "{HEADER}[derived]\nd = \"{d}\"\n\
                 z = {{ dist = \"normal\", mean = \"{d}\", sd = 1 }}\n\
                 b = {{ dist = \"bernoulli\", p = \"clamp({d}, 0, 1)\" }}\n\
                 [events]\nev = \"{e}\"\nf = \"b and z > d\"\n[outputs]\nd = \"d\"\n"
            );
            files.push(("deep.toml".to_string(), model("deep", None, &body)));
        }
        3 => {
            // From an uncertain input, each node a column of its own (so
            // fewer of them); from a constant, all folded to one number.
            let (start, n) = if rng.random_bool(0.5) {
                ("x", rng.random_range(1..3_000))
            } else {
                ("2", rng.random_range(1..20_000))
            };
            shape.push_str(&format!("{n} chained derived nodes from {start}"));
            let mut body = format!("{HEADER}[derived]\na0 = \"{start}\"\n");
            for i in 1..=n {
                let op = pick(&mut rng, &["+", "*", "-"]);
                body.push_str(&format!("a{i} = \"a{} {op} 1\"\n", i - 1));
            }
            body.push_str(&format!("[events]\nev = \"a{n} > 1\"\n"));
            files.push(("deep.toml".to_string(), model("deep", None, &body)));
        }
        4 => {
            shape.push_str("nested TOML: ");
            let v = nested_toml(&mut rng, &mut shape);
            let key = pick(&mut rng, &["[derived]\nv", "[correlations]\nv", "w"]);
            let body = format!("{HEADER}[outputs]\ny = \"x\"\n{key} = {v}\n");
            files.push(("deep.toml".to_string(), model("deep", None, &body)));
        }
        _ => {
            // A chain of files, each extending the next; the last extends
            // none, or (a cycle) one before it.
            let n = match rng.random_range(0..3) {
                0 => rng.random_range(1..MAX_EXTENDS),
                1 => rng.random_range(MAX_EXTENDS - 2..MAX_EXTENDS + 3),
                _ => rng.random_range(MAX_EXTENDS..4_000),
            };
            let cycle = rng.random_bool(0.2).then(|| rng.random_range(0..n));
            shape.push_str(&format!("{n} files extending one another, cycle {cycle:?}"));
            let root = format!("{HEADER}[events]\nev = \"c and x > 0.6\"\n");
            for i in 0..n {
                let parent = format!("f{}.toml", i + 1);
                let body = format!(
                    "[inputs]\nx = {{ dist = \"uniform\", min = 0.5, max = {}.0 }}\n",
                    i + 1
                );
                files.push((
                    format!("f{i}.toml"),
                    model(&format!("f{i}"), Some(&parent), &body),
                ));
            }
            let last = cycle.map(|c| format!("f{c}.toml"));
            files.push((
                format!("f{n}.toml"),
                model(&format!("f{n}"), last.as_deref(), &root),
            ));
        }
    }
    Case { files, shape }
}

/// Loads, validates and compiles a case, evaluates one block of 64 samples
/// and writes its definitions out as `check` does: `Ok` or the model error
/// that stopped it.
pub fn exercise(case: &Case) -> Result<(), ModelError> {
    let mut files = MemoryFiles::new();
    let mut first: Option<PathBuf> = None;
    for (name, text) in &case.files {
        let path = files
            .insert(name, text.as_str())
            .expect("generated names are plain");
        first.get_or_insert(path);
    }
    let path = first.expect("a case has a file");
    let model = super::load_from(&files as &dyn ModelFiles, &path)?;
    let program = super::compile::compile(&model)?;
    for entry in &model.spec.entries {
        std::hint::black_box(entry.body.canonical());
    }
    let mut streams = chunk_streams(&program, Design::Mc, &vec![1; program.streams.len()], 0, 64);
    let mut ws = Workspace::new(&program);
    ws.run(&program, &mut streams, 64);
    Ok(())
}

/// Whether `error` is located: a file, a line, and a key (a TOML syntax
/// error has none: it is not in any key).
pub fn is_located(error: &ModelError) -> bool {
    error.file != Path::new("")
        && error.line > 0
        && (!error.key.is_empty() || error.message.starts_with("TOML syntax error"))
}
