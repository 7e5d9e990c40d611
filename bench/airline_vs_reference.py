"""Airline seed configuration: our core's fit time and test RMSE against the seed article's program.

    .venv/bin/python bench/airline_vs_reference.py              # 3 rounds (about 5 minutes)
    .venv/bin/python bench/airline_vs_reference.py --rounds 5

The seed configuration: look-back 1, LSTM(4), Dense(1), Adam(0.001), MSE, batch size 1, 100 epochs,
95 training windows. Each round runs, each in a fresh Python process (so both pay the same cold
start: TensorFlow start-up, graph tracing and, for ours, the XLA compile of the step loop):

* ours: ``models.train.forecaster.train_forecaster(FORECAST_PRESETS["seed"], series)``, the lab's fast
  path (``fit_fast``), fit seconds as the core measures them; then a second fit in the same process
  (what a warm worker pays for its next run);
* reference: ``bench/reference/seed_airline.py``'s ``main()``, its ``model.fit`` seconds, run twice in
  one process the same way, so the warm ratio compares a second fit with a second fit.

Like with like: the cold ratio pairs the first fits, the warm ratio the second fits. Ours is timed
cold twice: with the machine's compile cache (``models.train.fastfit.COMPILE_CACHE``, which the
earlier rounds filled, as any earlier run on the machine does) and with an empty one (a machine's
very first run: XLA compiles the loop). Target: 0.05 for each.

The order alternates across rounds (ours first in odd rounds) so the machine's load hits both
alike; the seconds are medians over the rounds and the ratio is the median of the rounds' own
ratios (each round's pair ran back to back, under about the same load; the ratio of the medians is
printed alongside). Test RMSE is in passengers: ours on all 48 test
months with a scaler fitted on the training part only; the reference's on its 46 test targets
with its scaler fitted on the whole series (it sees the test part's range, a leak).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REFERENCE, alternating_rounds, figure, median, paired_figure, python  # noqa: E402

TARGET = 0.05  # ours / reference fit seconds
# Our seed preset's test RMSE before the training loop's second speed step (commit 560ee2c): the same
# mathematics must give the same number.
SEED_RMSE = 49.96654110005427
RMSE_TOLERANCE = 1e-4  # relative


def child(fresh_cache: bool = False) -> int:
    """Train the seed preset twice in this (fresh) process; print one JSON line. ``fresh_cache``: with
    an empty compile cache (as on a machine's very first run), else the machine's own."""
    if fresh_cache:
        import os
        import tempfile

        os.environ["TMPDIR"] = tempfile.mkdtemp(prefix="empty-compile-cache-")
        tempfile.tempdir = None  # models.train.fastfit puts its compile cache under the new TMPDIR
    from models.config import FORECAST_PRESETS
    from models.data import bundled_samples, load_series
    from models.train.forecaster import train_forecaster

    series = load_series(bundled_samples()["airline-passengers"].path)
    started = time.perf_counter()
    cold = train_forecaster(FORECAST_PRESETS["seed"], series)
    cold_total = time.perf_counter() - started
    warm = train_forecaster(FORECAST_PRESETS["seed"], series)
    print(json.dumps({
        "fit_seconds": cold.fit_seconds,
        "total_seconds": cold_total,  # fit + predictions, baselines, scores, artifacts
        "warm_fit_seconds": warm.fit_seconds,
        "test_rmse": cold.metrics.network.test_rmse,
        "n_test_targets": cold.summary.n_test,
    }))
    return 0


def reference_child() -> int:
    """The reference program's ``main()`` twice in this (fresh) process; print one JSON line."""
    import importlib.util

    del sys.argv[1:]  # the reference reads its epochs from sys.argv when it is loaded
    spec = importlib.util.spec_from_file_location("seed_airline", REFERENCE / "seed_airline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cold_fit, _, cold_rmse = module.main()
    warm_fit, _, _ = module.main()
    print(json.dumps({"fit_seconds": cold_fit, "warm_fit_seconds": warm_fit, "test_rmse": cold_rmse,
                      "n_test_targets": 46}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of ours + reference (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fresh-cache", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reference-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.fresh_cache)
    if args.reference_child:
        return reference_child()

    ours_command = python(str(Path(__file__).resolve()), "--child")
    fresh_command = python(str(Path(__file__).resolve()), "--child", "--fresh-cache")
    reference_command = python(str(Path(__file__).resolve()), "--reference-child")
    ours, reference = alternating_rounds(args.rounds, ours_command, reference_command, "fit_seconds", "s")
    fresh, fresh_reference = alternating_rounds(args.rounds, fresh_command, reference_command, "fit_seconds",
                                                "s")
    rounds = f"median of {args.rounds} rounds"
    for name, mine, theirs in (("cold process, compile cache kept", ours, reference),
                               ("cold process, empty compile cache", fresh, fresh_reference)):
        paired_figure(f"airline seed fit, ours ({name})", mine, theirs, "fit_seconds", "s", TARGET, rounds,
                      f"reference's first fit {median([run['fit_seconds'] for run in theirs]):.2f} s in its "
                      "own fresh process")
    reference_fit = median([run["fit_seconds"] for run in reference])
    figure("airline seed fit, reference model.fit", reference_fit, "s", ratio=1.0, note=rounds)
    paired_figure("airline seed fit, ours (second fit in the same process)", ours, reference,
                  "warm_fit_seconds", "s", TARGET, rounds,
                  "against the reference's second fit in its own process")
    figure("airline seed fit, reference model.fit (second fit in the same process)",
           median([run["warm_fit_seconds"] for run in reference]), "s", ratio=1.0, note=rounds)
    figure("airline seed run total, ours (fit + predictions, baselines, scores, artifacts)",
           median([run["total_seconds"] for run in ours]), "s",
           note=f"{rounds}; no ratio: the reference has no such steps")

    ours_rmse = median([run["test_rmse"] for run in ours])
    reference_rmse = median([run["test_rmse"] for run in reference])
    reference_range = (f"{min(run['test_rmse'] for run in reference):.1f}-"
                       f"{max(run['test_rmse'] for run in reference):.1f}")
    unchanged = all(abs(run["test_rmse"] / SEED_RMSE - 1) <= RMSE_TOLERANCE for run in ours + fresh)
    figure(f"airline seed test RMSE, ours ({ours[0]['n_test_targets']} test months, train-only scaler)",
           ours_rmse, "passengers", ratio=ours_rmse / reference_rmse, digits=7,
           target=f"{SEED_RMSE:.4f} within {RMSE_TOLERANCE:g} relative", met=unchanged,
           note="seeded: the same in every round and process")
    figure(f"airline seed test RMSE, reference ({reference[0]['n_test_targets']} test targets, "
           "whole-series scaler)", reference_rmse, "passengers", ratio=1.0, digits=4,
           note=f"median; range {reference_range} over {args.rounds} rounds (unseeded shuffle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
