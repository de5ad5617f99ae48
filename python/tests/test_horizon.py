"""``result.horizon``: a stepped model's horizon.csv as a DataFrame, read
from the file's bytes as the CLI wrote them; None for a static model."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read_csv

import gaprisk

# Two events and two outputs over 12 months; `level` is skewed, so its mean
# is not its median.
STEPPED = """
[model]
name = "walk"
steps = 12
step_unit = "month"

[inputs]
h = { dist = "beta", alpha = 2, beta = 30 }
drift = { dist = "normal", mean = 0.02, sd = 0.01 }

[derived]
z = { dist = "normal", mean = 0, sd = 0.1 }
hit = { dist = "bernoulli", p = "h" }

[state]
x = { start = 0, next = "x + drift + z" }

[events]
hit = "hit"
high = "x > 0.3"

[outputs]
x = "x"
level = "exp(4 * x)"
"""

COLUMNS = ["model", "quantity", "step", "measure", "value", "ci_low", "ci_high", "confidence"]
EVENT_MEASURES = ["by_step", "at_step", "hazard"]
OUTPUT_MEASURES = ["mean", "p05", "p50", "p95"]


@pytest.fixture(scope="module")
def stepped(tmp_path_factory):
    path = tmp_path_factory.mktemp("stepped") / "walk.toml"
    path.write_text(STEPPED)
    return path


def test_horizon_is_horizon_csv_with_its_types(cli, stepped, tmp_path):
    r = gaprisk.run(stepped, samples=20_000, seed=5, progress=False)
    expected = cli.files("run", stepped, "-n", "20000", "-s", "5", out=tmp_path)
    assert r.files["horizon.csv"] == expected["horizon.csv"]
    h = r.horizon
    pd.testing.assert_frame_equal(h, read_csv(expected["horizon.csv"]))
    assert list(h.columns) == COLUMNS
    assert h["step"].dtype == "int64"
    for c in ["value", "ci_low", "ci_high", "confidence"]:
        assert h[c].dtype == "float64", c
    for c in ["model", "quantity", "measure"]:
        assert pd.api.types.is_string_dtype(h[c]), c
    # Events, then outputs, in model order; then step; then measure.
    assert list(h["quantity"].unique()) == ["hit", "high", "x", "level"]
    assert len(h) == 12 * (2 * len(EVENT_MEASURES) + 2 * len(OUTPUT_MEASURES))
    for q, measures in [("hit", EVENT_MEASURES), ("x", OUTPUT_MEASURES)]:
        rows = h[h["quantity"] == q]
        assert list(rows["step"]) == [t for t in range(1, 13) for _ in measures]
        assert list(rows["measure"]) == measures * 12
    assert (h["model"] == "walk").all() and (h["confidence"] == 0.95).all()


def test_the_last_steps_by_step_is_the_summarys_mean(stepped):
    r = gaprisk.run(stepped, samples=20_000, seed=5, progress=False)
    h, summary = r.horizon, r.summary.set_index("quantity")
    last = h[h["step"] == h["step"].max()].set_index(["quantity", "measure"])
    for event in ["hit", "high"]:
        assert last.loc[(event, "by_step"), "value"] == summary.loc[event, "mean"]
        # by_step only grows.
        by_step = h[(h["quantity"] == event) & (h["measure"] == "by_step")]["value"]
        assert by_step.is_monotonic_increasing, event
    for output in ["x", "level"]:
        for m in OUTPUT_MEASURES:
            assert last.loc[(output, m), "value"] == summary.loc[output, m], (output, m)
    assert last.loc[("level", "mean"), "value"] > 1.05 * last.loc[("level", "p50"), "value"]


def test_parquet_only_gives_the_same_frame(stepped):
    csv = gaprisk.run(stepped, samples=20_000, seed=5, progress=False)
    parquet = gaprisk.run(stepped, samples=20_000, seed=5, format="parquet", progress=False)
    assert "horizon.csv" not in parquet.files and "horizon.parquet" in parquet.files
    pd.testing.assert_frame_equal(parquet.horizon, csv.horizon, check_dtype=False)
    assert parquet.horizon["step"].dtype.kind == "i"


def test_a_static_model_has_no_horizon():
    r = gaprisk.run("models/baseline.toml", samples=20_000, progress=False)
    assert "horizon.csv" not in r.files
    assert r.horizon is None


def test_a_servers_result_has_the_same_horizon(server, stepped):
    model = gaprisk.Model.from_text(STEPPED, name="walk.toml")
    remote = server.run(model, samples=20_000, seed=5, progress=False)
    local = gaprisk.run(stepped, samples=20_000, seed=5, progress=False)
    assert remote.files["horizon.csv"] == local.files["horizon.csv"]
    pd.testing.assert_frame_equal(remote.horizon, local.horizon)


def test_compare_horizon_is_compare_horizon_csv(cli, stepped, tmp_path):
    variant = stepped.parent / "variant.toml"
    variant.write_text(
        '[model]\nname = "variant"\nextends = "walk.toml"\n'
        '[inputs]\nh = { dist = "beta", alpha = 4, beta = 30 }\n'
    )
    r = gaprisk.compare(stepped, [variant], samples=20_000, seed=5, progress=False)
    expected = cli.files("compare", stepped, variant, "-n", "20000", "-s", "5", out=tmp_path)
    assert r.files["compare_horizon.csv"] == expected["compare_horizon.csv"]
    h = r.horizon
    pd.testing.assert_frame_equal(h, read_csv(expected["compare_horizon.csv"]))
    assert list(h.columns) == [
        "model", "base_model", "quantity", "step", "measure", "value",
        "diff", "diff_ci_low", "diff_ci_high", "confidence",
    ]
    # 2 models x (2 events + 2 outputs) x 12 steps; the variant's hazard is
    # higher, so its hit by_step differs from the base's by more than 0.
    assert len(h) == 2 * 4 * 12
    hit = h[(h.model == "variant") & (h.quantity == "hit")]
    assert list(hit.measure.unique()) == ["by_step"]
    assert (hit.diff_ci_low > 0).all()
    assert h[h.model == "walk"]["diff"].isna().all()


def test_a_static_comparison_has_no_horizon(tmp_path):
    text = '[model]\nname = "{}"\n[inputs]\nu = {{ dist = "uniform", min = 0, max = {} }}\n'
    text += '[events]\nlow = "u < 0.5"\n'
    base, variant = tmp_path / "base.toml", tmp_path / "variant.toml"
    base.write_text(text.format("base", 1))
    variant.write_text(text.format("variant", 2))
    r = gaprisk.compare(base, [variant], samples=2_000, progress=False)
    assert "compare_horizon.csv" not in r.files
    assert r.horizon is None
