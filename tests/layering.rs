//! The architecture's rules, checked:
//! - the library's layers import only the layers below them;
//! - the shells (crates/cli, crates/server, python/src) use only the
//!   library's facade, and depend on it without `internals`;
//! - only the shells print, exit or keep process-wide state;
//! - the library builds without the shells' dependencies;
//! - every test file in tests/ is a test of exactly one package.

mod common;
use common::REPO;
use std::path::{Path, PathBuf};
use std::process::Command;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn files_under(rel: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&Path::new(REPO).join(rel), &mut files);
    assert!(!files.is_empty(), "nothing under {rel}");
    files
}

/// The code of a file, comments dropped, line by line.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split("//").next().unwrap().to_string()))
        .collect()
}

/// The first name of each path after `prefix` in `code`: `a` of
/// `prefix::a::b`, and `a` and `c` of `prefix::{a::b, c}`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let name = |text: &'a str| {
        let text = text.trim_start();
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        &text[..end]
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or("");
                names.extend(group.split(',').map(name));
            }
            None => names.push(name(rest)),
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// The library's layers, bottom up: a layer may use those on lower floors.
const FLOORS: &[&[&str]] = &[
    &["error", "choice", "simd"],
    &["distributions"],
    &["stats"],
    &["engine"],
    &["model", "summary"],
    &["analysis"],
    &["output"],
    &["jobs"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let mut climbs = Vec::new();
    let mut seen = 0;
    for file in files_under("src") {
        let rel = file.strip_prefix(Path::new(REPO).join("src")).unwrap();
        let own = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own_floor) = floor_of(&own) else {
            assert_eq!(own, "lib", "{} is in no layer", rel.display());
            continue;
        };
        for (line, code) in code_lines(&file) {
            for used in paths_after(&code, "crate::") {
                seen += 1;
                match floor_of(used) {
                    Some(f) if used == own || f < own_floor => {}
                    _ => climbs.push(format!(
                        "src/{}:{line}: {own} uses crate::{used}",
                        rel.display()
                    )),
                }
            }
        }
    }
    assert!(seen > 200, "only {seen} imports read");
    assert!(climbs.is_empty(), "{}", climbs.join("\n"));
}

/// What the library's facade (src/lib.rs) makes public at its top; the
/// layers it makes public only with `internals` are not of it.
fn facade() -> Vec<String> {
    let lib = std::fs::read_to_string(Path::new(REPO).join("src/lib.rs")).unwrap();
    let mut names = Vec::new();
    let mut internals = false;
    for line in lib.lines() {
        let line = line.trim();
        let only_with_internals =
            std::mem::replace(&mut internals, line == "#[cfg(feature = \"internals\")]");
        if only_with_internals {
            continue;
        }
        if let Some(m) = line.strip_prefix("pub mod ") {
            names.push(m.trim_end_matches(['{', ';', ' ']).to_string());
        } else if let Some(used) = line.strip_prefix("pub use ") {
            let used = used.trim_end_matches(';');
            match used.split_once('{') {
                Some((_, list)) => names.extend(
                    list.trim_end_matches('}')
                        .split(',')
                        .map(|n| n.trim().rsplit(' ').next().unwrap().to_string())
                        .filter(|n| !n.is_empty()),
                ),
                None => names.push(used.rsplit("::").next().unwrap().to_string()),
            }
        }
    }
    names
}

