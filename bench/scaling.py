"""How a run's cost grows with its data: fit seconds per unit of work and worker memory.

    .venv/bin/python bench/scaling.py                 # about 6 minutes
    .venv/bin/python bench/scaling.py --sizes 100,1000 --digits 1000

1. **Forecast.** A made-up monthly series (trend, a yearly season and noise, seeded) of 100, 1,000,
   10,000 and 100,000 points, the default settings with ``--epochs`` epochs (default 2: the figures
   are per epoch and per window). Each size runs in a fresh process, as a worker does: it first
   traces the default graphs (``warm_up``, as workers do when they start), then fits the network
   alone, then, up to ``--whole-max`` points, the whole run (baselines, backtest, intervals, forecast
   past the end). Printed per size: fit seconds per epoch, microseconds per unit of work (an epoch
   of one training window for one network: what ``LSTMLAB_MAX_WORK`` counts), the whole run's
   seconds and the process's peak RSS.
2. **Digits.** The default digits settings on 1,000, 4,000 and 60,000 training digits (the bundled
   digits, tiled when more are asked for), ``--epochs`` epochs: seconds per epoch, microseconds per
   digit-epoch (what ``LSTMLAB_MAX_DIGITS_WORK`` counts), peak RSS.
3. **What the work limits allow**: each default limit in ``models/limits.py`` times the per-unit
   cost at the largest size measured (where a limit binds), in minutes of training on this machine.

No reference program: the per-unit costs and how they move with size are the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import figure, python, run_child  # noqa: E402

SIZES = (100, 1_000, 10_000, 100_000)
DIGIT_COUNTS = (1_000, 4_000, 60_000)
WHOLE_MAX = 10_000  # points: larger series time the fit alone (the baselines' cost is another bench)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def made_up_series(n_points: int, seed: int = 7):
    """A monthly series of ``n_points``: level, trend, a yearly season and noise (seeded)."""
    import numpy as np
    import pandas as pd

    from models.data import Series

    rng = np.random.default_rng(seed)
    steps = np.arange(n_points)
    values = 100 + 0.05 * steps + 10 * np.sin(2 * np.pi * steps / 12) + rng.normal(0, 2, n_points)
    return Series(values=values, time_labels=[str(step + 1) for step in steps], times=None, target="value",
                  time_column=None, frequency=None, season_length=12, columns=["value"],
                  numeric_columns=["value"], notes=[], preview=pd.DataFrame({"value": values[:5]}),
                  fingerprint="made-up", name="made-up")


def forecast_child(n_points: int, epochs: int, whole: bool) -> int:
    from models.config import ForecastConfig
    from models.forecast import pipeline as forecast
    from models.train import forecaster

    config = ForecastConfig(epochs=epochs)
    forecaster.warm_up(config)
    series = made_up_series(n_points)
    prepared = forecast.prepare(config, series.values, 12)
    x, y = forecaster._training_pairs(prepared.scaled, prepared.split.train_targets, prepared.split.n_train,
                                      config.look_back, 1)
    started = time.perf_counter()
    forecaster._train_network(config, x, y, None)
    fit = time.perf_counter() - started
    whole_seconds = None
    if whole:
        started = time.perf_counter()
        forecaster.train_forecaster(config, series)
        whole_seconds = time.perf_counter() - started
    print(json.dumps({"fit": fit, "windows": len(y), "networks": config.ensemble, "whole": whole_seconds,
                      "rss_mb": _peak_rss_mb()}))
    return 0


def digits_child(count: int, epochs: int) -> int:
    import numpy as np

    from models.config import DigitsConfig
    from models.digits.data import Digits, bundled_arrays, stratified_split
    from models.train.digits import train_classifier

    images, labels = bundled_arrays()
    train, test = stratified_split(labels, 0.2, np.random.default_rng(7))
    repeat = -(-count // train.size)
    x_train = np.tile(images[train], (repeat, 1, 1))[:count]
    y_train = np.tile(labels[train], repeat)[:count]
    digits = Digits(x_train, y_train, images[test], labels[test], "bundled", "Bundled digits, tiled.")
    result = train_classifier(DigitsConfig(epochs=epochs), digits=digits)
    print(json.dumps({"seconds_per_epoch": result.summary.seconds_per_epoch, "digits": count,
                      "accuracy": result.metrics.test_accuracy, "rss_mb": _peak_rss_mb()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="series lengths")
    parser.add_argument("--digits", default=",".join(map(str, DIGIT_COUNTS)), help="training digits")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per fit (default 2)")
    parser.add_argument("--whole-max", type=int, default=WHOLE_MAX,
                        help=f"longest series timed as a whole run too (default {WHOLE_MAX:,})")
    parser.add_argument("--forecast-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--digits-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.forecast_child:
        return forecast_child(args.forecast_child, args.epochs, args.forecast_child <= args.whole_max)
    if args.digits_child:
        return digits_child(args.digits_child, args.epochs)

    from models import limits

    script = str(Path(__file__).resolve())
    per_window = []
    for size in (int(text) for text in args.sizes.split(",")):
        run = run_child(python(script, "--forecast-child", str(size), "--epochs", str(args.epochs),
                               "--whole-max", str(args.whole_max)), timeout=3600)
        units = run["windows"] * run["networks"] * args.epochs
        per_window.append(run["fit"] / units)
        whole = "" if run["whole"] is None else f"; whole run {run['whole']:.1f} s"
        figure(f"forecast fit per epoch, {size:,} points ({run['windows']:,} windows, {run['networks']} "
               "networks)", run["fit"] / args.epochs, "s",
               note=f"{1e6 * run['fit'] / units:.0f} us per window-epoch-network{whole}; "
                    f"peak RSS {run['rss_mb']:.0f} MB")
    per_digit = []
    for count in (int(text) for text in args.digits.split(",")):
        run = run_child(python(script, "--digits-child", str(count), "--epochs", str(args.epochs)),
                        timeout=3600)
        per_digit.append(run["seconds_per_epoch"] / count)
        figure(f"digits epoch, {count:,} training digits", run["seconds_per_epoch"], "s",
               note=f"{1e6 * run['seconds_per_epoch'] / count:.0f} us per digit-epoch; test accuracy "
                    f"{run['accuracy']:.3f} after {args.epochs} epochs; peak RSS {run['rss_mb']:.0f} MB")
    if per_window:
        longest = limits.DEFAULT_MAX_WORK * per_window[-1] / 60
        figure("longest forecast run the work limit allows", longest, "min",
               note=f"LSTMLAB_MAX_WORK {limits.DEFAULT_MAX_WORK:,} window-epoch-networks at "
                    f"{1e6 * per_window[-1]:.0f} us each, the cost on the longest series measured")
    if per_digit:
        longest = limits.DEFAULT_MAX_DIGITS_WORK * per_digit[-1] / 60
        figure("longest digits run the work limit allows", longest, "min",
               note=f"LSTMLAB_MAX_DIGITS_WORK {limits.DEFAULT_MAX_DIGITS_WORK:,} digit-epochs at "
                    f"{1e6 * per_digit[-1]:.0f} us each, the cost with the most digits measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
