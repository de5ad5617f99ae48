"""The same calls against a running ``gaprisk serve``, over its HTTP API
(README, "The service"), with the standard library's urllib only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from . import _spec
from ._api import RESULTS
from ._errors import ModelError, OptionError, ServerError
from ._model import as_model
from ._progress import Progress
from ._results import Result

#: Seconds between two polls of a running job.
POLL_SECONDS = 0.2


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
        data = None if body is None else json.dumps(body, allow_nan=False).encode()
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

    def _submit(self, body: dict, progress: bool, want: Any) -> tuple[dict[str, bytes], dict]:
        command = body["command"]
        job = self._json("POST", "/v1/jobs", body, ok=(200, 202))
        try:
            with Progress(progress, command) as bar:
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

    def _call(self, command: str, values: dict[str, Any]) -> Result:
        body, progress = _spec.request(command, _spec.CLIENT, values)
        # The options the service leaves to its clients: the server writes
        # the tables in the default format and report.html, and the Client
        # fetches what was asked for.
        options = body["options"]
        served = _spec.default(command, "format")
        format = options.pop("format", served)
        if format != served:
            raise OptionError(f"format: a server writes {served} only, not {format!r}", "format")
        no_report = options.pop("no_report", False)
        files, _ = self._submit(
            body, progress, lambda name: not (no_report and name == "report.html")
        )
        result_type, _ = RESULTS[command]
        return result_type(files)

    def check(self, model: Any) -> dict:
        """``POST /v1/check``: the model's nodes, events and outputs."""
        m = as_model(model, "model")
        return self._json("POST", "/v1/check", {"model": m.path, "files": m._files_held()})

    def __repr__(self) -> str:
        return f"Client({self.url!r})"


__all__ = ["Client", "Result"]


def _method(command: str):
    _, summary = RESULTS[command]
    return _spec.call(
        command,
        _spec.CLIENT,
        _spec.POSITIONAL[command],
        f"``gaprisk.{command}`` on the server: the same keywords but ``threads`` "
        "(the server decides), the same result.",
        Client._call,
        method=True,
    )


for _command in RESULTS:
    setattr(Client, _command, _method(_command))
