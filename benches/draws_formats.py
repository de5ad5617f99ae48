"""draws.csv against draws.parquet for the baseline at 10^6 samples: the
run's wall time without draws, with CSV and with Parquet draws (median of
RUNS runs each), the files' sizes, and the time pandas and polars take to
read each (median of 3). BENCHMARKS.md, "Parquet", quotes its output.

    python benches/draws_formats.py [target/release/gaprisk]

Needs pandas, pyarrow and polars (scripts/test's venv has them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("RUNS", "7"))
SAMPLES = "1000000"


def timed(f) -> float:
    started = time.perf_counter()
    f()
    return time.perf_counter() - started


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/gaprisk"
    out = Path(tempfile.mkdtemp(prefix="gaprisk-draws-"))
    cases = {
        "no draws": [],
        "draws.csv": ["--draws"],
        "draws.parquet": ["--draws", "--draws-format", "parquet"],
    }
    print(f"{'':16} {'median s':>9} {'min s':>7} {'size MB':>8}")
    for name, args in cases.items():
        times = []
        for i in range(RUNS):
            d = out / f"{name}-{i}".replace(" ", "_")
            cmd = [binary, "run", "models/baseline.toml", "-n", SAMPLES, "-q", "--no-report", "-o", str(d), *args]
            times.append(timed(lambda: subprocess.run(cmd, check=True)))
        size = (d / name).stat().st_size / 1e6 if args else 0.0
        print(f"{name:16} {statistics.median(times):9.2f} {min(times):7.2f} {size:8.1f}")

    import pandas as pd
    import polars as pl

    csv = out / "draws.csv-0" / "draws.csv"
    parquet = out / "draws.parquet-0" / "draws.parquet"
    readers = {
        "pandas read_csv (C engine)": lambda: pd.read_csv(csv),
        "pandas read_csv (pyarrow engine)": lambda: pd.read_csv(csv, engine="pyarrow"),
        "pandas read_parquet": lambda: pd.read_parquet(parquet),
        "polars read_csv": lambda: pl.read_csv(csv),
        "polars read_parquet": lambda: pl.read_parquet(parquet),
        "pandas read_parquet, 2 columns": lambda: pd.read_parquet(parquet, columns=["closure", "force_ratio"]),
    }
    for name, read in readers.items():
        times = [timed(read) for _ in range(3)]
        print(f"{name:34} {statistics.median(times):6.2f} s")
    for d in out.iterdir():
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
    out.rmdir()


if __name__ == "__main__":
    main()
