"""run, compare, sweep, sensitivity and rare on this machine: the library's
jobs in this process, with the GIL released while they work. Nothing is
written to disk unless a result's ``save()`` is called. The functions'
keywords are the commands' options (``_spec``)."""

from __future__ import annotations

import json
import warnings
from typing import Any, Callable

from . import _native, _spec
from ._progress import Progress
from ._results import CompareResult, RareResult, Result, RunResult, SensitivityResult, SweepResult

#: What each command returns, and what its docstring says before its options.
RESULTS: dict[str, tuple[type[Result], str]] = {
    "run": (
        RunResult,
        """Samples the model and estimates every event and output, as ``gaprisk
        run``. Returns a RunResult: ``.summary``, ``.quantiles``,
        ``.histogram``, ``.convergence`` (DataFrames), ``.horizon`` (a
        stepped model's horizon.csv, every event and output at every step;
        None for a static model), ``.manifest``, ``.files``,
        ``.save(dir)``, ``.draws(columns)``.""",
    ),
    "compare": (
        CompareResult,
        """Runs the base and every variant on common random numbers, as
        ``gaprisk compare``: differences from the base with paired intervals,
        and ratios. ``set`` fixes inputs of every model. A variant that is the
        base file itself is skipped (a note in the manifest). Returns a
        CompareResult whose ``.table`` is compare.csv.""",
    ),
    "sweep": (
        SweepResult,
        """Runs the model with one or two inputs fixed at each point of a line
        or grid, on common random numbers, as ``gaprisk sweep``. ``set`` maps
        each input to "START:STOP:POINTS", a list of numbers, or one number
        (which only fixes it); the first input varies slowest. Returns a
        SweepResult whose ``.table`` is sweep.csv.""",
    ),
    "sensitivity": (
        SensitivityResult,
        """Which assumption drives ``quantity`` (default: the first event), as
        ``gaprisk sensitivity``. Returns a SensitivityResult whose ``.table``
        is sensitivity.csv.""",
    ),
    "rare": (
        RareResult,
        """One event's probability by a rare-event method, as ``gaprisk
        rare``; it runs on one thread, as the CLI does. Returns a RareResult
        whose ``.table`` is rare.csv.""",
    ),
}


def execute(body: dict, progress: bool, desc: str, *, draws: bool = False) -> dict:
    """Runs a request in this process, with a progress bar; the job's
    warnings become Python warnings."""
    with Progress(progress, desc) as bar:
        out = _native.execute(json.dumps(body, allow_nan=False), progress=bar, draws=draws)
    for w in out["warnings"]:
        warnings.warn(w, RuntimeWarning, stacklevel=4)
    return out


def _files(out: dict) -> dict[str, bytes]:
    return {name: data for name, data in out["files"]}


def _local(command: str, values: dict[str, Any]) -> Result:
    body, progress = _spec.request(command, _spec.LOCAL, values)
    out = execute(body, progress, command)
    result_type, _ = RESULTS[command]
    if result_type is not RunResult:
        return result_type(_files(out), out["text"], out["warnings"])

    def draws() -> bytes:
        again = {**body, "options": {**body["options"], "no_report": True}}
        return execute(again, progress, "draws", draws=True)["draws"]

    return RunResult(_files(out), out["text"], out["warnings"], draws=draws)


def _function(command: str) -> Callable[..., Result]:
    _, summary = RESULTS[command]
    return _spec.call(command, _spec.LOCAL, _spec.POSITIONAL[command], summary, _local)


run = _function("run")
compare = _function("compare")
sweep = _function("sweep")
sensitivity = _function("sensitivity")
rare = _function("rare")
