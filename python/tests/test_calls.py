"""Every call against the CLI: the same files, byte for byte, and the
DataFrames equal to reading the CLI's files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, assert_same_files, read_csv

import gaprisk

BASE = "models/baseline.toml"


def test_run_matches_the_cli(cli, tmp_path):
    expected = cli.files(
        "run", BASE, "-n", "200000", "-s", "7", "--set", "us_commitment=0.3", out=tmp_path
    )
    r = gaprisk.run(BASE, samples=2e5, seed=7, set={"us_commitment": 0.3}, progress=False)
    assert_same_files(r.files, expected)
    for name, frame in [
        ("summary", r.summary),
        ("quantiles", r.quantiles),
        ("histogram", r.histogram),
        ("convergence", r.convergence),
    ]:
        pd.testing.assert_frame_equal(frame, read_csv((tmp_path / f"{name}.csv").read_bytes()))
    assert list(r.histogram.columns) == ["model", "quantity", "bin_low", "bin_high", "count"]
    assert list(r.convergence.columns) == [
        "model",
        "quantity",
        "samples",
        "mean",
        "ci_low",
        "ci_high",
    ]
    assert r.manifest["samples"] == 200_000
    assert "P(closure)" in r.text


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (
            ["--design", "qmc", "--interval", "clopper-pearson"],
            dict(design="qmc", interval="clopper-pearson"),
        ),
        (["--design", "lhs", "--confidence", "0.9"], dict(design="lhs", confidence=0.9)),
        (
            ["--relative-precision", "0.2", "--target", "attempt"],
            dict(relative_precision=0.2, target="attempt"),
        ),
        (
            ["--precision", "0.01", "--max-samples", "100000"],
            dict(precision=0.01, max_samples=100_000),
        ),
        (["--no-report"], dict(no_report=True)),
        (["--quantiles", "0.01,0.999"], dict(quantiles=[0.01, 0.999])),
        (["--quantiles", "0.3"], dict(quantiles=0.3)),
    ],
)
def test_run_options_match_the_cli(cli, tmp_path, args, kwargs):
    expected = cli.files("run", BASE, "-n", "100000", "-s", "3", *args, out=tmp_path)
    r = gaprisk.run(BASE, samples=100_000, seed=3, progress=False, **kwargs)
    assert_same_files(r.files, expected)


def test_model_set_is_the_cli_set(cli, tmp_path):
    expected = cli.files(
        "run",
        BASE,
        "-n",
        "50000",
        "--set",
        "movement_days=3",
        "--set",
        "us_commitment=0.5",
        out=tmp_path,
    )
    model = gaprisk.Model(BASE).set(movement_days=3).set(us_commitment=0.5)
    assert model.overrides == {"movement_days": 3.0, "us_commitment": 0.5}
    assert_same_files(gaprisk.run(model, samples=50_000, progress=False).files, expected)
    # set= adds to the model's own overrides.
    r = gaprisk.run(
        gaprisk.Model(BASE).set(movement_days=3),
        samples=50_000,
        set={"us_commitment": 0.5},
        progress=False,
    )
    assert r.files["summary.csv"] == expected["summary.csv"]


def test_a_model_from_text_extends_files_held_in_memory(cli, tmp_path):
    expected = cli.files("run", "models/weak_us_commitment.toml", "-n", "50000", out=tmp_path)
    text = (REPO / "models/weak_us_commitment.toml").read_text()
    model = gaprisk.Model.from_text(
        text, name="weak.toml", files={"baseline.toml": Path("models/baseline.toml")}
    )
    r = gaprisk.run(model, samples=50_000, progress=False)
    for name in ("summary.csv", "histogram.csv", "convergence.csv"):
        assert r.files[name] == expected[name]
    assert r.manifest["model"]["file"] == "weak.toml"
    assert (
        r.manifest["model"]["hash"]
        == gaprisk.run("models/weak_us_commitment.toml", samples=2, progress=False).manifest[
            "model"
        ]["hash"]
    )


def test_compare_matches_the_cli(cli, tmp_path):
    variants = ["models/weak_us_commitment.toml", "models/full_withdrawal.toml", BASE]
    expected = cli.files(
        "compare", BASE, *variants, "-n", "100000", "--set", "nato_cohesion=0.5", out=tmp_path
    )
    r = gaprisk.compare(BASE, variants, samples=1e5, set={"nato_cohesion": 0.5}, progress=False)
    assert_same_files(r.files, expected)
    pd.testing.assert_frame_equal(r.table, read_csv(expected["compare.csv"]))
    assert r.compare is not None and r.table.shape == r.compare.shape


def test_compare_models_must_fix_the_same_inputs():
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.compare(
            gaprisk.Model(BASE).set(us_commitment=0.1),
            ["models/full_withdrawal.toml"],
            samples=1e4,
            progress=False,
        )
    assert e.value.option == "set"


@pytest.mark.parametrize(
    "cli_sets, set",
    [
        (["us_commitment=0:1:5"], {"us_commitment": "0:1:5"}),
        (
            ["movement_days=1,2,5,10", "nato_cohesion=0.3,0.7"],
            {"movement_days": [1, 2, 5, 10], "nato_cohesion": [0.3, 0.7]},
        ),
        (
            ["warning_days=7", "us_commitment=0.1,0.9"],
            {"warning_days": 7, "us_commitment": (0.1, 0.9)},
        ),
    ],
)
def test_sweep_matches_the_cli(cli, tmp_path, cli_sets, set):
    args = [a for s in cli_sets for a in ("--set", s)]
    expected = cli.files("sweep", BASE, *args, "-n", "40000", out=tmp_path)
    r = gaprisk.sweep(BASE, set=set, samples=40_000, progress=False)
    assert_same_files(r.files, expected)
    pd.testing.assert_frame_equal(r.sweep, read_csv(expected["sweep.csv"]))


def test_a_sweeps_model_overrides_are_fixed_axes(cli, tmp_path):
    expected = cli.files(
        "sweep",
        BASE,
        "--set",
        "warning_days=7",
        "--set",
        "us_commitment=0:1:3",
        "-n",
        "20000",
        out=tmp_path,
    )
    r = gaprisk.sweep(
        gaprisk.Model(BASE).set(warning_days=7),
        set={"us_commitment": "0:1:3"},
        samples=20_000,
        progress=False,
    )
    assert r.files["sweep.csv"] == expected["sweep.csv"]


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (["--method", "sobol", "-n", "8192"], dict(method="sobol", samples=8192)),
        (
            ["--method", "sobol", "--design", "mc", "-n", "8192", "--bootstrap", "50"],
            dict(method="sobol", design="mc", samples=8192, bootstrap=50),
        ),
        (
            ["--method", "tornado", "-n", "20000", "--quantity", "attempt"],
            dict(method="tornado", samples=20_000, quantity="attempt"),
        ),
        (
            ["--method", "rank", "-n", "30000", "--confidence", "0.9"],
            dict(method="rank", samples=30_000, confidence=0.9),
        ),
        (["--method", "filter", "-n", "30000"], dict(method="filter", samples=30_000)),
        (
            ["--method", "filter", "--sampler", "is", "-n", "2000"],
            dict(method="filter", sampler="is", samples=2000),
        ),
    ],
)
def test_sensitivity_matches_the_cli(cli, tmp_path, args, kwargs):
    expected = cli.files("sensitivity", BASE, *args, out=tmp_path)
    r = gaprisk.sensitivity(BASE, progress=False, **kwargs)
    assert_same_files(r.files, expected)
    pd.testing.assert_frame_equal(r.sensitivity, read_csv(expected["sensitivity.csv"]))


@pytest.mark.parametrize("fmt", ["parquet", "both"])
def test_parquet_tables_match_the_cli(cli, tmp_path, fmt):
    run_dir, sweep_dir = tmp_path / "run", tmp_path / "sweep"
    expected = cli.files("run", BASE, "-n", "50000", "--format", fmt, out=run_dir)
    r = gaprisk.run(BASE, samples=5e4, format=fmt, progress=False)
    assert_same_files(r.files, expected)
    assert ("summary.csv" in r.files) == (fmt == "both")
    # The Parquet tables hold the CSV's values, types and all.
    csv = gaprisk.run(BASE, samples=5e4, progress=False)
    for name in ("summary", "histogram", "convergence"):
        parquet = pd.read_parquet(run_dir / f"{name}.parquet")
        pd.testing.assert_frame_equal(parquet, read_csv(csv.files[f"{name}.csv"]))
    pd.testing.assert_frame_equal(r.summary, csv.summary)
    expected = cli.files(
        "sweep", BASE, "--set", "us_commitment=0:1:3", "-n", "20000", "--format", fmt, out=sweep_dir
    )
    s = gaprisk.sweep(BASE, set={"us_commitment": "0:1:3"}, samples=2e4, format=fmt, progress=False)
    assert_same_files(s.files, expected)


def test_parquet_files_are_deterministic(cli, tmp_path):
    a = cli.files(
        "compare",
        BASE,
        "models/weak_us_commitment.toml",
        "-n",
        "20000",
        "--format",
        "parquet",
        out=tmp_path / "a",
    )
    b = cli.files(
        "compare",
        BASE,
        "models/weak_us_commitment.toml",
        "-n",
        "20000",
        "--format",
        "parquet",
        "-j",
        "1",
        out=tmp_path / "b",
    )
    assert a["compare.parquet"] == b["compare.parquet"]
    compare = pd.read_parquet(tmp_path / "a/compare.parquet")
    # paired_dropped is missing on the base's rows, as in the CSV.
    assert compare["paired_dropped"].isna().sum() == compare["model"].eq("suwalki-baseline").sum()


def test_save_writes_what_the_cli_writes(cli, tmp_path):
    expected = cli.files(
        "sensitivity", BASE, "--method", "rank", "-n", "20000", out=tmp_path / "cli"
    )
    r = gaprisk.sensitivity(BASE, method="rank", samples=20_000, progress=False)
    paths = r.save(tmp_path / "py" / "nested")
    assert [p.name for p in paths] == list(r.files)
    assert {p.name for p in (tmp_path / "py" / "nested").iterdir()} == set(expected)
    assert (tmp_path / "py/nested/sensitivity.csv").read_bytes() == expected["sensitivity.csv"]


def test_save_leaves_one_result_in_the_folder(tmp_path):
    folder = tmp_path / "out"
    gaprisk.run(BASE, samples=20_000, format="both", progress=False).save(folder)
    assert (folder / "summary.parquet").exists()
    (folder / "mine.txt").write_text("kept")
    r = gaprisk.run(BASE, samples=20_000, seed=2, no_report=True, progress=False)
    r.save(folder)
    # The earlier result's parquet files and report go; the user's file stays.
    assert {p.name for p in folder.iterdir()} == set(r.files) | {"mine.txt"}
    assert (folder / "mine.txt").read_text() == "kept"


def test_check_lists_what_the_cli_prints(cli):
    report = gaprisk.Model(BASE).check()
    assert str(report) == cli("check", BASE).stdout
    assert report.name == "suwalki-baseline"
    assert [e.name for e in report.events][:1] == ["closure"]
    assert {e.kind for e in report.nodes} <= {"constant", "random", "expression"}
    frame = report.to_frame()
    assert len(frame) == len(report.nodes) + len(report.events) + len(report.outputs)


def test_draws_are_the_clis_draws(cli, tmp_path):
    cli("run", BASE, "-n", "40000", "-s", "5", "--draws", "-q", "-o", tmp_path)
    expected = read_csv((tmp_path / "draws.csv").read_bytes())
    r = gaprisk.run(BASE, samples=40_000, seed=5, progress=False)
    draws = r.draws()
    assert list(draws.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(draws, expected, check_dtype=False, check_exact=True)
    some = r.draws(["closure", "force_ratio"])
    pd.testing.assert_frame_equal(
        some, expected[["closure", "force_ratio"]], check_dtype=False, check_exact=True
    )
    with pytest.raises(KeyError, match="no draws column nope"):
        r.draws(["nope"])


def test_draws_beyond_the_memory_bound_are_refused_before_running():
    big = gaprisk.run(BASE, samples=2e4, progress=False)
    assert big.draws().shape[0] == 20_000
    huge = gaprisk.run(BASE, samples=2e6, progress=False)
    with pytest.raises(gaprisk.OptionError, match="--draws-format parquet") as e:
        huge.draws()
    assert e.value.option == "draws"
    assert gaprisk.MAX_DRAWS_VALUES == 50_000_000


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (["-n", "2000"], dict(samples=2000)),
        (
            ["--method", "is", "--event", "attempt", "-n", "2000", "--set", "us_commitment=0.5"],
            dict(method="is", event="attempt", samples=2000, set={"us_commitment": 0.5}),
        ),
    ],
)
def test_rare_matches_the_cli(cli, tmp_path, args, kwargs):
    expected = cli.files("rare", BASE, *args, "--format", "both", out=tmp_path)
    r = gaprisk.rare(BASE, format="both", progress=False, **kwargs)
    assert_same_files(r.files, expected)
    pd.testing.assert_frame_equal(r.rare, read_csv(expected["rare.csv"]))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "rare.parquet"), r.table)
