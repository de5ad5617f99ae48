"""The same calls against a running ``gaprisk serve``, over its HTTP API
(README, "The service"), with the standard library's urllib only."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Sequence

from . import _options
from ._api import compare_overrides, no_overrides, run_overrides, sweep_axes, variants_list
from ._errors import ModelError, OptionError, ServerError
from ._model import Model, as_model
from ._progress import Progress
from ._results import (
    CompareResult,
    RareResult,
    Result,
    RunResult,
    SensitivityResult,
    SweepResult,
)

#: Seconds between two polls of a running job.
POLL_SECONDS = 0.2


def _server_model(model: Model, files: dict[str, str]) -> str:
    """The name a request gives ``model``: a file of the server's library
    (a path as given: ``baseline.toml``, relative to its ``--models``), or
    a model held in memory, sent with its files."""
    if model.text is not None:
        for name, text in model._files.items():  # noqa: SLF001 (same package)
            if files.setdefault(name, text) != text:
                raise ValueError(f"two different in-memory model files are named {name!r}")
    return model.path


def _axis_value(text: str) -> Any:
    """A sweep axis as the HTTP API takes it: "START:STOP:POINTS" stays a
    string, a list of numbers a list."""
    values = text.split("=", 1)[1]
    if ":" in values:
        return values
    numbers = [float(v) for v in values.split(",")]
    return numbers[0] if len(numbers) == 1 else numbers


class Client:
    """A ``gaprisk serve`` at ``url`` (``http://127.0.0.1:8787``), with the
    bearer ``token`` of its ``--token-file`` if it has one.

    ``run``, ``compare``, ``sweep``, ``sensitivity`` and ``rare`` take the
    same keywords as the functions of the package (but ``threads``, which
    the server decides) and return the same results, read from the job's
    files.
    Models are named as the server's library names them (``baseline.toml``,
    relative to its ``--models``), or are ``Model.from_text`` models, which
    are sent with the request. Ctrl-C while waiting cancels the job."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    # -- HTTP ---------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token is not None:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def _json(self, method: str, path: str, body: Any = None, ok=(200,)) -> Any:
        status, data = self._request(method, path, body)
        if status not in ok:
            raise self._error(status, data)
        return json.loads(data)

    @staticmethod
    def _error(status: int, data: bytes) -> Exception:
        try:
            errors = json.loads(data)["errors"]
        except (ValueError, KeyError, TypeError):
            errors = [{"message": data.decode(errors="replace") or f"HTTP {status}"}]
        first = errors[0]
        message = "; ".join(e.get("message", "") for e in errors)
        key = first.get("key") or ""
        if status == 422 and first.get("file") is not None:
            return ModelError(message, first["file"], first.get("line"), first.get("key"))
        if status == 422 and key.startswith("options."):
            return OptionError(message, key.split(".")[1])
        if status in (400, 404, 413, 422):
            return ValueError(message)
        return ServerError(f"HTTP {status}: {message}", status)

    # -- jobs ---------------------------------------------------------------

    def _submit(
        self,
        command: str,
        model: Model,
        variants: Sequence[Model],
        options: dict,
        progress: Any,
        want: Any,
    ) -> tuple[dict[str, bytes], dict]:
        files: dict[str, str] = {}
        body = {
            "command": command,
            "model": _server_model(model, files),
            "variants": [_server_model(v, files) for v in variants],
            "files": files,
            "options": {k: v for k, v in options.items() if v is not None},
        }
        job = self._json("POST", "/v1/jobs", body, ok=(200, 202))
        show = _options.flag("progress", progress)
        try:
            with Progress(show, command) as bar:
                while job["status"] in ("queued", "running"):
                    p = job.get("progress") or {}
                    bar(p.get("samples_done", 0), p.get("samples_total", 0))
                    time.sleep(POLL_SECONDS)
                    job = self._json("GET", f"/v1/jobs/{job['id']}")
        except BaseException:
            # Ctrl-C (or anything else) while waiting: the job is not wanted.
            self._request("DELETE", f"/v1/jobs/{job['id']}")
            raise
        if job["status"] != "done":
            raise ServerError(f"job {job['id']} {job['status']}: {job.get('error') or ''}".strip())
        out = {}
        for name in job["files"]:
            if not want(name):
                continue
            status, data = self._request(
                "GET", f"/v1/jobs/{job['id']}/files/{urllib.parse.quote(name)}"
            )
            if status != 200:
                raise self._error(status, data)
            out[name] = data
        return out, job

    @staticmethod
    def _formats(format: Any, no_report: Any):
        fmt = _options.text("format", format)
        if fmt not in (None, "csv"):
            raise OptionError(f"format: a server writes csv only, not {fmt!r}", "format")
        skip_report = _options.flag("no_report", no_report)
        return lambda name: not (skip_report and name == "report.html")

    def run(
        self,
        model: Model | str | os.PathLike,
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
        format: str = "csv",
        no_report: bool = False,
        progress: bool = True,
    ) -> RunResult:
        """``gaprisk.run`` on the server. Its result has no ``draws``."""
        m = as_model(model, "model")
        want = self._formats(format, no_report)
        files, _ = self._submit(
            "run",
            m,
            [],
            {
                "samples": _options.count("samples", samples),
                "seed": _options.count("seed", seed),
                "design": _options.text("design", design),
                "confidence": _options.number("confidence", confidence),
                "interval": _options.text("interval", interval),
                "set": run_overrides(m, set) or None,
                "precision": _options.number("precision", precision),
                "relative_precision": _options.number("relative_precision", relative_precision),
                "target": _options.text("target", target),
                "max_samples": _options.count("max_samples", max_samples),
                "quantiles": _options.levels("quantiles", quantiles) or None,
            },
            progress,
            want,
        )
        return RunResult(files)

    def compare(
        self,
        base: Model | str | os.PathLike,
        variants: Sequence[Model | str | os.PathLike],
        *,
        samples: int | None = None,
        seed: int | None = None,
        design: str | None = None,
        confidence: float | None = None,
        set: Mapping[str, float] | None = None,
        format: str = "csv",
        no_report: bool = False,
        progress: bool = True,
    ) -> CompareResult:
        """``gaprisk.compare`` on the server."""
        b = as_model(base, "base")
        vs = variants_list(variants)
        want = self._formats(format, no_report)
        files, _ = self._submit(
            "compare",
            b,
            vs,
            {
                "samples": _options.count("samples", samples),
                "seed": _options.count("seed", seed),
                "design": _options.text("design", design),
                "confidence": _options.number("confidence", confidence),
                "set": compare_overrides([b, *vs], set) or None,
            },
            progress,
            want,
        )
        return CompareResult(files)

    def sweep(
        self,
        model: Model | str | os.PathLike,
        *,
        set: Mapping[str, Any],
        samples: int | None = None,
        seed: int | None = None,
        design: str | None = None,
        confidence: float | None = None,
        format: str = "csv",
        no_report: bool = False,
        progress: bool = True,
    ) -> SweepResult:
        """``gaprisk.sweep`` on the server."""
        m = as_model(model, "model")
        want = self._formats(format, no_report)
        axes = {a.split("=", 1)[0]: _axis_value(a) for a in sweep_axes(m, set)}
        files, _ = self._submit(
            "sweep",
            m,
            [],
            {
                "samples": _options.count("samples", samples),
                "seed": _options.count("seed", seed),
                "design": _options.text("design", design),
                "confidence": _options.number("confidence", confidence),
                "set": axes,
            },
            progress,
            want,
        )
        return SweepResult(files)

    def sensitivity(
        self,
        model: Model | str | os.PathLike,
        *,
        quantity: str | None = None,
        method: str | None = None,
        design: str | None = None,
        samples: int | None = None,
        seed: int | None = None,
        confidence: float | None = None,
        bootstrap: int | None = None,
        sampler: str | None = None,
        format: str = "csv",
        no_report: bool = False,
        progress: bool = True,
    ) -> SensitivityResult:
        """``gaprisk.sensitivity`` on the server."""
        m = as_model(model, "model")
        no_overrides(m, "sensitivity")
        want = self._formats(format, no_report)
        files, _ = self._submit(
            "sensitivity",
            m,
            [],
            {
                "quantity": _options.text("quantity", quantity),
                "method": _options.text("method", method),
                "design": _options.text("design", design),
                "samples": _options.count("samples", samples),
                "seed": _options.count("seed", seed),
                "confidence": _options.number("confidence", confidence),
                "bootstrap": _options.count("bootstrap", bootstrap),
                "sampler": _options.text("sampler", sampler),
            },
            progress,
            want,
        )
        return SensitivityResult(files)

    def rare(
        self,
        model: Model | str | os.PathLike,
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
        """``gaprisk.rare`` on the server."""
        m = as_model(model, "model")
        want = self._formats(format, no_report)
        files, _ = self._submit(
            "rare",
            m,
            [],
            {
                "event": _options.text("event", event),
                "method": _options.text("method", method),
                "samples": _options.count("samples", samples),
                "seed": _options.count("seed", seed),
                "confidence": _options.number("confidence", confidence),
                "set": run_overrides(m, set) or None,
            },
            progress,
            want,
        )
        return RareResult(files)

    def check(self, model: Model | str | os.PathLike) -> dict:
        """``POST /v1/check``: the model's nodes, events and outputs."""
        m = as_model(model, "model")
        files: dict[str, str] = {}
        name = _server_model(m, files)
        return self._json("POST", "/v1/check", {"model": name, "files": files})

    def __repr__(self) -> str:
        return f"Client({self.url!r})"


__all__ = ["Client", "Result"]
