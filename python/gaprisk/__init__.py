"""gaprisk from Python: Monte Carlo risk estimation from model files, with
results as pandas DataFrames.

    import gaprisk
    r = gaprisk.run("models/baseline.toml", samples=1e6)
    r.summary                      # summary.csv as a DataFrame
    gaprisk.compare("models/baseline.toml", ["models/weak_us_commitment.toml"]).table
    gaprisk.sweep("models/baseline.toml", set={"us_commitment": "0:1:11"}).table
    gaprisk.sensitivity("models/baseline.toml", method="sobol").table
    gaprisk.rare("models/baseline.toml", event="closure").table

The calls mirror the CLI's commands and take its long options as keywords
(``relative_precision`` for ``--relative-precision``); each result's files
are the bytes the CLI writes for the same model and options. The engine
runs with the GIL released; Ctrl-C interrupts it within a chunk. Nothing is
written to disk unless ``save()`` is called. ``gaprisk.Client(url)`` makes
the same calls against a running ``gaprisk serve``.
"""

from . import _native
from ._api import compare, rare, run, sensitivity, sweep
from ._client import Client
from ._errors import ModelError, OptionError, ServerError
from ._model import CheckReport, Entry, Model
from ._results import (
    CompareResult,
    RareResult,
    Result,
    RunResult,
    SensitivityResult,
    SweepResult,
)

__version__: str = _native.__version__

#: The most per-sample values ``RunResult.draws()`` holds in memory
#: (samples x columns).
MAX_DRAWS_VALUES: int = _native.MAX_DRAWS_VALUES

__all__ = [
    "CheckReport",
    "Client",
    "CompareResult",
    "Entry",
    "MAX_DRAWS_VALUES",
    "Model",
    "ModelError",
    "OptionError",
    "RareResult",
    "Result",
    "RunResult",
    "SensitivityResult",
    "ServerError",
    "SweepResult",
    "compare",
    "rare",
    "run",
    "sensitivity",
    "sweep",
]
