"""What hostile files cost to read: wall time and peak memory of `python -m models inspect` on each.

Usage: ``python bench/hostile_reads.py [--reference DIR]``. DIR is another checkout of LSTM Lab (for
example ``git worktree add /tmp/before <commit>``), measured side by side on the same files: each
figure then carries the ratio ours / reference. Memory is sampled every 20 ms over the command's
whole process tree (the CLI, its read server and the read's child): "read memory" is the largest
resident size of one process (the read's child, where there is one: the figure the 1 GB limit
bounds), "tree memory" the largest sum over the tree (the CLI and the read server take about 100 MB
each besides). A tree above 8 GB is stopped (said in the line) so the machine stays usable.

The files (tests/hostile_files.py): a workbook cell at XFD1048576, one shared string copied into
10,000 cells (1 GB of text), 30 million rows in a 1.9 MB workbook, a CSV line of a million fields;
and two files that must be accepted: 100,000 hourly rows, and 40,000 columns of 30 rows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, figure  # noqa: E402
from tests.hostile_files import HOSTILE_FILES  # noqa: E402

STOP_BYTES = 8 * 1024**3
TIME_TARGET_S, MEMORY_TARGET_MB = 30, 1024


def accepted_files() -> dict[str, bytes]:
    hours = np.arange(100_000)
    times = pd.date_range("2000-01-01", periods=len(hours), freq="h").astype(str)
    long_csv = pd.DataFrame({"time": times, "load": 50 + 10 * np.sin(hours / 24)}).to_csv(index=False)
    wide_header = "date," + ",".join(f"s{index}" for index in range(40_000))
    wide_rows = [f"2000-{month:02d}-01," + ",".join(str((month * index) % 97) for index in range(40_000))
                 for month in range(1, 13)] + [
                f"2001-{month:02d}-01," + ",".join(str((month + index) % 89) for index in range(40_000))
                for month in range(1, 13)]
    return {"100,000 hourly rows (.csv, accepted)": long_csv.encode(),
            "40,000 columns (.csv, accepted)": "\n".join([wide_header, *wide_rows]).encode()}


def measure(code_root: Path, path: Path) -> tuple[float, float, float, str]:
    """Seconds, peak MB of one process and of the process tree, and the command's last line."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "models", "inspect", "--csv", str(path)],
                               cwd=code_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={"PYTHONPATH": str(code_root), "PATH": "/usr/bin:/bin"})
    root = psutil.Process(process.pid)
    peak = largest = 0
    stopped = ""
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            sizes = [member.memory_info().rss for member in tree if member.is_running()]
        except psutil.Error:
            sizes = []
        total = sum(sizes)
        peak, largest = max(peak, total), max([largest, *sizes])
        if total > STOP_BYTES:
            for member in reversed(tree):
                member.kill()
            stopped = "stopped at 8 GB"
        time.sleep(0.02)
    seconds = time.monotonic() - started
    out, err = process.communicate()
    lines = (out + err).strip().splitlines()
    if process.returncode < 0 and not stopped:
        stopped = f"killed by signal {-process.returncode}"
    return seconds, largest / 1024**2, peak / 1024**2, stopped or (lines[-1][:90] if lines else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, help="another checkout to measure side by side")
    args = parser.parse_args()
    files = {name: build() for name, build in HOSTILE_FILES.items()} | accepted_files()
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            path = Path(folder) / ("file.xlsx" if ".xlsx" in name else "file.csv")
            path.write_bytes(data)
            ours = measure(ROOT, path)
            reference = measure(args.reference, path) if args.reference else None
            for index, (what, unit, target) in enumerate((("time", "s", f"<= {TIME_TARGET_S}"),
                                                          ("read memory", "MB", f"<= {MEMORY_TARGET_MB}"),
                                                          ("tree memory", "MB", None))):
                value = ours[index]
                figure(f"{name} ({len(data) / 1e6:.1f} MB): {what}", value, unit,
                       ratio=value / reference[index] if reference else None,
                       target=target, met=None if target is None else value <= float(target[3:]),
                       note=(f"reference {reference[index]:.1f} {unit}, {reference[3]!r}; "
                             if reference else "") + f"ours {ours[3]!r}")
            path.unlink()


if __name__ == "__main__":
    main()