#[test]
fn the_shells_use_only_the_facade() {
    let facade = facade();
    for expected in ["spec", "files", "live", "Job", "LayeredFiles", "Error"] {
        assert!(
            facade.iter().any(|n| n == expected),
            "{expected}: {facade:?}"
        );
    }
    let mut reaches = Vec::new();
    let mut seen = 0;
    for shell in ["crates/cli/src", "crates/server/src", "python/src"] {
        for file in files_under(shell) {
            // Whole, so that a `use gaprisk::{...}` over several lines is read.
            let code: Vec<String> = code_lines(&file).into_iter().map(|(_, c)| c).collect();
            for used in paths_after(&code.join("\n"), "gaprisk::") {
                seen += 1;
                if !facade.iter().any(|n| n == used) {
                    reaches.push(format!("{}: gaprisk::{used}", file.display()));
                }
            }
        }
    }
    assert!(seen > 30, "only {seen} uses read");
    assert!(
        reaches.is_empty(),
        "past the facade:\n{}",
        reaches.join("\n")
    );
    // The crate boundary holds it too: no shell turns the layers public.
    for manifest in [
        "crates/cli/Cargo.toml",
        "crates/server/Cargo.toml",
        "python/Cargo.toml",
    ] {
        let text = std::fs::read_to_string(Path::new(REPO).join(manifest)).unwrap();
        let dependencies = text
            .split("[dependencies]")
            .nth(1)
            .unwrap()
            .split("\n[")
            .next()
            .unwrap();
        assert!(
            !dependencies.contains("internals"),
            "{manifest} builds the library with its internals public"
        );
    }
}

#[test]
fn only_the_shells_print_exit_or_keep_process_wide_state() {
    let files = files_under("src");
    let forbidden = [
        "process::exit",
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
    ];
    let mut found = Vec::new();
    for file in &files {
        for (line, code) in code_lines(file) {
            let global_state = code.contains("static ") && code.contains("Atomic");
            if forbidden.iter().any(|f| code.contains(f)) || global_state {
                found.push(format!("{}:{line}: {}", file.display(), code.trim()));
            }
        }
    }
    // Guard against a walk that saw nothing.
    assert!(files.len() > 40, "only {} files under src/", files.len());
    assert!(
        found.is_empty(),
        "outside the shells:\n{}",
        found.join("\n")
    );
}

fn cargo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .current_dir(REPO)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_library_builds_without_the_shells() {
    let tree = cargo(&[
        "tree",
        "--offline",
        "--package",
        "gaprisk",
        "--edges",
        "normal",
        "--prefix",
        "none",
    ]);
    assert!(
        tree.status.success(),
        "{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    let tree = String::from_utf8(tree.stdout).unwrap();
    // Normal edges only: the tests' dependencies are not in this tree.
    assert!(
        tree.contains("rayon"),
        "cargo tree listed nothing useful:\n{tree}"
    );
    for shell_only in [
        "clap ",
        "ctrlc ",
        "indicatif ",
        "axum ",
        "tokio ",
        "rusqlite ",
        "pyo3 ",
    ] {
        assert!(
            !tree.contains(shell_only),
            "{shell_only}is a dependency of the library"
        );
    }
    // The library alone, without the shells' crates: it builds, and with
    // its layers private it has no dead code.
    let target = Path::new(REPO).join("target/library-alone");
    let check = cargo(&[
        "clippy",
        "--offline",
        "--package",
        "gaprisk",
        "--lib",
        "--target-dir",
        target.to_str().unwrap(),
        "--",
        "-D",
        "warnings",
    ]);
    assert!(
        check.status.success(),
        "the library does not build alone:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn every_test_file_is_a_test_of_one_package() {
    let manifest = std::fs::read_to_string(Path::new(REPO).join("crates/cli/Cargo.toml")).unwrap();
    let root = std::fs::read_to_string(Path::new(REPO).join("Cargo.toml")).unwrap();
    assert!(
        root.contains("autotests = false"),
        "the library claims tests/"
    );
    let mut missing = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(Path::new(REPO).join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            files += 1;
            let name = path.file_name().unwrap().to_str().unwrap();
            let listed = format!("path = \"../../tests/{name}\"");
            if manifest.matches(&listed).count() != 1 {
                missing.push(name.to_string());
            }
        }
    }
    assert!(files > 20, "only {files} test files");
    assert!(
        missing.is_empty(),
        "not listed once in crates/cli/Cargo.toml, so never run: {missing:?}"
    );
}
