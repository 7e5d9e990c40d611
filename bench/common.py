"""Helpers shared by the benchmark scripts: figure lines, child processes, medians and percentiles.

Every benchmark prints one line per figure::

    name: value unit (ratio x.xx vs reference; target <= 0.10: met)

``ratio`` is ours / reference, both measured in the same benchmark run (only ratios measured side by
side mean anything on a shared machine); ``target`` says what the figure should reach and whether it
did.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "bench" / "reference"
# What every child process gets: quiet TensorFlow, the project importable.
CHILD_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}


def figure(name: str, value: float, unit: str, *, ratio: float | None = None,
           target: str | None = None, met: bool | None = None, note: str | None = None,
           digits: int = 3) -> None:
    """Print one figure line: ``name: value unit (ratio r vs reference; target t: met|missed; note)``."""
    parts = []
    if ratio is not None:
        parts.append(f"ratio {ratio:.2f} vs reference" if ratio >= 0.1 else f"ratio {ratio:.3f} vs reference")
    if target is not None:
        parts.append(f"target {target}" + ("" if met is None else f": {'met' if met else 'missed'}"))
    if note:
        parts.append(note)
    text = f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:.0f}"
    print(f"{name}: {text} {unit}" + (f" ({'; '.join(parts)})" if parts else ""), flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))]


def paired_ratio(ours: list[dict], reference: list[dict], key: str, ours_key: str | None = None) -> float:
    """Median over rounds of ours[i][ours_key or key] / reference[i][key] (pairs run back to back)."""
    return median([mine[ours_key or key] / theirs[key] for mine, theirs in zip(ours, reference, strict=True)])


def per_round(ours: list[dict], reference: list[dict], key: str) -> str:
    """The rounds' own ratios, e.g. "0.07, 0.14, 0.10"."""
    return ", ".join(f"{mine[key] / theirs[key]:.3f}" for mine, theirs in zip(ours, reference, strict=True))


def run_child(command: list[str], timeout: float = 900.0) -> dict:
    """Run ``command`` (a Python program) from the project root; return its last JSON output line.

    Raises RuntimeError with the end of its output when it fails or prints no JSON line.
    """
    environment = {**os.environ, **CHILD_ENV}
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=timeout, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
    raise RuntimeError(f"{' '.join(command)} exited {done.returncode} without a JSON line:\n{tail}")


def python(*arguments: str) -> list[str]:
    """A command line running this interpreter (the project's virtualenv) with ``arguments``."""
    return [sys.executable, *arguments]


def paired_figure(name: str, ours: list[dict], reference: list[dict], key: str, unit: str, target: float,
                  rounds: str, extra: str = "") -> float:
    """One figure: the median of ours[key], its paired ratio to the reference (``paired_ratio``)
    against ``target`` (at most), the rounds' own ratios and ``extra``; returns the ratio."""
    ratio = paired_ratio(ours, reference, key)
    figure(name, median([run[key] for run in ours]), unit, ratio=ratio, target=f"<= {target:.2f}",
           met=ratio <= target,
           note=f"{rounds}; per round {per_round(ours, reference, key)}" + (f"; {extra}" if extra else ""))
    return ratio


def alternating_rounds(rounds: int, ours_command: list[str], reference_command: list[str], key: str,
                       unit: str) -> tuple[list[dict], list[dict]]:
    """Run ours and the reference ``rounds`` times each, in fresh processes, swapping which goes first
    every round so the machine's load hits both alike; prints one ``#`` line per round (``key``)."""
    ours: list[dict] = []
    reference: list[dict] = []
    for round_index in range(rounds):
        order = [("ours", ours_command, ours), ("reference", reference_command, reference)]
        if round_index % 2:
            order.reverse()
        for _, command, results in order:
            results.append(run_child(command))
        print(f"# round {round_index + 1}/{rounds} ({order[0][0]} first): "
              f"ours {ours[-1][key]:.2f} {unit}, reference {reference[-1][key]:.2f} {unit}", flush=True)
    return ours, reference
