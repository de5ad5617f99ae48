//! A signal at any moment of any command ends it with exit 0 or 1 and the
//! results the README promises, never a panic: `run` keeps the whole chunks
//! done (`"partial": true`, a multiple of 16,384 samples) and says how many;
//! `compare`, `sweep`, `sensitivity` (sobol, tornado, rank), shards and
//! `merge` write nothing ("interrupted: nothing written") unless they
//! finished first. Each command is first run uninterrupted to measure its
//! length T on this machine; then SIGTERM is sent at 0, 5 and 20 ms after
//! the spawn (possibly before the handler is installed: the default action
//! then kills the process, which is accepted up to 50 ms) and at fractions
//! of T from early to the very end. Unix only (signals).
//!
//! The cases use both cores, so they run one at a time (a lock), whatever
//! the test harness's thread count.
#![cfg(unix)]

mod common;
use common::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CHUNK: u64 = 16_384;
/// Up to this long after the spawn, the handler may not be installed yet.
const HANDLER_GRACE: Duration = Duration::from_millis(50);
const EARLY: [Duration; 3] = [
    Duration::from_millis(0),
    Duration::from_millis(5),
    Duration::from_millis(20),
];

static SERIAL: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a command writes when it completes, and so what must be absent
/// when it says it wrote nothing.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `run` of this many samples: partial results when interrupted.
    Run { samples: u64 },
    /// A result file and manifest.json, whole or not at all.
    Whole { file: &'static str },
    /// A shard's part file, whole or not at all.
    Part { file: &'static str },
}

impl Expect {
    fn files(self) -> Vec<&'static str> {
        match self {
            Expect::Run { .. } => vec!["summary.csv", "manifest.json"],
            Expect::Whole { file } => vec![file, "manifest.json"],
            Expect::Part { file } => vec![file],
        }
    }
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ending {
    /// Killed by SIGTERM's default action before the handler was installed.
    Killed,
    Finished,
    /// Exit 1, "interrupted after N samples: partial results written" (run).
    Partial {
        samples: u64,
    },
    /// Exit 1, "interrupted: nothing written", and nothing was.
    NothingWritten,
}

struct Case<'a> {
    name: &'a str,
    args: Vec<String>,
    expect: Expect,
}

impl Case<'_> {
    fn new<'a>(name: &'a str, args: &[&str], expect: Expect) -> Case<'a> {
        Case {
            name,
            args: args.iter().map(|s| s.to_string()).collect(),
            expect,
        }
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// Runs the case into `out`, with SIGTERM `at` after the spawn (never when
/// `at` is None); its status, stderr and how long it ran.
fn launch(case: &Case, out: &Path, at: Option<Duration>) -> (ExitStatus, String, Duration) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
        .current_dir(REPO)
        .args(&case.args)
        .args(["--quiet", "--out"])
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(at) = at {
        if let Some(wait) = at.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        // Not yet reaped, so the pid is still this child's even if it ended.
        signal(child.id(), "TERM");
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
        started.elapsed(),
    )
}

