"""Fixtures: the repository, the real CLI binary, and a real gaprisk serve.

The binary is $GAPRISK_BIN, else $CARGO_TARGET_DIR/release/gaprisk, else
target/release/gaprisk (scripts/test builds it). A missing binary fails the
tests that need it; nothing is skipped.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import gaprisk

REPO = Path(__file__).resolve().parents[2]

# A test run started in the background by a non-interactive shell (`cmd &`)
# inherits SIGINT ignored, and Python then keeps it ignored: the Ctrl-C
# tests would never see KeyboardInterrupt, and a run of 10^10 samples would
# go on for minutes. They test gaprisk's handling of Python's default
# handler, so they get it however the suite was started.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def binary() -> Path:
    if os.environ.get("GAPRISK_BIN"):
        return Path(os.environ["GAPRISK_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return target / "release" / "gaprisk"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    """Every test runs from the repository's root, as the CLI's examples do
    (so relative model paths, and the manifests that record them, agree)."""
    monkeypatch.chdir(REPO)


class Cli:
    def __init__(self, path: Path):
        if not path.is_file():
            pytest.fail(f"no gaprisk binary at {path}: build it with cargo build --release")
        self.path = path

    def __call__(self, *args, check=True) -> subprocess.CompletedProcess:
        p = subprocess.run(
            [str(self.path), *map(str, args)], cwd=REPO, capture_output=True, text=True
        )
        if check and p.returncode != 0:
            raise AssertionError(
                f"gaprisk {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}"
            )
        return p

    def files(self, *args, out: Path) -> dict[str, bytes]:
        """Runs a command into `out` (with -q) and returns its files."""
        self(*args, "-q", "-o", out)
        return {f.name: f.read_bytes() for f in sorted(out.iterdir())}


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli(binary())


def read_csv(data: bytes) -> pd.DataFrame:
    """A CSV as pandas reads it, every float exactly (pandas 3 by default)."""
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(io.BytesIO(data), **exact)


def manifest_without_timing(data: bytes) -> dict:
    """manifest.json less what differs between two runs of the same job."""
    m = json.loads(data)
    for key in ("created", "elapsed_seconds", "threads"):
        m.pop(key, None)
    return m


def assert_same_files(python: dict[str, bytes], cli: dict[str, bytes]) -> None:
    """The Python result's files are the CLI's: the same names in the same
    order, every table byte for byte, the manifests equal but for timing."""
    assert set(python) == set(cli), (list(python), list(cli))
    assert list(python) == json.loads(python["manifest.json"])["files"]
    for name, data in cli.items():
        if name == "manifest.json":
            assert manifest_without_timing(python[name]) == manifest_without_timing(data)
        elif name == "report.html":
            continue  # drawn from the files above; it shows the run's timing
        else:
            assert python[name] == data, f"{name} differs"


@pytest.fixture(scope="session")
def server(cli, tmp_path_factory):
    """A real gaprisk serve with a token, over the repository's models, as
    a gaprisk.Client."""
    data = tmp_path_factory.mktemp("serve")
    token = "a-test-token-of-some-length"
    (data / "token.txt").write_text(token + "\n")
    p = subprocess.Popen(
        [
            str(cli.path),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            str(data / "db"),
            "--models",
            str(REPO / "models"),
            "--token-file",
            str(data / "token.txt"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = p.stdout.readline()
        prefix = "gaprisk: listening on "
        assert line.startswith(prefix), f"unexpected first line: {line!r}"
        yield gaprisk.Client(line[len(prefix) :].strip(), token=token)
    finally:
        p.terminate()
        p.wait(timeout=30)
