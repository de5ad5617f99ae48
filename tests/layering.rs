//! The architecture's rules, checked: only the shells (the CLI and the
//! server) print, exit or keep process-wide state, and the library builds
//! without the shells' dependencies.

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

#[test]
fn only_the_shells_print_exit_or_keep_process_wide_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let shell = |p: &Path| {
        let rel = p.strip_prefix(root).unwrap();
        rel.starts_with("src/cli")
            || rel.starts_with("src/server")
            || rel == Path::new("src/main.rs")
    };
    let forbidden = [
        "process::exit",
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
    ];
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !shell(f)) {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            let global_state = code.contains("static ") && code.contains("Atomic");
            if forbidden.iter().any(|f| code.contains(f)) || global_state {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
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
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_library_builds_without_the_cli_dependencies() {
    let tree = cargo(&[
        "tree",
        "--offline",
        "--no-default-features",
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
    // Normal edges only: the binary's and the tests' dependencies are not
    // in this tree once the cli feature is off.
    assert!(
        tree.contains("rayon"),
        "cargo tree listed nothing useful:\n{tree}"
    );
    for cli_only in [
        "clap ",
        "ctrlc ",
        "indicatif ",
        "axum ",
        "tokio ",
        "rusqlite ",
    ] {
        assert!(
            !tree.contains(cli_only),
            "{cli_only}is a dependency of the library"
        );
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/no-default-features");
    let check = cargo(&[
        "check",
        "--offline",
        "--lib",
        "--no-default-features",
        "--target-dir",
        target.to_str().unwrap(),
    ]);
    assert!(
        check.status.success(),
        "the library does not build without the cli feature:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
