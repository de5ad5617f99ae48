//! Every error class of the model language: exit code 2, a message naming
//! file, line and key, and nothing written.

mod common;
use common::*;

const HEADER: &str = "[model]\nname = \"broken\"\n";

/// (case, model text, expected "line: key: message" fragment after the file name)
const CASES: &[(&str, &str, &str)] = &[
    (
        "syntax",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"normal\", mean = 1\n",
        ":4: TOML syntax error",
    ),
    (
        "unknown section",
        "[model]\nname = \"broken\"\n[input]\nx = 1\n",
        ":3: input: unknown section",
    ),
    (
        "unknown model key",
        "[model]\nname = \"broken\"\nauthor = \"me\"\n",
        ":3: model.author: unknown key",
    ),
    (
        "unknown parameter",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"beta\", alpha = 2, betta = 3 }\n[outputs]\nx = \"x\"\n",
        ":4: inputs.x.betta: unknown parameter 'betta' for beta",
    ),
    (
        "unknown name",
        "[model]\nname = \"broken\"\n[inputs]\nwithdrawn = 1\n[derived]\ny = \"2 * withdrawm\"\n[outputs]\ny = \"y\"\n",
        ":6: derived.y: unknown name 'withdrawm' (did you mean 'withdrawn'?)",
    ),
    (
        "duplicate",
        "[model]\nname = \"broken\"\n[inputs]\nx = 1\n[derived]\nx = \"2\"\n[outputs]\ny = \"x\"\n",
        ":6: derived.x: duplicate name 'x'",
    ),
    (
        "cycle",
        "[model]\nname = \"broken\"\n[derived]\na = \"b + 1\"\nb = \"c * 2\"\nc = \"a\"\n[outputs]\na = \"a\"\n",
        ":4: derived.a: cycle: a -> b -> c -> a",
    ),
    (
        "bad parameter",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"normal\", mean = 0, sd = -1 }\n[outputs]\nx = \"x\"\n",
        ":4: inputs.x.sd: parameter 'sd' must be > 0, got -1",
    ),
    (
        "bad probability",
        "[model]\nname = \"broken\"\n[inputs]\n\nx = { dist = \"bernoulli\", p = 1.2 }\n[events]\nx = \"x\"\n",
        ":5: inputs.x.p: parameter 'p' must be in [0, 1], got 1.2",
    ),
    (
        "bad percentiles",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"lognormal\", p05 = 30, p95 = 2 }\n[outputs]\nx = \"x\"\n",
        ":4: inputs.x.p05: parameter 'p05' must be < p95",
    ),
    (
        "unknown distribution",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"weibull\", shape = 1 }\n[outputs]\nx = \"x\"\n",
        ":4: inputs.x.dist: unknown distribution 'weibull'",
    ),
    (
        "unknown function",
        "[model]\nname = \"broken\"\n[inputs]\nx = 1\n[outputs]\ny = \"tanh(x)\"\n",
        ":6: outputs.y: in \"tanh(x)\": unknown function 'tanh'",
    ),
    (
        "expression syntax",
        "[model]\nname = \"broken\"\n[inputs]\nx = 1\n[events]\ny = \"x > \"\n",
        ":6: events.y: in \"x > \": expected a number, name or '('",
    ),
    (
        "missing name",
        "[model]\ntitle = \"no name\"\n[inputs]\nx = 1\n[outputs]\nx = \"x\"\n",
        ":1: model.name: missing",
    ),
    (
        "expression parameter in inputs",
        "[model]\nname = \"broken\"\n[inputs]\nx = { dist = \"bernoulli\", p = \"0.5\" }\n[events]\nx = \"x\"\n",
        ":4: inputs.x.p: parameters of [inputs] must be numbers",
    ),
    (
        "constant expression parameter out of range",
        "[model]\nname = \"broken\"\n[derived]\nx = { dist = \"bernoulli\", p = \"0.5 + 0.6\" }\n[events]\nx = \"x\"\n",
        ":4: derived.x.p: parameter 'p' must be in [0, 1], got 1.1",
    ),
    (
        "reference to an event",
        "[model]\nname = \"broken\"\n[inputs]\nx = 1\n[derived]\ny = \"z\"\n[events]\nz = \"x > 0\"\n[outputs]\ny = \"y\"\n",
        ":6: derived.y: 'z' is an event or output",
    ),
    (
        "nothing to estimate",
        "[model]\nname = \"broken\"\n[inputs]\nx = 1\n",
        ": events: the model has no [events] and no [outputs]",
    ),
    (
        "reserved name",
        "[model]\nname = \"broken\"\n[inputs]\npi = 3\n[outputs]\ny = \"pi\"\n",
        ":4: inputs.pi: 'pi' is reserved",
    ),
];

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

#[test]
fn each_error_class_names_file_line_and_key() {
    for (case, text, expected) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let model = write_model(
            dir.path(),
            &format!("{}.toml", case.replace(' ', "_")),
            text,
        );
        assert_model_error(dir.path(), &model, expected);
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
        ":5: inputs.y: overrides input 'y', which the parent model",
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
