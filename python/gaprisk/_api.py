"""run, compare, sweep and sensitivity on this machine: the library's jobs
in this process, with the GIL released while they work. Nothing is written
to disk unless a result's ``save()`` is called."""

from __future__ import annotations

import os
import warnings
from typing import Any, Iterable, Mapping, Sequence

from . import _native, _options
from ._errors import OptionError
from ._model import Model, as_model
from ._progress import Progress
from ._results import CompareResult, RareResult, RunResult, SensitivityResult, SweepResult

ModelLike = Model | str | os.PathLike


# How each command's models and `set` become the engine's arguments; the
# Client shares these.


def run_overrides(model: Model, set: Any) -> dict[str, float]:
    """A run's inputs fixed: the model's own overrides, then ``set``."""
    return {**model.overrides, **_options.overrides("set", set)}


def variants_list(variants: Any) -> list[Model]:
    if isinstance(variants, (str, os.PathLike, Model)):
        variants = [variants]
    if not isinstance(variants, Iterable):
        raise TypeError(f"variants must be a list of models, got {type(variants).__name__}")
    return [as_model(v, "variants") for v in variants]


def compare_overrides(models: Sequence[Model], set: Any) -> dict[str, float]:
    """compare fixes the same inputs in every model (the CLI's --set), so
    the models' own overrides must agree."""
    first = models[0].overrides
    for m in models[1:]:
        if m.overrides != first:
            raise OptionError(
                "compare fixes the same inputs in every model (as the CLI's --set): "
                f"{models[0]!r} and {m!r} fix different ones. Pass the values as compare's set, "
                "or give each variant its own model file (Model.from_text with extends)",
                "set",
            )
    return {**first, **_options.overrides("set", set)}


def sweep_axes(model: Model, set: Any) -> list[str]:
    """The model's own overrides as single-value axes (the CLI's
    ``--set NAME=VALUE`` on sweep), then the swept inputs."""
    fixed = [f"{k}={v!r}" for k, v in model.overrides.items()]
    return fixed + _options.axes(set)


def no_overrides(model: Model, command: str) -> None:
    if model.overrides:
        raise OptionError(
            f"{command} takes no set (as the CLI): {model!r} fixes inputs; "
            "give it a model file with those inputs fixed (Model.from_text with extends)",
            "set",
        )


def _call(native, progress: Any, desc: str, *args, **kwargs) -> dict:
    show = _options.flag("progress", progress)
    with Progress(show, desc) as bar:
        out = native(*args, progress=bar, **kwargs)
    for w in out["warnings"]:
        warnings.warn(w, RuntimeWarning, stacklevel=3)
    return out


def _files(out: Mapping) -> dict[str, bytes]:
    return {name: data for name, data in out["files"]}


def run(
    model: ModelLike,
    *,
    samples: int | None = None,
    seed: int | None = None,
    design: str | None = None,
    confidence: float | None = None,
    interval: str | None = None,
    set: Mapping[str, float] | None = None,
    precision: float | None = None,
    relative_precision: float | None = None,
    target: str | None = None,
    max_samples: int | None = None,
    quantiles: Sequence[float] | None = None,
    threads: int | None = None,
    format: str = "csv",
    no_report: bool = False,
    progress: bool = True,
) -> RunResult:
    """Samples the model and estimates every event and output, as ``gaprisk
    run``. Options are the CLI's, with the CLI's defaults: ``samples``
    1,000,000; ``seed`` 20200925; ``design`` "mc" ("lhs", "qmc",
    "antithetic"); ``confidence`` 0.95; ``interval`` "wilson" or
    "clopper-pearson"; ``set`` {input: value}; a stopping rule with
    ``precision`` or ``relative_precision`` (``target``, ``max_samples``
    100,000,000); ``quantiles`` levels besides p05 ... p95, e.g. [0.01,
    0.99]; ``threads`` (one per core); ``format`` "csv", "parquet" or
    "both"; ``no_report``. A progress bar shows after a second (tqdm).

    Returns a RunResult: ``.summary``, ``.quantiles``, ``.histogram``,
    ``.convergence`` (DataFrames), ``.manifest``, ``.files``,
    ``.save(dir)``, ``.draws(columns)``."""
    m = as_model(model, "model")
    kwargs = dict(
        samples=_options.count("samples", samples),
        seed=_options.count("seed", seed),
        design=_options.text("design", design),
        confidence=_options.number("confidence", confidence),
        interval=_options.text("interval", interval),
        set=list(run_overrides(m, set).items()),
        precision=_options.number("precision", precision),
        relative_precision=_options.number("relative_precision", relative_precision),
        target=_options.text("target", target),
        max_samples=_options.count("max_samples", max_samples),
        quantiles=_options.levels("quantiles", quantiles),
        threads=_options.count("threads", threads),
    )
    out = _call(
        _native.run,
        progress,
        "run",
        m._native(),
        format=_options.text("format", format),
        no_report=_options.flag("no_report", no_report),
        **kwargs,
    )

    def draws() -> bytes:
        again = _call(
            _native.run, progress, "draws", m._native(), no_report=True, draws=True, **kwargs
        )
        return again["draws"]

    return RunResult(_files(out), out["text"], out["warnings"], draws=draws)


