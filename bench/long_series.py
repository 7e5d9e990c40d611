"""A whole forecast run on a long hourly series, through the command line: wall time and peak memory.

    .venv/bin/python bench/long_series.py                          # 2,000, 10,000 and 100,000 points
    .venv/bin/python bench/long_series.py --sizes 2000 --timeout 120
    .venv/bin/python bench/long_series.py --code /tmp/before       # another copy of models/ (before/after)

Each size is a made-up hourly series (level, a slow trend, a daily and a weekly cycle and noise, seeded)
written as a CSV with a time column, so the run detects the daily season of 24 as an upload would. It
runs ``python -m models forecast --csv ... --epochs 1 --json`` (the default settings otherwise: five
networks of 64 units, every baseline, the backtest and the prediction intervals) in a fresh process
and prints its wall time (imports included) and the peak resident memory of the process and its
children, polled every 0.2 s. A run still going after ``--timeout`` seconds is stopped and reported as
such (with its memory so far): the point of this bench is that an accepted run finishes in the time the
work limit promises (``models/limits.py``), so its last column is the run's counted work in minutes at
the limit's rate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CHILD_ENV, ROOT, figure  # noqa: E402

SIZES = (2_000, 10_000, 100_000)
TIMEOUT = 900.0  # seconds


def write_series(path: Path, n_points: int, seed: int = 7) -> None:
    """An hourly CSV of ``n_points`` rows: time, value."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    steps = np.arange(n_points)
    values = (100 + 0.001 * steps + 10 * np.sin(2 * np.pi * steps / 24) + 5 * np.sin(2 * np.pi * steps / 168)
              + rng.normal(0, 2, n_points))
    times = pd.date_range("2015-01-01", periods=n_points, freq="h")
    frame = pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "value": values.round(3)})
    frame.to_csv(path, index=False)


def run_cli(csv: Path, epochs: int, timeout: float, code: Path, data_dir: Path) -> dict:
    """Run the CLI once; wall seconds, peak RSS (MB) of its process tree, its JSON result or None."""
    import psutil

    environment = {**os.environ, **CHILD_ENV, "PYTHONPATH": str(code), "LSTMLAB_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "models", "forecast", "--csv", str(csv), "--epochs", str(epochs),
               "--json"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=code, env=environment, stdout=out, stderr=err)
        watched = psutil.Process(child.pid)
        peak = 0
        finished = True
        while child.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(process.memory_info().rss for process in tree))
            except psutil.Error:
                pass
            if time.perf_counter() - started > timeout:
                finished = False
                child.kill()  # our own child, by its id
                child.wait()
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    result = None
    if finished and child.returncode == 0:
        start = stdout.find("{")
        result = json.loads(stdout[start:]) if start >= 0 else None
    return {"seconds": seconds, "peak_mb": peak / 2**20, "finished": finished, "returncode": child.returncode,
            "result": result, "error": stderr.strip().splitlines()[-1] if stderr.strip() else ""}


def _scores(result: dict | None) -> str:
    if not result:
        return ""
    metrics = result.get("metrics") or {}
    models = metrics.get("models", metrics)
    parts = []
    for name in ("network", "ets", "theta"):
        entry = models.get(name) if isinstance(models, dict) else None
        if isinstance(entry, dict) and entry.get("test_rmse") is not None:
            parts.append(f"{name} test RMSE {entry['test_rmse']:.3f}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="series lengths (hourly points)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs (default 1)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds per run (default {TIMEOUT:.0f})")
    parser.add_argument("--code", type=Path, default=ROOT, help="project folder whose models/ to run")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(text) for text in args.sizes.split(",")):
            csv = Path(folder) / f"hourly-{size}.csv"
            write_series(csv, size)
            run = run_cli(csv, args.epochs, args.timeout, args.code.resolve(), Path(folder) / f"lab-{size}")
            if not run["finished"]:
                state = f"stopped, still running after {args.timeout:.0f} s"
            elif run["returncode"] != 0:
                state = f"exited {run['returncode']}: {run['error']}"
            else:
                state = "finished"
            figure(f"whole CLI run, {size:,} hourly points, {args.epochs} epoch(s)", run["seconds"], "s",
                   note=f"{state}; peak RSS {run['peak_mb']:.0f} MB"
                        + (f"; {_scores(run['result'])}" if _scores(run["result"]) else ""))
            rows.append({"size": size, **{key: value for key, value in run.items() if key != "result"},
                         "notes": (run["result"] or {}).get("summary", {}).get("notes")})
    print(json.dumps({"runs": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
