"""The engine works with the GIL released, and Ctrl-C stops it promptly."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import gaprisk

BASE = "models/baseline.toml"
#: Far more samples than the test waits for: minutes of work.
LONG = 10**10


def test_ctrl_c_interrupts_a_long_run_within_a_second(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = os.path.join(os.path.dirname(__file__), "..", "..", BASE)
    sent = []

    def interrupt():
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.5, interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        gaprisk.run(base, samples=LONG, progress=False)
    raised = time.monotonic()
    timer.join()
    assert sent, "the timer did not fire"
    assert raised - sent[0] < 1.0, f"KeyboardInterrupt {raised - sent[0]:.2f} s after SIGINT"
    assert raised - started < 5.0
    assert list(tmp_path.iterdir()) == [], "an interrupted run wrote something"


@pytest.mark.parametrize("command", ["compare", "sweep", "sensitivity"])
def test_ctrl_c_interrupts_every_command(command):
    calls = {
        "compare": lambda: gaprisk.compare(
            BASE, ["models/weak_us_commitment.toml"], samples=LONG, progress=False
        ),
        "sweep": lambda: gaprisk.sweep(
            BASE, set={"us_commitment": "0:1:11"}, samples=LONG, progress=False
        ),
        "sensitivity": lambda: gaprisk.sensitivity(BASE, samples=10**8, progress=False),
    }
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        calls[command]()
    timer.join()
    assert time.monotonic() - started < 2.0


def test_a_progress_callback_that_raises_cancels_the_job(monkeypatch):
    import gaprisk._api as api

    class Stop(Exception):
        pass

    class Raising:
        def __init__(self, *a, **k):
            self.calls = 0

        def __call__(self, done, total):
            self.calls += 1
            if self.calls > 3:
                raise Stop

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(api, "Progress", Raising)
    started = time.monotonic()
    with pytest.raises(Stop):
        gaprisk.run(BASE, samples=LONG)
    assert time.monotonic() - started < 2.0


def test_the_gil_is_released_while_the_engine_works():
    ticks = 0
    done = threading.Event()

    def work():
        gaprisk.run(BASE, samples=3e6, progress=False)
        done.set()

    t = threading.Thread(target=work)
    started = time.monotonic()
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.monotonic() - started
    # Python kept running beside the engine: about one tick per
    # millisecond (at least a tenth of that on a loaded machine; with the
    # GIL held it would stop).
    assert elapsed > 0.05
    assert ticks > elapsed * 1000 / 10, (ticks, elapsed)


def test_a_progress_bar_shows_for_runs_longer_than_a_second(capsys):
    import tqdm  # noqa: F401  (a test dependency: scripts/test installs it)

    gaprisk.run(BASE, samples=5e7)
    err = capsys.readouterr().err
    assert "samples" in err and "run" in err, err
    gaprisk.run(BASE, samples=1e5)
    assert capsys.readouterr().err == ""
