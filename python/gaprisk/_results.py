"""What a job returns: its files' exact bytes, and DataFrames read from them.

Every DataFrame is read from the bytes the engine produced, the bytes the
CLI writes for the same model and options: CSV, each number parsed back to
the engine's float64 exactly (``float_precision="round_trip"`` before pandas
3, the default since), or Parquet when only Parquet was asked for.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

# pandas 3 parses every float exactly by default (and deprecates the option).
_EXACT = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_csv(data: bytes) -> pd.DataFrame:
    """A result CSV as a DataFrame: every number exactly as written."""
    return pd.read_csv(io.BytesIO(data), **_EXACT)


def read_parquet(data: bytes, columns: Sequence[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data), columns=None if columns is None else list(columns))


class Result:
    """Files of one job: ``files`` maps each name to its exact bytes, in the
    order the CLI lists them; ``text`` is the table the CLI prints."""

    def __init__(self, files: Mapping[str, bytes], text: str = "", warnings: Sequence[str] = ()):
        self.files: dict[str, bytes] = dict(files)
        self.text = text
        self.warnings = list(warnings)

    @property
    def manifest(self) -> dict:
        """manifest.json: what produced the files (README, "manifest.json")."""
        return json.loads(self.files["manifest.json"])

    def _table(self, stem: str) -> pd.DataFrame:
        if f"{stem}.csv" in self.files:
            return read_csv(self.files[f"{stem}.csv"])
        if f"{stem}.parquet" in self.files:
            return read_parquet(self.files[f"{stem}.parquet"])
        raise KeyError(
            f"this result has no {stem}.csv or {stem}.parquet (files: {', '.join(self.files)})"
        )

    def save(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Writes every file into ``directory`` (created if missing), as the
        CLI's ``--out`` does: each file to a temporary name, renamed into
        place when complete, and the files of the folder's previous result
        that this one does not have removed, so the folder holds one result.
        Returns the paths written."""
        from . import _native

        folder = Path(directory)
        _native.save(str(folder), list(self.files.items()))
        return [folder / name for name in self.files]

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:  # IPython
        p.text(self.text if not cycle else repr(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(self.files)}>"


class RunResult(Result):
    """A ``run``: summary, quantiles, histogram, convergence and (for a
    stepped model) horizon as DataFrames."""

    def __init__(self, files, text="", warnings=(), draws: Callable[[], bytes] | None = None):
        super().__init__(files, text, warnings)
        self._compute_draws = draws
        self._draws: bytes | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """summary.csv: one row per event, then per output."""
        return self._table("summary")

    @property
    def quantiles(self) -> pd.DataFrame:
        """quantiles.csv: each output's quantiles (p05 ... p95 and any
        asked for) with distribution-free intervals (model, quantity, p,
        value, ci_low, ci_high, confidence, resolution)."""
        return self._table("quantiles")

    @property
    def histogram(self) -> pd.DataFrame:
        """histogram.csv: each output's bins (model, quantity, bin_low, bin_high, count)."""
        return self._table("histogram")

    @property
    def convergence(self) -> pd.DataFrame:
        """convergence.csv: each estimate and interval as samples grew."""
        return self._table("convergence")

    @property
    def horizon(self) -> pd.DataFrame | None:
        """horizon.csv of a stepped model (``[model] steps``, language 1.2):
        one row per quantity, step and measure (model, quantity, step,
        measure, value, ci_low, ci_high, confidence), the events first, then
        the outputs, in model order; an event's measures are ``by_step``
        (the probability it happened at some step up to this one),
        ``at_step`` and ``hazard``, an output's ``mean``, ``p05``, ``p50``
        and ``p95``. ``step`` is an int64 from 1; the numbers are float64,
        exactly as written (a hazard with no sample left to happen is NaN).
        At the last step, ``by_step`` and ``mean`` are ``summary``'s means.
        None for a static model, which has no steps."""
        if "horizon.csv" not in self.files and "horizon.parquet" not in self.files:
            return None
        return self._table("horizon")

    def draws(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per sample: ``sample``, every non-constant node, then the
        events and outputs that are not nodes (draws.csv's columns), or only
        ``columns``; a stepped model's have one row per sample and step, with
        ``step`` after ``sample``. The first call runs the model again with the same
        options (the same samples, by the seed) and keeps the values in
        memory, compressed; later calls reuse them. Refused (OptionError)
        beyond ``gaprisk.MAX_DRAWS_VALUES`` values (samples x columns): for
        more, write them to disk with ``gaprisk run MODEL --draws
        --draws-format parquet`` and read the columns you need with
        ``pandas.read_parquet(path, columns=[...])``."""
        if self._compute_draws is None:
            raise RuntimeError(
                "this result has no model to run again (a server's results carry no draws): "
                "call gaprisk.run on the model"
            )
        if isinstance(columns, str):
            columns = [columns]
        if self._draws is None:
            self._draws = self._compute_draws()
        if columns is not None:
            import pyarrow.parquet as pq

            names = pq.read_schema(io.BytesIO(self._draws)).names
            missing = [c for c in columns if c not in names]
            if missing:
                raise KeyError(
                    f"no draws column {', '.join(missing)} (columns: {', '.join(names)})"
                )
        return read_parquet(self._draws, columns)


class CompareResult(Result):
    """A ``compare``: ``table`` (also ``compare``) is compare.csv;
    ``horizon`` is compare_horizon.csv when the models are stepped alike."""

    @property
    def table(self) -> pd.DataFrame:
        return self._table("compare")

    compare = table

    @property
    def horizon(self) -> pd.DataFrame | None:
        """compare_horizon.csv, when every compared model has the same
        ``[model] steps`` (language 1.2): each model's events' ``by_step``
        and outputs' ``mean`` at every step (model, base_model, quantity,
        step, measure, value, diff, diff_ci_low, diff_ci_high, confidence),
        with the paired difference from the base (NaN on the base's rows).
        None otherwise."""
        if not any(n.startswith("compare_horizon.") for n in self.files):
            return None
        return self._table("compare_horizon")


class SweepResult(Result):
    """A ``sweep``: ``table`` (also ``sweep``) is sweep.csv."""

    @property
    def table(self) -> pd.DataFrame:
        return self._table("sweep")

    sweep = table


class SensitivityResult(Result):
    """A ``sensitivity`` analysis: ``table`` (also ``sensitivity``) is
    sensitivity.csv."""

    @property
    def table(self) -> pd.DataFrame:
        return self._table("sensitivity")

    sensitivity = table


class RareResult(Result):
    """A ``rare`` estimate: ``table`` (also ``rare``) is rare.csv, one row."""

    @property
    def table(self) -> pd.DataFrame:
        return self._table("rare")

    rare = table
