"""gaprisk.Client against a real gaprisk serve: the same calls, the same
results as the local ones (and so as the CLI's)."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from conftest import REPO, manifest_without_timing

import gaprisk

BASE = "models/baseline.toml"


def same(remote: gaprisk.Result, local: gaprisk.Result, table: str):
    assert remote.files[table] == local.files[table]
    m = manifest_without_timing(remote.files["manifest.json"])
    m.pop("job_id", None)
    assert m == manifest_without_timing(local.files["manifest.json"])


def test_run(server):
    asked = dict(samples=1e5, seed=11, set={"us_commitment": 0.4}, quantiles=[0.01, 0.99])
    remote = server.run("baseline.toml", progress=False, **asked)
    local = gaprisk.run(BASE, progress=False, **asked)
    assert sorted(local.quantiles["p"].unique()) == [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
    for name in ("summary.csv", "quantiles.csv", "histogram.csv", "convergence.csv"):
        assert remote.files[name] == local.files[name]
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    assert remote.manifest["model"]["hash"] == local.manifest["model"]["hash"]
    with pytest.raises(RuntimeError, match="no model to run again"):
        remote.draws()


def test_compare(server):
    remote = server.compare(
        "baseline.toml", ["weak_us_commitment.toml"], samples=5e4, progress=False
    )
    local = gaprisk.compare(BASE, ["models/weak_us_commitment.toml"], samples=5e4, progress=False)
    # The same numbers; model_file is the path each was given.
    cols = [c for c in local.table.columns if c != "model_file"]
    pd.testing.assert_frame_equal(remote.table[cols], local.table[cols])


def test_sweep(server):
    set = {"movement_days": [1, 5, 20], "nato_cohesion": "0.3:0.7:2"}
    remote = server.sweep("baseline.toml", set=set, samples=3e4, progress=False)
    local = gaprisk.sweep(BASE, set=set, samples=3e4, progress=False)
    pd.testing.assert_frame_equal(remote.table, local.table)


def test_sensitivity(server):
    remote = server.sensitivity(
        "baseline.toml", method="tornado", samples=2e4, no_report=True, progress=False
    )
    local = gaprisk.sensitivity(BASE, method="tornado", samples=2e4, progress=False)
    assert remote.files["sensitivity.csv"] == local.files["sensitivity.csv"]
    assert "report.html" not in remote.files


def test_filter_from_rare_samples(server):
    kwargs = dict(method="filter", sampler="subset", samples=2000, progress=False)
    remote = server.sensitivity("baseline.toml", **kwargs)
    local = gaprisk.sensitivity(BASE, **kwargs)
    assert remote.files["sensitivity.csv"] == local.files["sensitivity.csv"]


def test_rare(server):
    remote = server.rare(
        "examples/linear_tail.toml", samples=2000, seed=3, set={"x10": 1.0}, progress=False
    )
    local = gaprisk.rare(
        "models/examples/linear_tail.toml", samples=2000, seed=3, set={"x10": 1.0}, progress=False
    )
    assert isinstance(remote, type(local))
    assert remote.files["rare.csv"] == local.files["rare.csv"]
    pd.testing.assert_frame_equal(remote.table, local.table)
    pd.testing.assert_frame_equal(remote.rare, local.rare)
    # The same manifest but for the job's id and the model's path as given.
    m, lm = (manifest_without_timing(r.files["manifest.json"]) for r in (remote, local))
    assert m.pop("job_id")
    assert m.pop("models")[0]["hash"] == lm.pop("models")[0]["hash"]
    assert m == lm

    gated = gaprisk.Model("models/examples/gated_tail.toml")
    remote = server.rare(
        "examples/gated_tail.toml",
        event="tail",
        method="is",
        samples=4000,
        confidence=0.9,
        no_report=True,
        progress=False,
    )
    local = gaprisk.rare(
        gated, event="tail", method="is", samples=4000, confidence=0.9, progress=False
    )
    pd.testing.assert_frame_equal(remote.table, local.table)
    assert "report.html" not in remote.files

    with pytest.raises(gaprisk.OptionError) as e:
        server.rare("examples/linear_tail.toml", method="mc", progress=False)
    with pytest.raises(gaprisk.OptionError) as local_error:
        gaprisk.rare("models/examples/linear_tail.toml", method="mc", progress=False)
    assert e.value.option == local_error.value.option == "method"
    with pytest.raises(gaprisk.OptionError) as e:
        server.rare("examples/linear_tail.toml", event="total", progress=False)
    assert e.value.option == "event"


def test_a_model_from_text_is_sent_with_the_request(server):
    text = '[model]\nname = "mine"\nextends = "baseline.toml"\n[inputs]\nus_commitment = 0.1\n'
    remote = server.run(
        gaprisk.Model.from_text(text, name="mine.toml"), samples=5e4, progress=False
    )
    local = gaprisk.run(
        gaprisk.Model.from_text(
            text, name="mine.toml", files={"baseline.toml": REPO / "models/baseline.toml"}
        ),
        samples=5e4,
        progress=False,
    )
    assert remote.files["summary.csv"] == local.files["summary.csv"]


def test_errors_are_the_local_ones(server):
    bad = gaprisk.Model.from_text(
        '[model]\nname = "m"\n[inputs]\na = { dist = "normal", mean = 0 }\n', name="mine.toml"
    )
    with pytest.raises(gaprisk.ModelError) as e:
        server.run(bad, progress=False)
    with pytest.raises(gaprisk.ModelError) as local:
        gaprisk.run(bad, progress=False)
    assert (e.value.file, e.value.line, e.value.key, str(e.value)) == (
        local.value.file,
        local.value.line,
        local.value.key,
        str(local.value),
    )
    with pytest.raises(gaprisk.OptionError) as e:
        server.run("baseline.toml", samples=1, progress=False)
    assert e.value.option == "samples"
    with pytest.raises(gaprisk.OptionError) as e:
        server.run("baseline.toml", format="parquet", progress=False)
    assert e.value.option == "format"
    with pytest.raises(TypeError):
        server.run("baseline.toml", threads=2)
    with pytest.raises(gaprisk.ServerError) as e:
        gaprisk.Client(server.url, token="wrong-token-wrong-token").run(
            "baseline.toml", progress=False
        )
    assert e.value.status == 401


def test_ctrl_c_while_waiting_cancels_the_job(server):
    import os
    import signal
    import threading

    def interrupt_once_running():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server._json("GET", "/v1/jobs?status=running")["jobs"]:
                break
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    watcher = threading.Thread(target=interrupt_once_running)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        server.sweep("baseline.toml", set={"us_commitment": "0:1:5"}, samples=1e9, progress=False)
    watcher.join()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = server._json("GET", "/v1/jobs?limit=1")["jobs"][0]
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert (job["command"], job["status"]) == ("sweep", "cancelled"), job
