//! The job layer as a shell uses it: jobs built from model texts held in
//! memory, cancelled from another thread or from their own progress
//! callback at every stage, and two jobs sharing one thread pool. Only the
//! library's facade is used, as a shell would.

mod common;
use common::REPO;
use gaprisk::spec::{
    CompareSpec, Count, JobSpec, Method, Outputs, RunSpec, Sampling, SensitivitySpec, Shard,
    SweepSpec,
};
use gaprisk::{
    CancelToken, Job, JobOutput, LayeredFiles, Limits, MergeJob, ModelFiles, Outcome, RunContext,
    RunSinks, Workers,
};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

fn files() -> LayeredFiles {
    let texts = [
        "baseline.toml",
        "full_withdrawal.toml",
        "no_us_rotation.toml",
    ]
    .into_iter()
    .map(|name| {
        let path = Path::new(REPO).join("models").join(name);
        (name.to_string(), std::fs::read_to_string(path).unwrap())
    })
    .collect();
    LayeredFiles::memory().with_texts(&texts).unwrap()
}

fn sampling(samples: u64) -> Sampling {
    Sampling {
        samples: Count(samples),
        ..Default::default()
    }
}

fn build(files: &dyn ModelFiles, spec: JobSpec) -> Job {
    Job::build(files, &spec, &Limits::NONE).unwrap()
}

/// A job of each kind, ready to run (the merge over parts made here).
#[allow(clippy::large_enum_variant)] // a handful, built once per test
enum AnyJob {
    Job(Job),
    Merge(MergeJob),
}

impl AnyJob {
    fn execute(&self, ctx: &RunContext) -> Outcome<JobOutput> {
        match self {
            AnyJob::Job(j) => j.execute(ctx, RunSinks::default()),
            AnyJob::Merge(j) => j.execute(ctx),
        }
        .expect("a valid job does not fail")
    }
}

fn run_spec(samples: u64) -> RunSpec {
    RunSpec {
        model: "baseline.toml".into(),
        sampling: sampling(samples),
        ..Default::default()
    }
}

fn jobs() -> Vec<(&'static str, AnyJob)> {
    let files = files();
    let n = 300_000;
    let sensitivity = |method, samples| {
        AnyJob::Job(build(
            &files,
            JobSpec::Sensitivity(SensitivitySpec {
                model: "baseline.toml".into(),
                method,
                samples: Count(samples),
                ..Default::default()
            }),
        ))
    };
    let shard = |k| {
        JobSpec::Run(RunSpec {
            shard: Some(Shard { k, n: 2 }),
            ..run_spec(n)
        })
    };
    let parts: Vec<(String, Vec<u8>)> = (1..=2)
        .map(|k| {
            let out = build(&files, shard(k))
                .execute(
                    &RunContext::new(Workers::new(2).unwrap()),
                    RunSinks::default(),
                )
                .unwrap()
                .completed()
                .unwrap();
            (out.files[0].name.clone(), out.files[0].bytes.clone())
        })
        .collect();
    vec![
        ("run", AnyJob::Job(build(&files, JobSpec::Run(run_spec(n))))),
        (
            "run with a stopping rule",
            AnyJob::Job(build(
                &files,
                JobSpec::Run(RunSpec {
                    relative_precision: Some(0.01),
                    max_samples: Count(n),
                    ..run_spec(n)
                }),
            )),
        ),
        ("run shard", AnyJob::Job(build(&files, shard(1)))),
        (
            "compare",
            AnyJob::Job(build(
                &files,
                JobSpec::Compare(CompareSpec {
                    base: "baseline.toml".into(),
                    variants: vec!["full_withdrawal.toml".into(), "no_us_rotation.toml".into()],
                    sampling: sampling(n),
                    ..Default::default()
                }),
            )),
        ),
        (
            "sweep",
            AnyJob::Job(build(
                &files,
                JobSpec::Sweep(SweepSpec {
                    model: "baseline.toml".into(),
                    set: vec!["us_commitment=0:1:3".parse().unwrap()],
                    sampling: sampling(n),
                    ..Default::default()
                }),
            )),
        ),
        ("sensitivity sobol", sensitivity(Method::Sobol, 50_000)),
        ("sensitivity tornado", sensitivity(Method::Tornado, 150_000)),
        ("sensitivity rank", sensitivity(Method::Rank, n)),
        (
            "merge",
            AnyJob::Merge(MergeJob::new(parts, &Outputs::default()).unwrap()),
        ),
    ]
}

/// What a cancelled job must leave: a run its partial files (manifest
/// marked partial, whole chunks), every other job nothing.
fn check_cancelled(what: &str, when: &str, outcome: &Outcome<JobOutput>) {
    let Outcome::Cancelled {
        samples_done,
        partial,
    } = outcome
    else {
        return;
    };
    match (what, partial) {
        ("run" | "run with a stopping rule", Some(out)) => {
            let manifest = out.file("manifest.json").unwrap();
            let m: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
            assert_eq!(m["partial"], true, "{what}, {when}");
            assert_eq!(m["samples"], *samples_done, "{what}, {when}");
            assert_eq!(samples_done % 16_384, 0, "{what}, {when}: whole chunks");
        }
        ("run" | "run with a stopping rule", None) => assert_eq!(
            *samples_done, 0,
            "{what}, {when}: no partial results after {samples_done} samples"
        ),
        (_, Some(_)) => panic!("{what}, {when}: partial results of a job that has none"),
        (_, None) => {}
    }
}

