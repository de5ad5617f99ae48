//! Every command's files and terminal output, byte for byte, against copies
//! written by the binary before the job layer existed (tests/golden/, made
//! at commit 1664885 with `GAPRISK_BLESS=1 cargo test --test golden_bytes`).
//! The only bytes masked are those that record when, how long and on how
//! many cores a run went: manifest.json's `created`, `elapsed_seconds` and
//! `threads`, the seconds in the run table's second line, and the creation
//! time report.html copies from the manifest.
//!
//! Re-bless only on purpose, in a commit that says why the bytes changed.
//! Re-blessed: when histogram.csv, convergence.csv and report.html were
//! added and part files went to version 3 (every other file unchanged);
//! when Sobol analyses took the qmc design and Azzini estimators by default
//! and part files went to version 4 (sensitivity_sobol's files and
//! shard_2's parts changed, nothing else); when the qmc Sobol design
//! became one scramble whose rows are all pooled, with intervals from
//! blocks, and part files went to version 5 (sensitivity_sobol's files
//! changed, and shard_2's parts in their version number only); when
//! compare's terminal table gained every event's and output's difference
//! (compare's stdout only); when the corridor model went to
//! version 1.1 (every file of the shipped models); when
//! `exp`, `ln`, `pow` and `logistic` became the engine's own vectorised
//! functions (engine/vmath.rs, within 1 ulp of libm for exp and ln): results
//! of the models that call them moved in the last digits or a quantile's
//! sketch bucket, nothing else; when `ln` (and so `pow`) took one reciprocal
//! instead of two divisions (issue 14, round 3; still within 1 ulp, the
//! same bounds measured): the last digit of 4 values in run_draws'
//! draws.csv and of one Sobol index of the Ishigami model
//! (sensitivity_sobol's csv and report), nothing else; when quantiles came
//! from fine counts (issue 17): every output's p05 ... p95 moved to within
//! 6.1e-5 of its exact order statistic (summary.csv, sweep.csv, the run
//! table, the report), runs gained quantiles.csv, and part files went to
//! version 6; when numbers below 1e-5 took exponent form (compare's csv
//! and report: four differences of about 1e-8 and 1e-11).

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// One command of the corpus: its name (the golden folder), its arguments,
/// run from a copy of the repository's models/ folder.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Output folder it writes (relative to the working folder), if any.
    out: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "run",
        args: &[
            "run",
            "models/baseline.toml",
            "-n",
            "50000",
            "-s",
            "7",
            "-o",
            "out/run",
        ],
        out: Some("out/run"),
    },
    Case {
        name: "run_qmc_clopper",
        args: &[
            "run",
            "models/baseline.toml",
            "-n",
            "40000",
            "--design",
            "qmc",
            "--interval",
            "clopper-pearson",
            "--set",
            "us_commitment=0.5",
            "-o",
            "out/run_qmc",
        ],
        out: Some("out/run_qmc"),
    },
    Case {
        name: "run_draws",
        args: &[
            "run",
            "models/examples/ishigami.toml",
            "-n",
            "3000",
            "--draws",
            "-o",
            "out/draws",
        ],
        out: Some("out/draws"),
    },
    Case {
        name: "run_stopping",
        args: &[
            "run",
            "models/baseline.toml",
            "--relative-precision",
            "0.3",
            "--max-samples",
            "2e6",
            "-o",
            "out/stop",
        ],
        out: Some("out/stop"),
    },
    Case {
        name: "compare",
        args: &[
            "compare",
            "models/baseline.toml",
            "models/full_withdrawal.toml",
            "models/no_us_rotation.toml",
            "-n",
            "50000",
            "-o",
            "out/compare",
        ],
        out: Some("out/compare"),
    },
    Case {
        name: "sweep",
        args: &[
            "sweep",
            "models/baseline.toml",
            "--set",
            "us_commitment=0:1:3",
            "--set",
            "nato_cohesion=0.2,0.8",
            "-n",
            "20000",
            "-o",
            "out/sweep",
        ],
        out: Some("out/sweep"),
    },
    Case {
        name: "sensitivity_sobol",
        args: &[
            "sensitivity",
            "models/examples/ishigami.toml",
            "-n",
            "4096",
            "--bootstrap",
            "40",
            "-o",
            "out/sobol",
        ],
        out: Some("out/sobol"),
    },
    Case {
        name: "sensitivity_tornado",
        args: &[
            "sensitivity",
            "models/baseline.toml",
            "--method",
            "tornado",
            "-n",
            "20000",
            "-o",
            "out/tornado",
        ],
        out: Some("out/tornado"),
    },
    Case {
        name: "sensitivity_rank",
        args: &[
            "sensitivity",
            "models/baseline.toml",
            "--method",
            "rank",
            "--quantity",
            "closure_hours",
            "-n",
            "20000",
            "-o",
            "out/rank",
        ],
        out: Some("out/rank"),
    },
    Case {
        name: "shard_1",
        args: &[
            "run",
            "models/baseline.toml",
            "-n",
            "60000",
            "--shard",
            "1/2",
            "-o",
            "out/parts",
        ],
        out: None,
    },
    Case {
        name: "shard_2",
        args: &[
            "run",
            "models/baseline.toml",
            "-n",
            "60000",
            "--shard",
            "2/2",
            "-o",
            "out/parts",
        ],
        out: Some("out/parts"),
    },
    Case {
        name: "merge",
        args: &[
            "merge",
            "out/parts/part-1-of-2.json",
            "out/parts/part-2-of-2.json",
            "-o",
            "out/merged",
        ],
        out: Some("out/merged"),
    },
    Case {
        name: "check",
        args: &["check", "models/baseline.toml"],
        out: None,
    },
    Case {
        name: "error_unknown_input",
        args: &["run", "models/baseline.toml", "--set", "nope=1"],
        out: None,
    },
    Case {
        name: "error_samples",
        args: &["run", "models/baseline.toml", "-n", "1"],
        out: None,
    },
    Case {
        name: "error_target",
        args: &[
            "run",
            "models/baseline.toml",
            "--relative-precision",
            "0.1",
            "--target",
            "nope",
        ],
        out: None,
    },
    Case {
        name: "error_quantity",
        args: &["sensitivity", "models/baseline.toml", "--quantity", "nope"],
        out: None,
    },
    Case {
        name: "error_missing_model",
        args: &["run", "models/missing.toml"],
        out: None,
    },
    Case {
        name: "error_missing_part",
        args: &["merge", "out/parts/part-1-of-2.json"],
        out: None,
    },
    Case {
        name: "error_sweep_axes",
        args: &["sweep", "models/baseline.toml", "--set", "nope=0:1:3"],
        out: None,
    },
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// manifest.json with its timing fields masked (they are the only bytes
/// that differ between two runs of the same command).
fn mask_manifest(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).expect("manifest.json is UTF-8");
    let masked: Vec<String> = text
        .lines()
        .map(|line| {
            let key = line.trim_start();
            if ["\"created\":", "\"elapsed_seconds\":", "\"threads\":"]
                .iter()
                .any(|k| key.starts_with(k))
            {
                let indent = &line[..line.len() - key.len()];
                let name = key.split(':').next().unwrap();
                let comma = if key.ends_with(',') { "," } else { "" };
                format!("{indent}{name}: MASKED{comma}")
            } else {
                line.to_string()
            }
        })
        .collect();
    let mut out = masked.join("\n").into_bytes();
    if text.ends_with('\n') {
        out.push(b'\n');
    }
    out
}

