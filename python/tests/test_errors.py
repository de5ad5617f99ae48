"""Errors: a model's as ModelError with the CLI's message and its parts; an
option's as ValueError (OptionError) naming the keyword; a wrong type as
TypeError naming the keyword."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

import gaprisk

BASE = "models/baseline.toml"
MALFORMED = sorted((REPO / "tests/malformed").glob("*.toml"))


def test_the_malformed_corpus_is_there():
    assert len(MALFORMED) > 20


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_every_malformed_model_raises_the_clis_model_error(cli, path):
    rel = path.relative_to(REPO)
    expected = path.with_suffix(".expected").read_text().rstrip("\n")
    with pytest.raises(gaprisk.ModelError) as e:
        gaprisk.run(rel, samples=1000, progress=False)
    message = str(e.value)
    assert message.startswith(f"{rel}{expected}"), message
    # The CLI says the same: gaprisk: error: MESSAGE.
    p = cli("run", rel, "-n", "1000", "-q", "-o", "/nonexistent/never-created", check=False)
    assert p.returncode == 2
    assert p.stderr == f"gaprisk: error: {message}\n"
    assert e.value.file == str(rel)
    numbered = re.match(r":(\d+):", expected)
    line = int(numbered.group(1)) if numbered else 0
    assert e.value.line == (line or None)
    # The attributes are the parts of the CLI's text.
    prefix = f"{rel}:{line}: " if line else f"{rel}: "
    if e.value.key is not None:
        prefix += f"{e.value.key}: "
    assert message.startswith(prefix), (message, e.value.key)
    assert isinstance(e.value, ValueError)
    # Checking the model says the same.
    with pytest.raises(gaprisk.ModelError) as checked:
        gaprisk.Model(rel).check()
    assert str(checked.value) == message


def test_a_model_error_in_memory_names_the_in_memory_file():
    model = gaprisk.Model.from_text(
        '[model]\nname = "m"\n[inputs]\na = { dist = "normal", mean = 0 }\n', name="mine.toml"
    )
    with pytest.raises(gaprisk.ModelError) as e:
        gaprisk.run(model, samples=100, progress=False)
    assert (e.value.file, e.value.line, e.value.key) == ("mine.toml", 4, "inputs.a")
    assert str(e.value).startswith("mine.toml:4: inputs.a: ")


def test_a_missing_file_is_a_model_error():
    with pytest.raises(gaprisk.ModelError, match="cannot read model file"):
        gaprisk.run("models/nope.toml", progress=False)


@pytest.mark.parametrize(
    "kwargs, option, text",
    [
        (dict(samples=1), "samples", "samples must be at least 2, got 1"),
        (dict(confidence=1.5), "confidence", "confidence must be in (0, 1), got 1.5"),
        (dict(design="sobol"), "design", "design 'sobol' is not one of mc, lhs, qmc, antithetic"),
        (
            dict(interval="exact"),
            "interval",
            "interval 'exact' is not one of wilson, clopper-pearson",
        ),
        (
            dict(precision=0.1, relative_precision=0.1),
            "precision",
            "precision cannot be combined with relative_precision",
        ),
        (dict(target="closure"), "target", "target needs precision or relative_precision"),
        (
            dict(relative_precision=0.1, target="nope"),
            "target",
            "target nope: the model has no such event or output",
        ),
        (dict(set={"closure": 1}), "set", "set closure: 'closure' is in [events]"),
        (dict(threads=0), "threads", "threads must be between 1 and 1024, got 0"),
        (dict(format="xlsx"), "format", "format 'xlsx' is not one of csv, parquet, both"),
        (dict(samples=1.5), "samples", "samples must be a whole number"),
        (dict(seed=-1), "seed", "seed must be a whole number"),
        (
            dict(quantiles=[0.5, 1.5]),
            "quantiles",
            "quantiles: a quantile level must be in (0, 1), got 1.5",
        ),
    ],
)
def test_bad_options_raise_value_errors_naming_the_keyword(kwargs, option, text):
    with pytest.raises(ValueError) as e:
        gaprisk.run(BASE, progress=False, **kwargs)
    assert isinstance(e.value, gaprisk.OptionError)
    assert e.value.option == option
    assert text in str(e.value)
    assert "--" not in str(e.value), "options are named as keywords, not flags"


def test_other_commands_name_their_options():
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.compare(BASE, ["models/full_withdrawal.toml"], design="qmc", progress=False)
    assert e.value.option == "design"
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sensitivity(BASE, quantity="nope", progress=False)
    assert e.value.option == "quantity" and "it has: closure" in str(e.value)
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sensitivity(BASE, method="sobol", design="mc", bootstrap=5, progress=False)
    assert e.value.option == "bootstrap"
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sensitivity(BASE, method="rank", design="qmc", progress=False)
    assert e.value.option == "design"
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.rare(BASE, method="splitting", progress=False)
    assert e.value.option == "method"
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sweep(BASE, set={"us_commitment": "0:1"}, progress=False)
    assert e.value.option == "set"
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sensitivity(gaprisk.Model(BASE).set(us_commitment=0.2), progress=False)
    assert e.value.option == "set"


@pytest.mark.parametrize(
    "call, text",
    [
        (
            lambda: gaprisk.run(BASE, samples="many"),
            "samples must be a whole number, got 'many' (str)",
        ),
        (lambda: gaprisk.run(BASE, confidence="high"), "confidence must be a number"),
        (lambda: gaprisk.run(BASE, design=3), "design must be a string"),
        (lambda: gaprisk.run(BASE, set=[("a", 1)]), "set must be a dict"),
        (
            lambda: gaprisk.run(BASE, set={"us_commitment": "high"}),
            "set['us_commitment'] must be a number",
        ),
        (lambda: gaprisk.run(BASE, no_report="yes"), "no_report must be True or False"),
        (lambda: gaprisk.run(BASE, quantiles="0.5"), "quantiles must be a list of numbers"),
        (lambda: gaprisk.run(BASE, progress=None), "progress must be True or False"),
        (lambda: gaprisk.run(42), "model must be a path or a gaprisk.Model"),
        (
            lambda: gaprisk.sweep(BASE, set={"us_commitment": {"a": 1}}),
            "set['us_commitment'] must be",
        ),
        (lambda: gaprisk.sweep(BASE), "missing 1 required keyword-only argument: 'set'"),
        (lambda: gaprisk.run(BASE, sample=10), "unexpected keyword argument 'sample'"),
    ],
)
def test_wrong_types_raise_type_errors_naming_the_keyword(call, text):
    with pytest.raises(TypeError) as e:
        call()
    assert text in str(e.value)


def test_nothing_is_written_by_the_api(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = str(REPO / BASE)
    r = gaprisk.run(base, samples=20_000, progress=False)
    r.draws(["closure"])
    gaprisk.sweep(base, set={"us_commitment": [0, 1]}, samples=20_000, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_non_finite_numbers_and_inputs_given_twice_are_option_errors():
    # A request is JSON, which has no infinity: refused by name, in Python.
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.run(BASE, precision=float("inf"), progress=False)
    assert e.value.option == "precision" and "finite" in str(e.value)
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.run(BASE, set={"us_commitment": float("nan")}, progress=False)
    assert e.value.option == "set"
    # An input the model fixes and the sweep varies, as `--set` twice.
    fixed = gaprisk.Model(BASE).set(us_commitment=0.2)
    with pytest.raises(gaprisk.OptionError) as e:
        gaprisk.sweep(fixed, set={"us_commitment": "0:1:3"}, progress=False)
    assert e.value.option == "set" and "given twice" in str(e.value)