fn listing(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn manifest(out: &Path) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(out.join("manifest.json"))
        .map_err(|e| format!("cannot read manifest.json: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("manifest.json is not JSON: {e}"))
}

/// `N` of "interrupted after N samples: partial results written".
fn samples_reported(stderr: &str) -> Option<u64> {
    let rest = stderr.split("gaprisk: error: interrupted after ").nth(1)?;
    let (n, tail) = rest.split_once(' ')?;
    tail.starts_with("samples: partial results written")
        .then(|| n.parse().ok())
        .flatten()
}

/// Checks one ending against the promises; Err says what is wrong.
fn judge(
    expect: Expect,
    at: Option<Duration>,
    status: ExitStatus,
    stderr: &str,
    out: &Path,
) -> Result<Ending, String> {
    if stderr.contains("panicked") || status.code() == Some(101) {
        return Err("it panicked".into());
    }
    let present: Vec<&str> = expect
        .files()
        .into_iter()
        .filter(|f| out.join(f).exists())
        .collect();
    if let Some(sig) = status.signal() {
        let early = at.is_some_and(|at| at <= HANDLER_GRACE);
        if sig != 15 || !early {
            return Err(format!("killed by signal {sig}"));
        }
        // Before the handler was installed nothing had been computed.
        if !present.is_empty() {
            return Err(format!("killed at once, yet {present:?} exist"));
        }
        return Ok(Ending::Killed);
    }
    match status.code() {
        Some(0) => {
            if present.len() != expect.files().len() {
                return Err(format!(
                    "exit 0 but only {present:?} of {:?}",
                    expect.files()
                ));
            }
            let m = manifest(out);
            match expect {
                Expect::Run { samples } => {
                    let m = m?;
                    if m["partial"] != false || m["samples"] != samples {
                        return Err(format!(
                            "exit 0 with partial = {} and samples = {} (not false and {samples})",
                            m["partial"], m["samples"]
                        ));
                    }
                }
                Expect::Whole { .. } => {
                    if m?["partial"] == true {
                        return Err("exit 0 with a partial manifest".into());
                    }
                }
                Expect::Part { .. } => {}
            }
            Ok(Ending::Finished)
        }
        Some(1) => {
            if let Some(n) = samples_reported(stderr) {
                let Expect::Run { samples } = expect else {
                    return Err("only run may keep partial results".into());
                };
                if n == 0 || n >= samples || !n.is_multiple_of(CHUNK) {
                    return Err(format!(
                        "{n} samples kept: not a positive multiple of {CHUNK} below {samples}"
                    ));
                }
                if present.len() != 2 {
                    return Err(format!(
                        "partial results written, yet only {present:?} exist"
                    ));
                }
                let m = manifest(out)?;
                if m["partial"] != true || m["samples"] != n {
                    return Err(format!(
                        "manifest.json has partial = {} and samples = {}, not true and {n}",
                        m["partial"], m["samples"]
                    ));
                }
                let rows = read_summary(&out.join("summary.csv"));
                let in_csv = &row(&rows, "closure")["samples"];
                if in_csv != &n.to_string() {
                    return Err(format!("summary.csv has {in_csv} samples, not {n}"));
                }
                Ok(Ending::Partial { samples: n })
            } else if stderr.contains("gaprisk: error: interrupted: nothing written") {
                if !present.is_empty() {
                    return Err(format!("\"nothing written\", yet {present:?} exist"));
                }
                // The folder did not exist before: none is left behind.
                if out.exists() {
                    return Err(format!(
                        "\"nothing written\", yet the folder was left holding {:?}",
                        listing(out)
                    ));
                }
                Ok(Ending::NothingWritten)
            } else {
                Err("exit 1 without an interruption message".into())
            }
        }
        other => Err(format!("exit {other:?}")),
    }
}

/// Runs the case once uninterrupted (its length T), then with SIGTERM at
/// the early moments and at each fraction of T. Returns the endings; every
/// broken promise goes to `failures`, naming the command and the moment.
fn signal_throughout(
    case: &Case,
    fractions: &[f64],
    failures: &mut Vec<String>,
) -> Vec<(Duration, Ending)> {
    let describe = |at: Option<Duration>, status: ExitStatus, stderr: &str, out: &Path, e| {
        let moment = match at {
            Some(at) => format!("SIGTERM at {} ms", at.as_millis()),
            None => "no signal".into(),
        };
        format!(
            "{} ({}), {moment}: {e}\n  status: {status:?}\n  files: {:?}\n  stderr: {stderr:?}",
            case.name,
            case.args.join(" "),
            listing(out)
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("whole");
    let (status, stderr, length) = launch(case, &out, None);
    if let Err(e) = judge(case.expect, None, status, &stderr, &out).and_then(|end| match end {
        Ending::Finished => Ok(()),
        other => Err(format!("ended {other:?}")),
    }) {
        failures.push(describe(None, status, &stderr, &out, e));
        return Vec::new();
    }
    let moments: Vec<Duration> = EARLY
        .into_iter()
        .chain(fractions.iter().map(|f| length.mul_f64(*f)))
        .collect();
    let mut endings = Vec::new();
    for (i, at) in moments.into_iter().enumerate() {
        let out = dir.path().join(format!("at-{i}"));
        let (status, stderr, took) = launch(case, &out, Some(at));
        match judge(case.expect, Some(at), status, &stderr, &out) {
            Ok(end) => {
                eprintln!(
                    "{:<22} T = {:>4} ms, SIGTERM at {:>4} ms: {end:?} after {} ms",
                    case.name,
                    length.as_millis(),
                    at.as_millis(),
                    took.as_millis()
                );
                endings.push((at, end));
            }
            Err(e) => failures.push(describe(Some(at), status, &stderr, &out, e)),
        }
    }
    endings
}

fn interrupted(endings: &[(Duration, Ending)]) -> bool {
    endings
        .iter()
        .any(|(_, e)| matches!(e, Ending::Partial { .. } | Ending::NothingWritten))
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} broken promise(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Checks the command's endings, and that some signal did interrupt it (else
/// the case no longer tests anything: make the command longer).
fn check_command(case: Case, fractions: &[f64]) {
    let _serial = one_at_a_time();
    let mut failures = Vec::new();
    let endings = signal_throughout(&case, fractions, &mut failures);
    if failures.is_empty() && !interrupted(&endings) {
        failures.push(format!(
            "{}: no signal interrupted it: {endings:?}",
            case.name
        ));
    }
    report(failures);
}

const SPREAD: [f64; 4] = [0.15, 0.4, 0.65, 0.9];

#[test]
fn sigterm_at_any_moment_of_run() {
    // About 1 s on two cores at 10-17 M samples/s.
    let _serial = one_at_a_time();
    let case = Case::new(
        "run",
        &["run", "models/baseline.toml", "--samples", "10000000"],
        Expect::Run {
            samples: 10_000_000,
        },
    );
    let mut failures = Vec::new();
    let endings = signal_throughout(&case, &[0.1, 0.35, 0.65, 0.9, 0.97], &mut failures);
    if failures.is_empty()
        && !endings
            .iter()
            .any(|(_, e)| matches!(e, Ending::Partial { .. }))
    {
        failures.push(format!("run: no signal left partial results: {endings:?}"));
    }
    report(failures);
}

#[test]
fn sigterm_at_any_moment_of_compare() {
    check_command(
        Case::new(
            "compare",
            &[
                "compare",
                "models/baseline.toml",
                "models/full_withdrawal.toml",
                "models/no_us_rotation.toml",
                "--samples",
                "2000000",
            ],
            Expect::Whole {
                file: "compare.csv",
            },
        ),
        &SPREAD,
    );
}

#[test]
fn sigterm_at_any_moment_of_sweep() {
    check_command(
        Case::new(
            "sweep",
            &[
                "sweep",
                "models/baseline.toml",
                "--set",
                "us_commitment=0:1:5",
                "--samples",
                "1500000",
            ],
            Expect::Whole { file: "sweep.csv" },
        ),
        &SPREAD,
    );
}

/// The design's evaluations take the first quarter or so; the 200 bootstrap
/// resamples the rest (a SIGTERM there once panicked), so most moments are
/// late.
#[test]
fn sigterm_at_any_moment_of_sensitivity_sobol() {
    check_command(
        Case::new(
            "sensitivity sobol",
            &[
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "sobol",
                "--samples",
                "50000",
            ],
            Expect::Whole {
                file: "sensitivity.csv",
            },
        ),
        &[0.15, 0.35, 0.55, 0.7, 0.8, 0.9, 0.97],
    );
}

/// Building the 2d + 1 programs takes most of the time; the evaluations
/// come last.
#[test]
fn sigterm_at_any_moment_of_sensitivity_tornado() {
    check_command(
        Case::new(
            "sensitivity tornado",
            &[
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "tornado",
                "--samples",
                "50000",
            ],
            Expect::Whole {
                file: "sensitivity.csv",
            },
        ),
        &[0.3, 0.7, 0.85, 0.95],
    );
}

/// The evaluations take the first quarter or so; the ranking the rest.
#[test]
fn sigterm_at_any_moment_of_sensitivity_rank() {
    check_command(
        Case::new(
            "sensitivity rank",
            &[
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "rank",
                "--samples",
                "500000",
            ],
            Expect::Whole {
                file: "sensitivity.csv",
            },
        ),
        &[0.05, 0.15, 0.6],
    );
}

#[test]
fn sigterm_at_any_moment_of_shards() {
    let _serial = one_at_a_time();
    let mut failures = Vec::new();
    let cases = [
        Case::new(
            "run shard",
            &[
                "run",
                "models/baseline.toml",
                "--samples",
                "10000000",
                "--shard",
                "2/2",
            ],
            Expect::Part {
                file: "part-2-of-2.json",
            },
        ),
        Case::new(
            "sensitivity shard",
            &[
                "sensitivity",
                "models/baseline.toml",
                "--method",
                "sobol",
                "--samples",
                "200000",
                "--shard",
                "1/2",
            ],
            Expect::Part {
                file: "part-1-of-2.json",
            },
        ),
        Case::new(
            "compare shard",
            &[
                "compare",
                "models/baseline.toml",
                "models/full_withdrawal.toml",
                "--samples",
                "3000000",
                "--shard",
                "1/2",
            ],
            Expect::Part {
                file: "part-1-of-2.json",
            },
        ),
    ];
    for case in &cases {
        let before = failures.len();
        let endings = signal_throughout(case, &SPREAD, &mut failures);
        if failures.len() == before && !interrupted(&endings) {
            failures.push(format!(
                "{}: no signal interrupted it: {endings:?}",
                case.name
            ));
        }
    }
    report(failures);
}

/// Part files of `args` in `dir`, made by `n` shards.
fn make_parts(dir: &Path, args: &[&str], n: u64) -> Vec<String> {
    (1..=n)
        .map(|k| {
            gaprisk()
                .args(args)
                .args(["--quiet", "--shard", &format!("{k}/{n}"), "--out"])
                .arg(dir)
                .assert()
                .success();
            dir.join(format!("part-{k}-of-{n}.json"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Merging is not chunked: a signal before it starts stops it, later ones
/// are not seen. Either way no panic and whole files or none.
#[test]
fn sigterm_at_any_moment_of_merge() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let run = make_parts(
        &dir.path().join("run"),
        &["run", "models/baseline.toml", "--samples", "2000000"],
        4,
    );
    let sobol = make_parts(
        &dir.path().join("sobol"),
        &[
            "sensitivity",
            "models/baseline.toml",
            "--method",
            "sobol",
            "--samples",
            "50000",
        ],
        2,
    );
    let compare = make_parts(
        &dir.path().join("compare"),
        &[
            "compare",
            "models/baseline.toml",
            "models/full_withdrawal.toml",
            "--samples",
            "1000000",
        ],
        2,
    );
    let merge = |name, parts: &[String], file| Case {
        name,
        args: std::iter::once("merge".to_string())
            .chain(parts.iter().cloned())
            .collect(),
        expect: Expect::Whole { file },
    };
    let mut failures = Vec::new();
    for case in [
        merge("merge run", &run, "summary.csv"),
        merge("merge sensitivity", &sobol, "sensitivity.csv"),
        merge("merge compare", &compare, "compare.csv"),
    ] {
        signal_throughout(&case, &[0.1, 0.5, 1.0], &mut failures);
    }
    report(failures);
}

/// A model that takes about a second to load, so that a signal lands after
/// the handler is installed and before the first chunk: an `empirical`
/// input reading 3 million rows (60 MB). (Chained nodes were slow to
/// compile once; since compiling became linear, 8,000 of them load in
/// 50 ms.)
fn slow_model(dir: &Path) -> PathBuf {
    use std::fmt::Write;
    let mut data = String::with_capacity(60 << 20);
    data.push_str("v\n");
    for i in 0..3_000_000u64 {
        let _ = writeln!(data, "{}", (i as f64 * 0.618_033_988_749_895).fract());
    }
    std::fs::write(dir.join("slow.csv"), data).unwrap();
    write_model(
        dir,
        "slow.toml",
        "[model]\nname = \"slow-to-load\"\n\n[inputs]\n\
         x = { dist = \"empirical\", file = \"slow.csv\", column = \"v\" }\n\n\
         [outputs]\ny = \"x\"\n",
    )
}

/// "interrupted: nothing written" when no chunk was done, as the README
/// says: no summary.csv of zero samples (all NaN), and the results of an
/// earlier run in the folder are left as they were.
#[test]
fn a_run_interrupted_before_its_first_chunk_writes_nothing() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let model = slow_model(dir.path());
    let out = dir.path().join("out");
    let model_arg = model.to_str().unwrap();
    let earlier = Case::new(
        "run (slow model)",
        &["run", model_arg, "--samples", "16384"],
        Expect::Run { samples: 16_384 },
    );
    let (status, stderr, _) = launch(&earlier, &out, None);
    assert_eq!(status.code(), Some(0), "{stderr}");
    let before = (
        std::fs::read(out.join("summary.csv")).unwrap(),
        std::fs::read(out.join("manifest.json")).unwrap(),
    );
    let case = Case::new(
        "run (slow model)",
        &["run", model_arg, "--samples", "1e9"],
        Expect::Run {
            samples: 1_000_000_000,
        },
    );
    // A signal before the handler is installed kills the process: try later.
    for at_ms in [150, 250, 350] {
        let (status, stderr, took) = launch(&case, &out, Some(Duration::from_millis(at_ms)));
        if status.signal() == Some(15) {
            continue;
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(status.code(), Some(1), "SIGTERM at {at_ms} ms: {stderr}");
        assert!(
            stderr.contains("gaprisk: error: interrupted: nothing written"),
            "SIGTERM at {at_ms} ms, while the model loads, should stop the run before \
             its first chunk (it took {} ms): {stderr}",
            took.as_millis()
        );
        let after = (
            std::fs::read(out.join("summary.csv")).unwrap(),
            std::fs::read(out.join("manifest.json")).unwrap(),
        );
        assert!(
            after == before,
            "\"nothing written\", yet the earlier results were replaced:\n{}\n{}",
            String::from_utf8_lossy(&after.0)
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(&after.1)
        );
        return;
    }
    panic!("every SIGTERM came before the handler was installed");
}

/// A second signal exits at once with 130 (the first arrives while the slow
/// model loads, the second 100 ms later, well before the first chunk).
#[test]
fn a_second_signal_exits_at_once_with_130() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let model = slow_model(dir.path());
    for at_ms in [150, 250, 350] {
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_gaprisk"))
            .current_dir(REPO)
            .arg("run")
            .arg(&model)
            .args(["--samples", "1e9", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(at_ms));
        signal(child.id(), "TERM");
        std::thread::sleep(Duration::from_millis(100));
        signal(child.id(), "TERM");
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.signal() == Some(15) {
            continue;
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(output.status.code(), Some(130), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        return;
    }
    panic!("every first SIGTERM came before the handler was installed");
}
