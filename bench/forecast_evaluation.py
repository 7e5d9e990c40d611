"""A default airline run with every baseline, the backtest and the prediction intervals, end to end.

Measures, in fresh processes (cold, as the CLI pays it), the whole ``train_forecaster`` call and its
parts: the network's fit, and everything after it (baselines one step ahead, backtest, calibration of
the intervals, which trains a second network on the training part less its tail). Target: well under
a minute on 2 cores. Usage: ``.venv/bin/python bench/forecast_evaluation.py [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CHILD_ENV, ROOT, figure  # noqa: E402

CHILD = """
import json, time
started = time.perf_counter()
from models.config import ForecastConfig
from models.data import load_series, sample_path
from models.train.forecaster import train_forecaster
series = load_series(sample_path("airline"))
loaded = time.perf_counter()
result = train_forecaster(ForecastConfig(), series)
done = time.perf_counter()
print(json.dumps({"total": done - loaded, "fit": result.fit_seconds, "imports": loaded - started,
                  "network_backtest_rmse": result.summary.backtest.metrics["network"].rmse}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    runs = []
    for _ in range(args.rounds):
        out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env={**os.environ, **CHILD_ENV},
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    total = statistics.median(run["total"] for run in runs)
    fit = statistics.median(run["fit"] for run in runs)
    figure("airline default run, all baselines + backtest + intervals", total, "s",
           target="< 60 s", met=total < 60)
    figure("of which the network's own fit", fit, "s")
    figure("of which everything after the fit", total - fit, "s")
    figure("imports before the run", statistics.median(run["imports"] for run in runs), "s")
    print(json.dumps({"runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
