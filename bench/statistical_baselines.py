"""Statistical baselines: statsforecast's import cost, first-fit (compile) cost and fit times.

    .venv/bin/python bench/statistical_baselines.py              # 3 fresh processes (~30 s)
    .venv/bin/python bench/statistical_baselines.py --rounds 5

Each round is a fresh process, so the import and the first fit pay every one-time cost (compiled
extensions loading, any just-in-time compilation). In it: seconds to import ``statsforecast.models``;
for ETS, Theta and ARIMA on the airline sample's 96 training months (season 12), the first fit, the
second fit (their difference is what the first fit compiles or warms up) and the median of five
more; the 48 one-step test forecasts (one forward run per target) and the rolling-origin backtest
(h = 12, 4 origins); the interval calibration (a second fit on the training part minus its tail,
then 32 forward runs). Then the whole evaluation as the trainer would run it on the airline sample:
all baselines fitted, one-step forecasts, backtest, intervals. Last, the fit time of each model on
every bundled sample (training part at the default test fraction). Medians over rounds; every line
states its target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import figure, median, python, run_child  # noqa: E402

MODELS = ("ets", "theta", "arima")
N_TRAIN = 96  # airline: 96 training months, 48 test months
FIT_TARGET = 2.0  # seconds: a statistical baseline slower than this on 96 points is left out


def _timed(function, *arguments, **keywords):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*arguments, **keywords)
    return time.perf_counter() - start, result


def _fit(model_class, season_length, train):
    return model_class(season_length).fit(train)


def child() -> None:
    """One fresh process: print one JSON line of timings (seconds)."""
    started = time.perf_counter()
    import statsforecast.models  # noqa: F401  (the import itself is what is measured)

    import_seconds = time.perf_counter() - started

    from models.data import bundled_samples, load_series
    from models.forecast.backtest import run_backtest
    from models.forecast.baselines import make_baselines
    from models.forecast.intervals import backtest_coverage, calibrate
    from models.forecast.split import train_size
    from models.forecast.statistical import STATISTICAL_CLASSES, make_statistical_baselines

    values = load_series("airline").values
    train = values[:N_TRAIN]
    timings: dict = {"import": import_seconds}
    for name in MODELS:
        model_class = STATISTICAL_CLASSES[name]
        first, _ = _timed(_fit, model_class, 12, train)
        second, model = _timed(_fit, model_class, 12, train)
        more = [_timed(_fit, model_class, 12, train)[0] for _ in range(5)]
        one_step, _ = _timed(model.predict, values, range(N_TRAIN, values.size))
        backtest, _ = _timed(run_backtest, values, N_TRAIN, {name: model}, season_length=12)
        calibration, _ = _timed(calibrate, train, model_class(12), horizon=12)
        timings[name] = {"first_fit": first, "second_fit": second, "fit": statistics.median(more),
                         "one_step": one_step, "backtest": backtest, "calibration": calibration}

    def whole_evaluation():
        baselines, _ = make_baselines(train, 12)
        statistical, _ = make_statistical_baselines(train, 12)
        every = {**baselines, **statistical}
        for model in every.values():
            model.predict(values, range(N_TRAIN, values.size))
        result = run_backtest(values, N_TRAIN, every,
                              season_length=12)
        calibrations = {key: calibrate(train, model, horizon=12)
                        for key, model in statistical.items()}
        return backtest_coverage(result, calibrations)

    timings["whole"], _ = _timed(whole_evaluation)
    timings["samples"] = {}
    for sample_name, sample in bundled_samples().items():
        series = load_series(sample.path)
        sample_train = series.values[: train_size(len(series), 0.33)]
        timings["samples"][sample_name] = {
            name: _timed(_fit, STATISTICAL_CLASSES[name], series.season_length, sample_train)[0]
            for name in MODELS
        } | {"points": int(sample_train.size), "season": series.season_length}
    print(json.dumps(timings), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child()
        return
    rounds = [run_child(python(__file__, "--child"), timeout=600) for _ in range(arguments.rounds)]
    print(f"# {arguments.rounds} fresh processes; airline sample, {N_TRAIN} training months, season 12",
          flush=True)
    figure("statsforecast import", median([r["import"] for r in rounds]), "s",
           target="<= 3 (paid once per worker, never by the pages)",
           met=median([r["import"] for r in rounds]) <= 3)
    for name in MODELS:
        first = median([r[name]["first_fit"] for r in rounds])
        second = median([r[name]["second_fit"] for r in rounds])
        fit = median([r[name]["fit"] for r in rounds])
        figure(f"{name} first fit", first, "s", note=f"first minus second fit {first - second:+.3f} s")
        figure(f"{name} fit", fit, "s", target=f"<= {FIT_TARGET:g}", met=fit <= FIT_TARGET)
        figure(f"{name} one-step test forecasts (48)", median([r[name]["one_step"] for r in rounds]), "s")
        figure(f"{name} backtest (h 12, 4 origins)", median([r[name]["backtest"] for r in rounds]), "s")
        figure(f"{name} interval calibration", median([r[name]["calibration"] for r in rounds]), "s")
    whole = median([r["whole"] for r in rounds])
    figure("whole evaluation, all baselines (without the network)", whole, "s", target="<= 5", met=whole <= 5)
    for sample_name, sample in rounds[0]["samples"].items():
        for name in MODELS:
            fit = median([r["samples"][sample_name][name] for r in rounds])
            figure(f"{name} fit on {sample_name} ({sample['points']} points, season {sample['season']})",
                   fit, "s", target=f"<= {FIT_TARGET:g}", met=fit <= FIT_TARGET)


if __name__ == "__main__":
    main()
