#!/usr/bin/env python3
"""Side by side: `gaprisk run models/baseline.toml` and the NumPy version of
the same model (numpy_baseline.py), whole processes, same sample count,
alternating, several times. Prints each run and the median throughput ratio.

Usage: python3 benches/compare_numpy.py [--samples 1e7] [--runs 7] [--threads T]
                                        [--also PATH ...]
Needs NumPy (pip install numpy) and builds gaprisk with cargo first.
--also times another gaprisk binary (an older build, say) in the same
rotation, so that before and after are measured side by side.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", default="1e7")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", default=None, help="gaprisk --threads (default: all cores)")
    ap.add_argument("--also", action="append", default=[], metavar="PATH",
                    help="another gaprisk binary to time in the same rotation")
    args = ap.parse_args()
    n = int(float(args.samples))
    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True, cwd=ROOT)
    out = tempfile.mkdtemp(prefix="gaprisk-bench-")
    # cargo builds into $CARGO_TARGET_DIR when it is set, else target/.
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binaries = [os.path.join(target, "release", "gaprisk")] + args.also

    def gaprisk(binary):
        cmd = [binary, "run", "models/baseline.toml", "--samples", str(n), "--quiet", "--out", out]
        return cmd + (["--threads", args.threads] if args.threads else [])

    numpy = [sys.executable, os.path.join(ROOT, "benches", "numpy_baseline.py"), "--samples", str(n)]
    g_times, n_times = [[] for _ in binaries], []
    for run in range(args.runs):
        line = []
        for k, binary in enumerate(binaries):
            g_times[k].append(timed(gaprisk(binary)))
            line.append(f"gaprisk{'' if k == 0 else f' ({binary})'} {g_times[k][-1]:.3f} s")
        n_times.append(timed(numpy))
        print(f"run {run + 1}: {', '.join(line)}, numpy {n_times[-1]:.3f} s", flush=True)
    p = statistics.median(n_times)
    for k, binary in enumerate(binaries):
        g = statistics.median(g_times[k])
        label = "gaprisk" if k == 0 else f"gaprisk ({binary})"
        print(f"samples {n}: {label} median {g:.3f} s ({n / g / 1e6:.2f} M samples/s), "
              f"numpy median {p:.3f} s ({n / p / 1e6:.2f} M samples/s)")
        print(f"median throughput ratio {label} / numpy: {p / g:.2f}x")

if __name__ == "__main__":
    main()