#[test]
fn a_token_cancelled_before_the_start_runs_nothing() {
    for (what, job) in jobs() {
        let ctx = RunContext::new(Workers::new(2).unwrap());
        ctx.cancel_token().cancel();
        let outcome = job.execute(&ctx);
        let Outcome::Cancelled { samples_done, .. } = &outcome else {
            panic!("{what}: completed although cancelled before it started");
        };
        assert_eq!(*samples_done, 0, "{what}");
        check_cancelled(what, "before the start", &outcome);
    }
}

#[test]
fn a_cancel_after_the_first_wave_stops_at_that_chunk_boundary() {
    for (what, job) in jobs() {
        let (first, total) = (AtomicU64::new(u64::MAX), AtomicU64::new(0));
        let token = CancelToken::new();
        let progress = |done: u64, all: u64| {
            if first.load(Ordering::SeqCst) == u64::MAX {
                first.store(done, Ordering::SeqCst);
                total.store(all, Ordering::SeqCst);
                token.cancel();
            }
        };
        let workers = Workers::new(2).unwrap().with_cancel(token.clone());
        let ctx = RunContext::new(workers).with_progress(&progress);
        let outcome = job.execute(&ctx);
        check_cancelled(what, "after the first wave", &outcome);
        if what == "merge" {
            // Merging has no chunks to stop between: it completes.
            assert!(!outcome.is_cancelled(), "{what}");
            continue;
        }
        match &outcome {
            Outcome::Cancelled { samples_done, .. } => {
                // The wave's chunks are absorbed, and nothing after them.
                assert_eq!(*samples_done, first.load(Ordering::SeqCst), "{what}");
            }
            Outcome::Completed(_) => {
                // Only a job whose first wave was all of it may complete.
                let (first, total) = (first.load(Ordering::SeqCst), total.load(Ordering::SeqCst));
                assert_eq!(first, total, "{what}: completed although cancelled");
            }
        }
    }
}

#[test]
fn a_cancel_after_the_last_chunk_completes_or_cancels_and_never_panics() {
    // Cancelled once every chunk is done: a run completes (there is no
    // chunk boundary left to stop at); a Sobol analysis sees it in its
    // estimates (replicates or bootstrap) and returns no indices.
    for (what, job) in jobs() {
        let token = CancelToken::new();
        let progress = |done: u64, total: u64| {
            if done == total {
                token.cancel();
            }
        };
        let workers = Workers::new(2).unwrap().with_cancel(token.clone());
        let ctx = RunContext::new(workers).with_progress(&progress);
        let outcome = job.execute(&ctx);
        check_cancelled(what, "after the last chunk", &outcome);
        if what == "sensitivity sobol" {
            assert!(
                outcome.is_cancelled(),
                "{what}: the estimates ignored the cancel"
            );
        }
    }
}

#[test]
fn a_cancel_from_another_thread_at_any_moment_never_panics() {
    for (what, job) in jobs() {
        for delay_ms in [0, 3, 15, 60] {
            let ctx = RunContext::new(Workers::new(2).unwrap());
            let token = ctx.cancel_token().clone();
            let outcome = std::thread::scope(|s| {
                s.spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                    token.cancel();
                });
                job.execute(&ctx)
            });
            check_cancelled(what, &format!("{delay_ms} ms in"), &outcome);
        }
    }
}

#[test]
fn two_jobs_share_a_pool_and_cancelling_one_leaves_the_other_whole() {
    let files = files();
    let pool = std::sync::Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap(),
    );
    let alone = build(&files, JobSpec::Run(run_spec(400_000)));
    let expected = alone
        .execute(
            &RunContext::new(Workers::with_pool(pool.clone())),
            RunSinks::default(),
        )
        .unwrap()
        .completed()
        .unwrap();

    let kept = build(&files, JobSpec::Run(run_spec(400_000)));
    let doomed = build(&files, JobSpec::Run(run_spec(50_000_000)));
    let (kept_ctx, doomed_ctx) = (
        RunContext::new(Workers::with_pool(pool.clone()).with_cancel(CancelToken::new())),
        RunContext::new(Workers::with_pool(pool.clone()).with_cancel(CancelToken::new())),
    );
    let doomed_token = doomed_ctx.cancel_token().clone();
    let (kept_out, doomed_out) = std::thread::scope(|s| {
        let d = s.spawn(|| doomed.execute(&doomed_ctx, RunSinks::default()).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(50));
        doomed_token.cancel();
        let k = kept.execute(&kept_ctx, RunSinks::default()).unwrap();
        (k, d.join().unwrap())
    });
    assert!(doomed_out.is_cancelled(), "the cancelled job stopped");
    let kept_out = kept_out
        .completed()
        .expect("the other job was not cancelled");
    let summary = |o: &JobOutput| {
        o.files
            .iter()
            .find(|f| f.name == "summary.csv")
            .unwrap()
            .bytes
            .clone()
    };
    assert_eq!(
        summary(&kept_out),
        summary(&expected),
        "the same bytes as alone"
    );
    assert!(!kept_ctx.cancel_token().is_cancelled());
}

