//! Every error class of the model language: exit code 2, a message naming
//! file, line and key, and nothing written.

mod common;
use common::*;

const HEADER: &str = "[model]\nname = \"broken\"\n";

fn assert_model_error(dir: &std::path::Path, model: &std::path::Path, expected: &str) {
    let out = dir.join("results-never");
    let assert = gaprisk()
        .arg("run")
        .arg(model)
        .args(["--samples", "1000", "--out", out.to_str().unwrap()])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let file = model.display().to_string();
    assert!(
        stderr.contains(&format!("{file}{expected}")),
        "expected '{file}{expected}' in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "an output folder was created");
    // `check` reports the same error.
    let check = gaprisk().arg("check").arg(model).assert().code(2);
    assert!(String::from_utf8_lossy(&check.get_output().stderr).contains(expected));
}

/// The malformed-model corpus: each `tests/malformed/NAME.toml` must fail
/// with exit code 2 and a message containing the file's path followed by
/// the text of `NAME.expected` (":LINE: KEY: message").
#[test]
fn each_file_of_the_malformed_corpus_names_file_line_and_key() {
    let corpus = repo_path("tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 25,
        "the corpus shrank to {} files",
        files.len()
    );
    for model in files {
        let expected = std::fs::read_to_string(model.with_extension("expected")).unwrap();
        // A copy in a scratch folder, so the check that nothing is written
        // looks at a folder of our own.
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(model.file_name().unwrap());
        std::fs::copy(&model, &copy).unwrap();
        // The corpus's data files (for `empirical`) sit beside each copy.
        for data in std::fs::read_dir(&corpus).unwrap() {
            let data = data.unwrap().path();
            if data.extension().is_some_and(|x| x == "csv") {
                std::fs::copy(&data, dir.path().join(data.file_name().unwrap())).unwrap();
            }
        }
        assert_model_error(dir.path(), &copy, expected.trim_end_matches('\n'));
    }
}

#[test]
fn bad_extends_is_reported_at_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let parent = format!(
        "{HEADER}[inputs]\nx = {{ dist = \"uniform\", min = 0, max = 1 }}\n[outputs]\nx = \"x\"\n"
    );
    write_model(dir.path(), "parent.toml", &parent);

    let missing = write_model(
        dir.path(),
        "missing.toml",
        "[model]\nname = \"child\"\nextends = \"nowhere.toml\"\n",
    );
    assert_model_error(dir.path(), &missing, ":3: model.extends: cannot open");

    let typo = write_model(
        dir.path(),
        "typo.toml",
        "[model]\nname = \"child\"\nextends = \"parent.toml\"\n[inputs]\ny = 2\n",
    );
    assert_model_error(
        dir.path(),
        &typo,
        ":5: inputs.y: new input 'y' is used by no event or output (did you mean 'x'?)",
    );

    // The cycle is reported where it closes: loop_b -> loop_a -> loop_b.
    let loop_a = write_model(
        dir.path(),
        "loop_a.toml",
        "[model]\nname = \"a\"\nextends = \"loop_b.toml\"\n",
    );
    let looped = write_model(
        dir.path(),
        "loop_b.toml",
        "[model]\nname = \"b\"\nextends = \"loop_a.toml\"\n",
    );
    let assert = gaprisk().arg("check").arg(&looped).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("{}:3: model.extends: ", loop_a.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("extends itself through a cycle"),
        "{stderr}"
    );

    // An error inside the parent names the parent file.
    let bad_parent = write_model(
        dir.path(),
        "bad_parent.toml",
        "[model]\nname = \"p\"\n[inputs]\nx = { dist = \"gamma\", shape = 0, scale = 1 }\n[outputs]\nx = \"x\"\n",
    );
    let child = write_model(
        dir.path(),
        "child.toml",
        "[model]\nname = \"c\"\nextends = \"bad_parent.toml\"\n",
    );
    let assert = gaprisk().arg("check").arg(&child).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("{}:4: inputs.x.shape", bad_parent.display())),
        "{stderr}"
    );
}

#[test]
fn unreadable_model_file_is_a_clear_error() {
    let assert = gaprisk()
        .args(["run", "no/such/model.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("no/such/model.toml: cannot read model file"),
        "{stderr}"
    );
}

#[test]
fn extends_overrides_inputs_and_adds_entries() {
    let dir = tempfile::tempdir().unwrap();
    write_model(
        dir.path(),
        "parent.toml",
        &format!(
            "{HEADER}[inputs]\nx = {{ dist = \"uniform\", min = 0, max = 1 }}\nk = 2\n[derived]\ny = \"k * x\"\n[outputs]\ny = \"y\"\n"
        ),
    );
    let child = write_model(
        dir.path(),
        "child.toml",
        "[model]\nname = \"child\"\nextends = \"parent.toml\"\n[inputs]\nk = 10\n[events]\nbig = \"y > 5\"\n",
    );
    let (rows, _out) = run_model(&child, &["--samples", "100000", "--seed", "4"]);
    // y = 10 x: mean 5; P(y > 5) = 0.5.
    let y = row(&rows, "y");
    assert_eq!(y["model"], "child");
    assert!((num(y, "mean") - 5.0).abs() < 4.0 * num(y, "std_error"));
    let big = row(&rows, "big");
    assert!((num(big, "mean") - 0.5).abs() < 4.0 * num(big, "std_error"));
}

/// The model hash of a run of `model` (manifest.json's model.hash).
fn model_hash(model: &std::path::Path) -> String {
    let (_rows, out) = run_model(model, &["--samples", "1000", "--seed", "1"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    manifest["model"]["hash"].as_str().unwrap().to_string()
}

#[test]
fn an_empirical_columns_data_is_part_of_the_model_hash() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("d.csv"), "x\n1\n2\n3\n").unwrap();
    let model = write_model(
        dir.path(),
        "m.toml",
        "[model]\nname = \"hashed\"\n[inputs]\nx = { dist = \"empirical\", file = \"data/d.csv\", column = \"x\" }\n[outputs]\nx = \"x\"\n",
    );
    let before = model_hash(&model);
    assert_eq!(before, model_hash(&model), "the hash is not stable");
    // The model text is unchanged; only the data is not.
    std::fs::write(data.join("d.csv"), "x\n1\n2\n4\n").unwrap();
    assert_ne!(before, model_hash(&model));
}

#[test]
fn a_variant_reads_data_relative_to_its_own_file() {
    // extends = "../base.toml" is a model reference (allowed on disk); the
    // data file the parent names is read relative to the parent.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), "x\n5\n").unwrap();
    write_model(
        dir.path(),
        "base.toml",
        "[model]\nname = \"base\"\n[inputs]\nx = { dist = \"empirical\", file = \"d.csv\", column = \"x\" }\n[outputs]\nx = \"x\"\n",
    );
    std::fs::create_dir(dir.path().join("variants")).unwrap();
    let child = write_model(
        &dir.path().join("variants"),
        "v.toml",
        "[model]\nname = \"v\"\nextends = \"../base.toml\"\n",
    );
    let (rows, _out) = run_model(&child, &["--samples", "1000"]);
    assert_eq!(num(row(&rows, "x"), "mean"), 5.0);
}
