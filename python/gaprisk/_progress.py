"""A progress bar for jobs that run longer than a second: tqdm if it is
installed (its notebook widget where ipywidgets is), else nothing."""

from __future__ import annotations

import time

DELAY_SECONDS = 1.0


def _tqdm():
    try:
        import ipywidgets  # noqa: F401  (the notebook widget needs it)
        from tqdm.auto import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:
            return None
    return tqdm


class Progress:
    """Called as ``progress(done, total)`` while a job runs; shows a bar
    once the job has run for ``DELAY_SECONDS``."""

    def __init__(self, enabled: bool, desc: str, unit: str = "samples"):
        self._tqdm = _tqdm() if enabled else None
        self._desc = desc
        self._unit = unit
        self._started = time.monotonic()
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._tqdm is None or total <= 0:
            return
        if self._bar is None:
            if time.monotonic() - self._started < DELAY_SECONDS:
                return
            self._bar = self._tqdm(
                total=total,
                initial=done,
                desc=self._desc,
                unit=self._unit,
                unit_scale=True,
                leave=False,
            )
        if self._bar.total != total:
            self._bar.total = total
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
