//! The stack the recursive passes over an expression use, at the deepest
//! tree the parser accepts (`expr::MAX_DEPTH`): what the limit is chosen by.

use super::compile::compile;
use super::expr::{self, MAX_BRACKETS, MAX_DEPTH};
use super::source::load_text;
use super::validate::validate;
use crate::engine::design::{Design, chunk_streams};
use crate::engine::eval::Workspace;
use crate::model::spec::Body;
use std::path::Path;

/// Expressions of each shape, `n` levels deep (`b` for parentheses and
/// calls): (name, text, is a condition).
pub(crate) fn shapes(n: usize, b: usize) -> Vec<(&'static str, String, bool)> {
    let chain = |op: &str, leaf: &str| {
        let mut s = leaf.to_string();
        for _ in 0..n {
            s.push_str(op);
            s.push_str(leaf);
        }
        s
    };
    vec![
        ("+ chain", chain(" + ", "x"), false),
        ("* chain", chain(" * ", "x"), false),
        ("and chain", chain(" and ", "c"), true),
        ("or chain", chain(" or ", "c"), true),
        ("power tower", chain(" ^ ", "x"), false),
        (
            "min args",
            format!("min({})", vec!["x"; n + 1].join(", ")),
            false,
        ),
        ("parentheses", "(".repeat(b) + "x" + &")".repeat(b), false),
        ("unary minus", "- ".repeat(n) + "x", false),
        ("not", "not ".repeat(n) + "c", true),
        ("abs calls", "abs(".repeat(b) + "x" + &")".repeat(b), false),
        (
            "nested if",
            "if(c, ".repeat(b) + "x" + &", x)".repeat(b),
            false,
        ),
        (
            "right-nested +",
            "x + (".repeat(b) + &chain(" - ", "x")[4 * b..] + &")".repeat(b),
            false,
        ),
    ]
}

/// Every pass that recurses over an expression, on `src`: parsing (in the
/// TOML), `names`, the checks of conditions, compiling, evaluating (the
/// engine's and `Expr::eval`), `Display` (`check`), `Debug`, `Clone`,
/// `PartialEq` and `Drop`.
pub(crate) fn every_pass(src: &str, condition: bool) {
    passes(
        src,
        condition,
        &["display", "names", "eval", "clone", "debug"],
    );
}

/// Parsing, validation, compilation and a block's run, then `extra`
/// passes over each expression (named as in `every_pass`).
fn passes(src: &str, condition: bool, extra: &[&str]) {
    let event = if condition { "d" } else { "d > 0.5" };
    let text = format!(
        "[model]\nname = \"deep\"\n[inputs]\nx = {{ dist = \"uniform\", min = 0.5, max = 1 }}\n\
         c = {{ dist = \"bernoulli\", p = 0.5 }}\n[derived]\nd = \"{src}\"\n\
         [events]\nev = \"{event}\"\n[outputs]\ny = \"{src}\"\n"
    );
    let spec = load_text(Path::new("deep.toml"), &text).expect("parses");
    let model = validate(spec).expect("validates");
    let program = compile(&model).expect("compiles");
    let mut streams = chunk_streams(&program, Design::Mc, &vec![1; program.streams.len()], 0, 64);
    let mut ws = Workspace::new(&program);
    ws.run(&program, &mut streams, 64);
    for entry in &model.spec.entries {
        if extra.contains(&"display") {
            std::hint::black_box(entry.body.canonical());
        }
        if let Body::Expr { expr, .. } = &entry.body {
            if extra.contains(&"names") {
                std::hint::black_box(expr.names());
            }
            if extra.contains(&"eval") {
                std::hint::black_box(expr.eval(&|_| 0.75));
            }
            if extra.contains(&"clone") {
                let copy = expr.clone();
                assert!(copy == *expr);
            }
            if extra.contains(&"debug") {
                std::hint::black_box(format!("{expr:?}"));
            }
        }
    }
    // A second parse, dropped at once.
    drop(expr::parse(src).expect("parses"));
}

fn on_stack(stack: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("the passes succeed");
}

