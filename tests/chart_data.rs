//! histogram.csv and convergence.csv through the real binary: exact bin
//! counts against the per-sample draws, the last convergence row equal to
//! the summary, and the same bytes at any thread count, after a merge of
//! shards and after a resume from a checkpoint.

mod common;
use common::*;
use std::path::Path;

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rows(dir: &Path, name: &str) -> Vec<Row> {
    read_summary(&dir.join(name))
}

fn run_into(dir: &Path, args: &[&str]) {
    gaprisk()
        .args(["run", "models/baseline.toml", "--quiet", "--out"])
        .arg(dir)
        .args(args)
        .assert()
        .success();
}

/// 200,000 samples: 13 chunks, the last one partial.
const SAMPLES: &str = "200000";

#[test]
fn chart_data_is_the_same_at_any_thread_count_after_a_merge_and_a_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("one");
    run_into(&base, &["-n", SAMPLES, "-j", "1"]);
    let mut others = Vec::new();
    for threads in ["2", "8"] {
        let dir = tmp.path().join(format!("j{threads}"));
        run_into(&dir, &["-n", SAMPLES, "-j", threads]);
        others.push(dir);
    }
    // Three shards, merged.
    let parts = tmp.path().join("parts");
    for k in 1..=3 {
        run_into(&parts, &["-n", SAMPLES, "--shard", &format!("{k}/3")]);
    }
    let merged = tmp.path().join("merged");
    gaprisk()
        .args(["merge", "--quiet", "--out"])
        .arg(&merged)
        .args((1..=3).map(|k| parts.join(format!("part-{k}-of-3.json"))))
        .assert()
        .success();
    others.push(merged);
    // A checkpointed run, then a resume that replays every saved chunk.
    let checkpoint = tmp.path().join("run.part");
    let saved = tmp.path().join("saved");
    run_into(
        &saved,
        &["-n", SAMPLES, "--checkpoint", checkpoint.to_str().unwrap()],
    );
    let resumed = tmp.path().join("resumed");
    run_into(
        &resumed,
        &["-n", SAMPLES, "--resume", checkpoint.to_str().unwrap()],
    );
    others.extend([saved, resumed]);
    for dir in &others {
        for name in ["histogram.csv", "convergence.csv", "summary.csv"] {
            assert!(
                read(&base, name) == read(dir, name),
                "{name} of {} differs from the single-thread run's",
                dir.display()
            );
        }
    }
}

#[test]
fn the_last_convergence_point_is_the_summary_and_the_interval_narrows() {
    let (summary, dir) = run_model(&repo_path("models/baseline.toml"), &["-n", "1000000"]);
    let convergence = rows(dir.path(), "convergence.csv");
    for s in &summary {
        let points: Vec<&Row> = convergence
            .iter()
            .filter(|r| r["quantity"] == s["quantity"])
            .collect();
        // 62 chunks: 1..=10, then every ~10% more, then the last.
        assert!(
            (25..=40).contains(&points.len()),
            "{}: {} points",
            s["quantity"],
            points.len()
        );
        let last = points.last().unwrap();
        for column in ["samples", "mean", "ci_low", "ci_high"] {
            assert_eq!(last[column], s[column], "{} {column}", s["quantity"]);
        }
        let samples: Vec<f64> = points.iter().map(|r| num(r, "samples")).collect();
        assert!(samples.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(samples[0], 16384.0);
    }
    // The interval of P(closure) at 1,000,000 samples is about sqrt(61)
    // times narrower than at the first chunk's 16,384; sampling noise in
    // the estimate moves that ratio by far less than the factor 4 asked.
    let closure: Vec<&Row> = convergence
        .iter()
        .filter(|r| r["quantity"] == "closure")
        .collect();
    let width = |r: &Row| num(r, "ci_high") - num(r, "ci_low");
    let (first, last) = (width(closure[0]), width(closure[closure.len() - 1]));
    assert!(first > 4.0 * last, "first {first}, last {last}");
    for r in &closure {
        assert!(num(r, "ci_low") <= num(r, "mean") && num(r, "mean") <= num(r, "ci_high"));
    }
}

#[test]
fn histogram_counts_are_exact_counts_of_the_draws() {
    let tmp = tempfile::tempdir().unwrap();
    run_into(tmp.path(), &["-n", "50000", "--draws"]);
    let histogram = rows(tmp.path(), "histogram.csv");
    let summary = rows(tmp.path(), "summary.csv");
    let mut draws = csv::Reader::from_path(tmp.path().join("draws.csv")).unwrap();
    let header: Vec<String> = draws.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<csv::StringRecord> = draws.records().map(|r| r.unwrap()).collect();
    let outputs: Vec<&Row> = summary.iter().filter(|r| r["kind"] == "output").collect();
    assert!(outputs.len() >= 5);
    let mut log_spaced = 0;
    for output in outputs {
        let name = &output["quantity"];
        let column = header.iter().position(|h| h == name).unwrap();
        let values: Vec<f64> = records.iter().map(|r| r[column].parse().unwrap()).collect();
        let bins: Vec<&Row> = histogram
            .iter()
            .filter(|r| &r["quantity"] == name)
            .collect();
        assert!(bins.len() >= 10, "{name}: {} bins", bins.len());
        let total: u64 = bins
            .iter()
            .map(|b| b["count"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, 50_000 - output["non_finite"].parse::<u64>().unwrap());
        // The baseline's outputs are non-negative: bins hold [low, high),
        // the last one [low, high], and [0, 0] is the atom at zero.
        for (i, b) in bins.iter().enumerate() {
            let (low, high) = (num(b, "bin_low"), num(b, "bin_high"));
            let last = i + 1 == bins.len();
            let n = values
                .iter()
                .filter(|&&x| {
                    if low == 0.0 && high == 0.0 {
                        x == 0.0
                    } else {
                        x >= low && (x < high || (last && x <= high))
                    }
                })
                .count();
            assert_eq!(n.to_string(), b["count"], "{name} bin [{low}, {high}]");
        }
        assert_eq!(num(bins[bins.len() - 1], "bin_high"), num(output, "max"));
        let positive: Vec<&&Row> = bins.iter().filter(|b| num(b, "bin_high") > 0.0).collect();
        if num(positive[positive.len() - 1], "bin_high") / num(positive[0], "bin_low") >= 100.0 {
            log_spaced += 1;
        }
    }
    // closure_hours, attack_force and p_attempt span decades.
    assert!(log_spaced >= 3, "{log_spaced} log-spaced outputs");
}
