"""Measure forecaster settings on the bundled series: LSTM test RMSE against the baselines.

    python bench/forecast_defaults.py                 # the default ForecastConfig on every bundled series
    python bench/forecast_defaults.py --sweep         # one-setting-at-a-time variations around the defaults
    python bench/forecast_defaults.py --seeds 7,1,2   # repeat each run with several seeds

Every row is one train_forecaster run: the series, the settings changed from the defaults, the
LSTM's test RMSE, the seasonal naive and best baseline test RMSE on the same test points, the ratio
LSTM / best baseline (below 1 beats every baseline) and the fit time. Timings are noisy on a busy
machine; the RMSEs are reproducible (same seed, same numbers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.config import ForecastConfig  # noqa: E402
from models.data import bundled_samples, load_series  # noqa: E402
from models.errors import LabError  # noqa: E402

# Variations tried one at a time around the defaults (name -> changes).
SWEEP: dict[str, dict] = {
    "defaults": {},
    "transform=log": {"transform": "log"},
    "transform=none": {"transform": "none"},
    "transform=diff": {"transform": "diff"},
    "look_back=13": {"look_back": 13},
    "look_back=24": {"look_back": 24},
    "units=16": {"units": 16},
    "units=64": {"units": 64},
    "epochs=30": {"epochs": 30},
    "epochs=120": {"epochs": 120},
    "lr=0.001": {"learning_rate": 0.001},
    "lr=0.01": {"learning_rate": 0.01},
    "batch=8": {"batch_size": 8},
    "batch=32": {"batch_size": 32},
    # combinations
    "e120": {"epochs": 120},
    "e120+u64": {"epochs": 120, "units": 64},
    "diff+e120": {"transform": "diff", "epochs": 120},
    "diff+e120+u64": {"transform": "diff", "epochs": 120, "units": 64},
    "diff+e100+lr.01": {"transform": "diff", "epochs": 100, "learning_rate": 0.01},
    "diff+e150+lr.01": {"transform": "diff", "epochs": 150, "learning_rate": 0.01},
    "diff+e100+lr.01+u64": {"transform": "diff", "epochs": 100, "learning_rate": 0.01, "units": 64},
    "diff+e100+lr.01+lb13": {"transform": "diff", "epochs": 100, "learning_rate": 0.01, "look_back": 13},
    "logd+e100+lr.01": {"transform": "log_diff", "epochs": 100, "learning_rate": 0.01},
}


def run_one(series, config: ForecastConfig) -> dict:
    from models.train.forecaster import train_forecaster

    started = time.perf_counter()
    result = train_forecaster(config, series)
    metrics = result.metrics
    baselines = {
        name: scores.test_rmse
        for name, scores in metrics.baselines.items()
        if scores.test_rmse is not None
    }
    best = min(baselines, key=baselines.get)
    return {
        "lstm": metrics.network.test_rmse,
        "seasonal": metrics.models["seasonal_naive"].test_rmse,
        "best_name": best,
        "best": baselines[best],
        "fit": result.fit_seconds,
        "total": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sweep", action="store_true", help="try one-at-a-time variations of the defaults")
    parser.add_argument("--series", default="", help="comma-separated bundled series (default: all)")
    parser.add_argument("--seeds", default="7", help="comma-separated seeds (default 7)")
    parser.add_argument("--only", default="", help="comma-separated sweep entries to run (with --sweep)")
    args = parser.parse_args(argv)

    samples = bundled_samples()
    names = [name for name in args.series.split(",") if name] or list(samples)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    variations = SWEEP if args.sweep else {"defaults": {}}
    if args.only:
        variations = {name: SWEEP[name] for name in args.only.split(",")}
    print(f"defaults: {ForecastConfig().to_dict()}")
    print(
        f"{'series':<22}{'settings':<16}{'LSTM':>9}{'seas.naive':>11}{'best baseline':>26}"
        f"{'LSTM/best':>10}{'fit s':>7}"
    )
    for name in names:
        series = load_series(samples[name].path, name=name)
        for label, changes in variations.items():
            try:
                runs = [run_one(series, ForecastConfig(**changes, seed=seed)) for seed in seeds]
            except LabError as error:
                print(f"{name:<22}{label:<16}  error: {error}", flush=True)
                continue
            lstm = statistics.mean(run["lstm"] for run in runs)
            seasonal = runs[0]["seasonal"]
            best = runs[0]["best"]
            spread = f"±{statistics.stdev(run['lstm'] for run in runs):.1f}" if len(runs) > 1 else ""
            print(
                f"{name:<22}{label:<16}{lstm:>9.2f}{spread:<6}"
                f"{'-' if seasonal is None else f'{seasonal:.2f}':>9}"
                f"{runs[0]['best_name'] + ' ' + f'{best:.2f}':>22}{lstm / best:>10.3f}"
                f"{statistics.mean(run['fit'] for run in runs):>7.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