#[test]
fn extends_resolves_among_the_request_files_only() {
    let texts = [(
        "child.toml".to_string(),
        "[model]\nname = \"child\"\nextends = \"../../etc/passwd\"\n".to_string(),
    )]
    .into_iter()
    .collect();
    let files = LayeredFiles::memory().with_texts(&texts).unwrap();
    let spec = JobSpec::Run(RunSpec {
        model: "child.toml".into(),
        ..Default::default()
    });
    let err = Job::build(&files, &spec, &Limits::NONE).err().unwrap();
    let message = err.to_string();
    assert!(
        message
            .contains("child.toml:3: model.extends: '../../etc/passwd' is outside the model files"),
        "{message}"
    );
    let absolute = [("/etc/passwd".to_string(), "x".to_string())]
        .into_iter()
        .collect();
    assert!(LayeredFiles::memory().with_texts(&absolute).is_err());
}

#[test]
fn a_run_a_stopping_rule_ends_early_reports_the_samples_it_drew() {
    let files = files();
    let job = build(
        &files,
        JobSpec::Run(RunSpec {
            relative_precision: Some(0.5),
            max_samples: Count(100_000_000),
            ..run_spec(1000)
        }),
    );
    assert_eq!(job.progress_total(), 100_000_000);
    let last = std::sync::Mutex::new((0, 0));
    let progress = |done: u64, total: u64| *last.lock().unwrap() = (done, total);
    let ctx = RunContext::new(Workers::new(2).unwrap()).with_progress(&progress);
    let out = job
        .execute(&ctx, RunSinks::default())
        .unwrap()
        .completed()
        .unwrap();
    let manifest = out.file("manifest.json").unwrap();
    let m: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    let drawn = m["samples"].as_u64().unwrap();
    assert!(drawn < 100_000_000, "{drawn}");
    assert_eq!(*last.lock().unwrap(), (drawn, drawn));
}

fn sweep_spec(points: usize) -> JobSpec {
    JobSpec::Sweep(SweepSpec {
        model: "baseline.toml".into(),
        set: vec![format!("us_commitment=0:1:{points}").parse().unwrap()],
        sampling: sampling(1000),
        ..Default::default()
    })
}

#[test]
fn a_jobs_memory_estimate_grows_with_its_compiled_models() {
    let files = files();
    let run = build(&files, JobSpec::Run(run_spec(1000))).heap_bytes();
    let sweep = build(&files, sweep_spec(400)).heap_bytes();
    let one_point = build(&files, sweep_spec(1)).heap_bytes();
    let ratio = sweep as f64 / run as f64;
    eprintln!("run {run} B, sweep of 1 point {one_point} B, of 400 points {sweep} B: {ratio:.0}x");
    // Each compiled model has its quantile tables: what a model holds.
    assert!(run > 100_000, "{run}");
    assert!((300.0..=500.0).contains(&ratio), "{ratio}");
    let per_point = (sweep - one_point) as f64 / 399.0;
    assert!(
        (0.7..=1.3).contains(&(per_point / one_point as f64)),
        "{per_point} {one_point}"
    );
    // A compare holds each model once.
    let compare = build(
        &files,
        JobSpec::Compare(CompareSpec {
            base: "baseline.toml".into(),
            variants: vec!["full_withdrawal.toml".into(), "no_us_rotation.toml".into()],
            sampling: sampling(1000),
            ..Default::default()
        }),
    )
    .heap_bytes();
    assert!(
        (2.0..=4.0).contains(&(compare as f64 / run as f64)),
        "{compare} {run}"
    );
}

/// The resident memory of this process, in bytes (Linux).
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Not a check (resident memory moves with the allocator): prints the
/// estimate of a large job against what building it added to the
/// process's resident memory. `cargo test --release -p gaprisk-cli --test
/// jobs -- --ignored --nocapture heap_estimate`.
#[test]
#[ignore]
fn heap_estimate_against_resident_memory() {
    let files = files();
    let _warm = build(&files, sweep_spec(2));
    for points in [400, 2000] {
        let before = rss().unwrap();
        let job = build(&files, sweep_spec(points));
        let after = rss().unwrap();
        let estimate = job.heap_bytes();
        eprintln!(
            "sweep of {points} points: estimate {estimate} B, resident memory +{} B: ratio {:.2}",
            after - before,
            estimate as f64 / (after - before) as f64
        );
        drop(job);
    }
}
