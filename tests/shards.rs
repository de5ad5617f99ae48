//! `run --shard K/N` and `gaprisk merge`: parts merge into exactly what one
//! run writes, and parts that do not belong together are refused by name.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn shard(parts: &Path, k: u64, n: u64, extra: &[&str]) -> PathBuf {
    gaprisk()
        .args([
            "run",
            "models/baseline.toml",
            "--quiet",
            "--shard",
            &format!("{k}/{n}"),
            "--out",
        ])
        .arg(parts)
        .args(extra)
        .assert()
        .success();
    parts.join(format!("part-{k}-of-{n}.json"))
}

fn merge(parts: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    gaprisk()
        .arg("merge")
        .args(parts)
        .args(["--quiet", "--out"])
        .arg(out)
        .assert()
}

#[test]
fn four_shards_merge_into_the_single_run_byte_for_byte() {
    for design in ["mc", "qmc", "antithetic"] {
        let dir = tempfile::tempdir().unwrap();
        let args = ["--samples", "150000", "--seed", "12", "--design", design];
        let parts: Vec<PathBuf> = (1..=4)
            .map(|k| shard(&dir.path().join("parts"), k, 4, &args))
            .collect();
        // Given in any order.
        let shuffled = vec![
            parts[2].clone(),
            parts[0].clone(),
            parts[3].clone(),
            parts[1].clone(),
        ];
        merge(&shuffled, &dir.path().join("merged")).success();
        let (_rows, single) = run_model(&repo_path("models/baseline.toml"), &args);
        assert_eq!(
            std::fs::read(dir.path().join("merged/summary.csv")).unwrap(),
            std::fs::read(single.path().join("summary.csv")).unwrap(),
            "design {design}"
        );
    }
}

#[test]
fn merge_refuses_parts_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("parts");
    let args = ["--samples", "100000", "--seed", "1"];
    let parts: Vec<PathBuf> = (1..=3).map(|k| shard(&p, k, 3, &args)).collect();
    let other_seed = shard(
        &dir.path().join("other"),
        2,
        3,
        &["--samples", "100000", "--seed", "2"],
    );
    let cases: Vec<(Vec<PathBuf>, String)> = vec![
        (
            vec![parts[0].clone(), parts[2].clone()],
            "chunks 2..4 are missing".into(),
        ),
        (
            vec![parts[0].clone(), parts[1].clone()],
            "chunks 4..7 are missing".into(),
        ),
        (
            vec![
                parts[0].clone(),
                parts[1].clone(),
                parts[1].clone(),
                parts[2].clone(),
            ],
            "both cover chunks 2..4".into(),
        ),
        (
            vec![parts[0].clone(), other_seed.clone(), parts[2].clone()],
            format!(
                "{} does not belong with {}: it is from seed 2 (not 1)",
                other_seed.display(),
                parts[0].display()
            ),
        ),
    ];
    for (given, message) in cases {
        let out = dir.path().join("never");
        let assert = merge(&given, &out).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(&message), "{message}: {stderr}");
        assert!(!out.exists());
    }
    // Not a part file at all.
    let junk = write_model(dir.path(), "junk.json", "{\"format\": \"something\"}");
    let assert = merge(std::slice::from_ref(&junk), &dir.path().join("never")).code(2);
    assert!(
        String::from_utf8_lossy(&assert.get_output().stderr).contains("not a gaprisk part file")
    );
}

#[test]
fn shard_options_are_checked() {
    for (args, message) in [
        (vec!["--shard", "0/4"], "K must be between 1 and N"),
        (vec!["--shard", "5/4"], "K must be between 1 and N"),
        (vec!["--shard", "two/4"], "is not a whole number"),
        (
            vec!["--shard", "1/4", "--draws"],
            "--shard cannot be combined",
        ),
    ] {
        let assert = gaprisk()
            .args(["run", "models/baseline.toml"])
            .args(&args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn four_sensitivity_shards_merge_into_the_single_analysis_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--samples",
        "16384",
        "--bootstrap",
        "40",
        "--seed",
        "3",
        "--quiet",
    ];
    let parts: Vec<PathBuf> = (1..=4)
        .map(|k| {
            gaprisk()
                .args([
                    "sensitivity",
                    "models/examples/ishigami.toml",
                    "--shard",
                    &format!("{k}/4"),
                    "--out",
                ])
                .arg(dir.path().join("parts"))
                .args(args)
                .assert()
                .success();
            dir.path().join(format!("parts/part-{k}-of-4.json"))
        })
        .collect();
    merge(&parts, &dir.path().join("merged")).success();
    gaprisk()
        .args(["sensitivity", "models/examples/ishigami.toml", "--out"])
        .arg(dir.path().join("single"))
        .args(args)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dir.path().join("merged/sensitivity.csv")).unwrap(),
        std::fs::read(dir.path().join("single/sensitivity.csv")).unwrap()
    );
    // Only Sobol analyses shard.
    let assert = gaprisk()
        .args([
            "sensitivity",
            "models/baseline.toml",
            "--method",
            "tornado",
            "--shard",
            "1/2",
        ])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("--method sobol only"));
}

#[test]
fn compare_shards_merge_into_the_single_comparison_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let models = [
        "models/baseline.toml",
        "models/weak_us_commitment.toml",
        "models/rapid_reinforcement.toml",
    ];
    let args = ["--samples", "100000", "--seed", "9", "--quiet"];
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| {
            gaprisk()
                .arg("compare")
                .args(models)
                .args(["--shard", &format!("{k}/3"), "--out"])
                .arg(dir.path().join("parts"))
                .args(args)
                .assert()
                .success();
            dir.path().join(format!("parts/part-{k}-of-3.json"))
        })
        .collect();
    merge(&parts, &dir.path().join("merged")).success();
    gaprisk()
        .arg("compare")
        .args(models)
        .arg("--out")
        .arg(dir.path().join("single"))
        .args(args)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dir.path().join("merged/compare.csv")).unwrap(),
        std::fs::read(dir.path().join("single/compare.csv")).unwrap()
    );
}