/// The deepest trees of every shape pass every pass on a quarter of the
/// 2 MiB that tokio's blocking threads and rayon's workers have in a
/// release build, on half of it in a debug build (an overflow aborts the
/// test process: the red signal). See `stack_use_per_level` for the
/// measurements behind `MAX_DEPTH` and `MAX_BRACKETS`.
#[test]
fn the_deepest_trees_fit_a_fraction_of_a_2_mib_stack() {
    let stack = if cfg!(debug_assertions) { 1024 } else { 512 } * 1024;
    for (_, src, condition) in shapes(MAX_DEPTH, MAX_BRACKETS) {
        on_stack(stack, move || every_pass(&src, condition));
    }
    // One level more is an error naming the limit, whatever the shape.
    for (name, src, _) in shapes(MAX_DEPTH + 1, MAX_BRACKETS + 1) {
        let err = expr::parse(&src).expect_err(name);
        assert!(err.message.contains("nested more than"), "{name}: {err}");
    }
}

/// Measures, for one shape, the smallest stack every pass fits on at
/// depth `n`, by running this test binary again on a given stack and
/// depth (an overflow kills only that child):
///
///     GAPRISK_STACK_PROBE=1 cargo test --release --features internals --lib \
///         stack_use_per_level -- --ignored --nocapture
///
/// The stack per level is the difference between `MAX_DEPTH` and a
/// shallow depth, over the levels between them.
#[test]
#[ignore = "a measurement: run by hand (see its doc)"]
fn stack_use_per_level() {
    if let (Ok(name), Ok(depth), Ok(stack)) = (
        std::env::var("GAPRISK_PROBE_SHAPE"),
        std::env::var("GAPRISK_PROBE_DEPTH"),
        std::env::var("GAPRISK_PROBE_STACK"),
    ) {
        // The child: one shape, one depth, one stack.
        let depth: usize = depth.parse().unwrap();
        let (_, src, condition) = shapes(depth, depth.min(MAX_BRACKETS))
            .into_iter()
            .find(|(n, _, _)| *n == name)
            .expect("a shape");
        let extra: Vec<String> = std::env::var("GAPRISK_PROBE_PASSES")
            .map(|p| p.split(',').map(str::to_string).collect())
            .unwrap_or_else(|_| {
                ["display", "names", "eval", "clone", "debug"]
                    .map(String::from)
                    .to_vec()
            });
        on_stack(stack.parse().unwrap(), move || {
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            passes(&src, condition, &extra)
        });
        return;
    }
    let fits = |name: &str, depth: usize, stack: usize| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        if let Ok(p) = std::env::var("GAPRISK_MEASURE_PASSES") {
            cmd.env("GAPRISK_PROBE_PASSES", p);
        }
        cmd.args([
            "stack_use_per_level",
            "--ignored",
            "--exact",
            "--test-threads=1",
        ])
        .arg("model::stack_tests::stack_use_per_level")
        .env("GAPRISK_PROBE_SHAPE", name)
        .env("GAPRISK_PROBE_DEPTH", depth.to_string())
        .env("GAPRISK_PROBE_STACK", stack.to_string())
        .output()
        .unwrap()
        .status
        .success()
    };
    // The smallest stack (to 1 KiB) that fits.
    let smallest = |name: &str, depth: usize| {
        let (mut lo, mut hi) = (16usize, 8192usize);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if fits(name, depth, mid * 1024) {
                hi = mid
            } else {
                lo = mid
            }
        }
        hi * 1024
    };
    let shallow = 16;
    // Written whole at the end (the library prints nothing: tests/layering.rs).
    let mut report = String::new();
    for (name, _, _) in shapes(1, 1) {
        let low = smallest(name, shallow);
        let high = smallest(name, MAX_DEPTH);
        // Parentheses and calls stop at MAX_BRACKETS.
        let levels = if ["parentheses", "abs calls", "nested if"].contains(&name) {
            MAX_BRACKETS
        } else {
            MAX_DEPTH
        };
        report += &format!(
            "{name:>15}: {low:>8} B at {shallow} levels, {high:>8} B at {levels}: \
             {:>5} B per level\n",
            (high - low) / (levels - shallow)
        );
    }
    use std::io::Write;
    std::io::stdout().write_all(report.as_bytes()).unwrap();
}
