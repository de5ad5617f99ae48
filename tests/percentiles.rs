//! Any two percentiles (language 1.2) through the binary: a model whose
//! inputs are given by `p10`/`p90` (and other levels) gives sample
//! quantiles within 4 standard errors of the asked values; in `[derived]`
//! a sample whose percentile values are out of order is NaN.

mod common;
use common::*;

/// z for a 95% interval: the order-statistic intervals of quantiles.csv
/// span about 2 z SE.
const Z975: f64 = 1.959963984540054;

#[test]
fn inputs_given_by_two_percentiles_have_them_as_sample_quantiles() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "percentiles.toml",
        r#"[model]
name = "percentiles"
[inputs]
n = { dist = "normal", p10 = -3, p90 = 12 }
logn = { dist = "lognormal", p10 = 200, p90 = 5000 }
w = { dist = "weibull", p10 = 2, p90 = 9 }
lu = { dist = "loguniform", p10 = 0.5, p90 = 80 }
g = { dist = "gamma", p10 = 1.5, p90 = 6 }
gm = { dist = "gamma", median = 4, p97_5 = 10 }
[outputs]
n = "n"
logn = "logn"
w = "w"
lu = "lu"
g = "g"
gm = "gm"
"#,
    );
    let (_, out) = run_model(
        &model,
        &[
            "--samples",
            "40000",
            "--seed",
            "7",
            "--quantiles",
            "0.1,0.9,0.975",
        ],
    );
    // Any result CSV reads as rows by column name.
    let rows: Vec<Row> = read_summary(&out.path().join("quantiles.csv"));
    let asked: [(&str, f64, f64); 14] = [
        ("n", 0.1, -3.0),
        ("n", 0.9, 12.0),
        ("logn", 0.1, 200.0),
        ("logn", 0.9, 5000.0),
        ("w", 0.1, 2.0),
        ("w", 0.9, 9.0),
        ("lu", 0.1, 0.5),
        ("lu", 0.9, 80.0),
        ("g", 0.1, 1.5),
        ("g", 0.9, 6.0),
        ("gm", 0.5, 4.0),
        ("gm", 0.975, 10.0),
        // A level not given, for contrast: the normal's median is the mid-point.
        ("n", 0.5, 4.5),
        ("lu", 0.5, 6.324555320336759),
    ];
    for (quantity, p, want) in asked {
        let r = rows
            .iter()
            .find(|r| r["quantity"] == quantity && num(r, "p") == p)
            .unwrap_or_else(|| panic!("no {quantity} at {p}"));
        let se = (num(r, "ci_high") - num(r, "ci_low")) / (2.0 * Z975);
        assert!(se > 0.0, "{quantity} {p}: {r:?}");
        assert_within_se(&format!("{quantity} at {p}"), num(r, "value"), want, se);
    }
}

#[test]
fn a_derived_sample_with_percentiles_out_of_order_is_nan() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(
        dir.path(),
        "order.toml",
        r#"[model]
name = "order"
[inputs]
a = { dist = "uniform", min = 0, max = 1 }
[derived]
x = { dist = "gamma", p10 = "a", p90 = 0.5 }
[outputs]
x = "x"
"#,
    );
    let (rows, _out) = run_model(&model, &["--samples", "10000", "--seed", "3"]);
    let x = row(&rows, "x");
    // a >= 0.5 in about half the samples: those are NaN.
    let bad = num(x, "non_finite") / 10_000.0;
    assert!(
        (bad - 0.5).abs() < 4.0 * (0.25f64 / 10_000.0).sqrt(),
        "{bad}"
    );
}

/// `p5`/`p95` is `p05`/`p95`: the same canonical text (which the model
/// hash covers), as `check` prints it.
#[test]
fn spellings_of_one_level_give_one_model_hash() {
    let dir = tempfile::tempdir().unwrap();
    let hash = |name: &str, params: &str| {
        let model = write_model(
            dir.path(),
            name,
            &format!(
                "[model]\nname = \"h\"\n[inputs]\nx = {{ dist = \"lognormal\", {params} }}\n[outputs]\nx = \"x\"\n"
            ),
        );
        let out = gaprisk().arg("check").arg(&model).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // All but the first line, which names the file.
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.split_once('\n').unwrap().1.to_string()
    };
    let old = hash("a.toml", "p05 = 2, p95 = 9");
    assert!(old.contains("lognormal(p05 = 2.0, p95 = 9.0)"), "{old}");
    assert_eq!(hash("b.toml", "p5 = 2, p95 = 9"), old);
    assert_eq!(hash("c.toml", "p95 = 9, p5_0 = 2"), old);
    let median = hash("d.toml", "p50 = 2, p95 = 9");
    assert_eq!(median, hash("e.toml", "median = 2, p95 = 9"));
    assert!(
        median.contains("lognormal(median = 2.0, p95 = 9.0)"),
        "{median}"
    );
}