def compare(
    base: ModelLike,
    variants: Sequence[ModelLike],
    *,
    samples: int | None = None,
    seed: int | None = None,
    design: str | None = None,
    confidence: float | None = None,
    set: Mapping[str, float] | None = None,
    threads: int | None = None,
    format: str = "csv",
    no_report: bool = False,
    progress: bool = True,
) -> CompareResult:
    """Runs the base and every variant on common random numbers, as
    ``gaprisk compare``: differences from the base with paired intervals,
    and ratios. ``design`` is "mc" or "lhs"; ``set`` fixes inputs of every
    model. A variant that is the base file itself is skipped (a note in the
    manifest). Returns a CompareResult whose ``.table`` is compare.csv."""
    b = as_model(base, "base")
    vs = variants_list(variants)
    out = _call(
        _native.compare,
        progress,
        "compare",
        b._native(),
        [v._native() for v in vs],
        samples=_options.count("samples", samples),
        seed=_options.count("seed", seed),
        design=_options.text("design", design),
        confidence=_options.number("confidence", confidence),
        set=list(compare_overrides([b, *vs], set).items()),
        threads=_options.count("threads", threads),
        format=_options.text("format", format),
        no_report=_options.flag("no_report", no_report),
    )
    return CompareResult(_files(out), out["text"], out["warnings"])


def sweep(
    model: ModelLike,
    *,
    set: Mapping[str, Any],
    samples: int | None = None,
    seed: int | None = None,
    design: str | None = None,
    confidence: float | None = None,
    threads: int | None = None,
    format: str = "csv",
    no_report: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Runs the model with one or two inputs fixed at each point of a line
    or grid, on common random numbers, as ``gaprisk sweep``. ``set`` maps
    each input to "START:STOP:POINTS", a list of numbers, or one number
    (which only fixes it); the first input varies slowest. Returns a
    SweepResult whose ``.table`` is sweep.csv."""
    m = as_model(model, "model")
    out = _call(
        _native.sweep,
        progress,
        "sweep",
        m._native(),
        sweep_axes(m, set),
        samples=_options.count("samples", samples),
        seed=_options.count("seed", seed),
        design=_options.text("design", design),
        confidence=_options.number("confidence", confidence),
        threads=_options.count("threads", threads),
        format=_options.text("format", format),
        no_report=_options.flag("no_report", no_report),
    )
    return SweepResult(_files(out), out["text"], out["warnings"])


def sensitivity(
    model: ModelLike,
    *,
    quantity: str | None = None,
    method: str | None = None,
    design: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    confidence: float | None = None,
    bootstrap: int | None = None,
    sampler: str | None = None,
    threads: int | None = None,
    format: str = "csv",
    no_report: bool = False,
    progress: bool = True,
) -> SensitivityResult:
    """Which assumption drives ``quantity`` (default: the first event), as
    ``gaprisk sensitivity``: ``method`` "sobol" (default; N = ``samples``,
    default 131,072; ``design`` "qmc", the default, or "mc" with
    ``bootstrap`` resamples), "tornado", "rank" or "filter" (an event's
    Monte Carlo filtering; ``sampler`` "subset" or "is" takes the event's
    samples from ``rare``'s search of its region, for rare events; default
    "plain"). Returns a SensitivityResult whose ``.table`` is
    sensitivity.csv."""
    m = as_model(model, "model")
    no_overrides(m, "sensitivity")
    out = _call(
        _native.sensitivity,
        progress,
        "sensitivity",
        m._native(),
        quantity=_options.text("quantity", quantity),
        method=_options.text("method", method),
        design=_options.text("design", design),
        samples=_options.count("samples", samples),
        seed=_options.count("seed", seed),
        confidence=_options.number("confidence", confidence),
        bootstrap=_options.count("bootstrap", bootstrap),
        sampler=_options.text("sampler", sampler),
        threads=_options.count("threads", threads),
        format=_options.text("format", format),
        no_report=_options.flag("no_report", no_report),
    )
    return SensitivityResult(_files(out), out["text"], out["warnings"])


def rare(
    model: ModelLike,
    *,
    event: str | None = None,
    method: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    confidence: float | None = None,
    set: Mapping[str, float] | None = None,
    format: str = "csv",
    no_report: bool = False,
    progress: bool = True,
) -> RareResult:
    """One event's probability by a rare-event method, as ``gaprisk rare``:
    ``method`` "subset" (subset simulation, the default) or "is" (adaptive
    importance sampling); ``samples`` per level or stage (default 10,000);
    ``event`` (default: the first event); ``set`` fixes inputs. It runs on
    one thread, as the CLI does. Returns a RareResult whose ``.table`` is
    rare.csv."""
    m = as_model(model, "model")
    out = _call(
        _native.rare,
        progress,
        "rare",
        m._native(),
        event=_options.text("event", event),
        method=_options.text("method", method),
        samples=_options.count("samples", samples),
        seed=_options.count("seed", seed),
        confidence=_options.number("confidence", confidence),
        set=list(run_overrides(m, set).items()),
        format=_options.text("format", format),
        no_report=_options.flag("no_report", no_report),
    )
    return RareResult(_files(out), out["text"], out["warnings"])