/// The run table's second line ends with the seconds the run took.
fn mask_elapsed(stdout: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stdout);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        match body.rsplit_once(", ") {
            Some((head, tail))
                if tail.ends_with(" s")
                    && tail[..tail.len() - 2].parse::<f64>().is_ok()
                    && head.contains("samples") =>
            {
                out.push_str(head);
                out.push_str(", T s");
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out.into_bytes()
}

/// What one case produced: (file name, bytes), terminal output included.
fn outputs(work: &Path, case: &Case) -> Vec<(String, Vec<u8>)> {
    let output = gaprisk()
        .current_dir(work)
        .args(case.args)
        .output()
        .unwrap();
    let mut files = vec![
        ("stdout".to_string(), mask_elapsed(&output.stdout)),
        ("stderr".to_string(), output.stderr),
        (
            "status".to_string(),
            format!("{:?}\n", output.status.code()).into_bytes(),
        ),
    ];
    if let Some(out) = case.out {
        let mut names: Vec<String> = std::fs::read_dir(work.join(out))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        for name in names {
            let bytes = std::fs::read(work.join(out).join(&name)).unwrap();
            let bytes = match name.as_str() {
                "manifest.json" => mask_manifest(&bytes),
                "report.html" => mask_timestamps(&bytes),
                _ => bytes,
            };
            files.push((format!("file-{name}"), bytes));
        }
    }
    files
}

#[test]
fn every_command_writes_the_bytes_it_wrote_before_the_job_layer() {
    let golden = repo_path("tests/golden");
    let bless = std::env::var_os("GAPRISK_BLESS").is_some();
    let work = tempfile::tempdir().unwrap();
    copy_dir(&repo_path("models"), &work.path().join("models"));
    let mut failures = Vec::new();
    for case in CASES {
        let dir: PathBuf = golden.join(case.name);
        let produced = outputs(work.path(), case);
        let written: Vec<&String> = produced.iter().map(|(name, _)| name).collect();
        for (name, bytes) in &produced {
            let path = dir.join(name);
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, bytes).unwrap();
                continue;
            }
            match std::fs::read(&path) {
                Ok(expected) if &expected == bytes => {}
                Ok(expected) => failures.push(format!(
                    "{}/{name}: differs ({} bytes expected, {} written)\n--- expected\n{}\n--- written\n{}",
                    case.name,
                    expected.len(),
                    bytes.len(),
                    String::from_utf8_lossy(&expected[..expected.len().min(1500)]),
                    String::from_utf8_lossy(&bytes[..bytes.len().min(1500)]),
                )),
                Err(_) => failures.push(format!("{}/{name}: not in tests/golden", case.name)),
            }
        }
        if !bless {
            // A file the golden copy has that this run did not write.
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries {
                    let name = e.unwrap().file_name().to_string_lossy().to_string();
                    if !written.contains(&&name) {
                        failures.push(format!("{}/{name}: not written", case.name));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
