"""``python -m models forecast``: train a forecaster on a CSV file or a bundled sample, headless.

Settings start from the default configuration (or ``--preset``); every option given explicitly
overrides it. ``--json`` prints one JSON object on stdout; otherwise a short table. TensorFlow is
imported only when a run actually trains, and its logging never reaches stdout.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from models.cli import common as cli_common
from models.config import FORECAST_PRESETS, ForecastConfig
from models.engine import workload
from models.errors import ConfigError, DataError
from models.forecast.report import ForecastReport
from models.knobs import FORECAST_KNOBS
from models.summaries import HorizonScores, ModelScores, with_network_alias
from models.vocabulary import BASELINES, NETWORK_KEY, cell_name, fit_phrase

# argparse destination -> ForecastConfig field, for the options that override the preset.
_OVERRIDES = {
    "mode": "mode",
    "look_back": "look_back",
    "units": "units",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "cell": "cell",
    "layers": "layers",
    "dropout": "dropout",
    "ensemble": "ensemble",
    "strategy": "strategy",
    "learning_rate": "learning_rate",
    "optimizer": "optimizer",
    "test_fraction": "test_fraction",
    "transform": "transform",
    "headroom": "headroom",
    "season_length": "season_length",
    "forecast_steps": "forecast_steps",
    "test_size": "test_size",
    "horizon": "horizon",
    "stride": "stride",
    "seed": "seed",
    "time": "time_column",
    "target": "target_column",
}
_METRIC_ROWS = ((NETWORK_KEY, None), *((key, short) for key, (_, short) in BASELINES.items()))


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register the ``forecast`` subcommand."""
    defaults = ForecastConfig()
    parser = subparsers.add_parser(
        "forecast",
        help="train a recurrent forecaster on a time series and compare it with naive baselines",
        description=(
            "Train an LSTM/GRU/RNN forecaster on one column of a CSV file (or a bundled sample), test it on "
            "the last part of the series, and compare it with naive baselines scored on the same points. "
            "Settings start from the defaults (or --preset); options given explicitly override them."
        ),
    )
    source = parser.add_argument_group("data")
    source.add_argument("--csv", metavar="PATH", help="CSV file with a time column and a numeric column")
    source.add_argument(
        "--sample",
        metavar="NAME",
        help="a bundled series instead of --csv: airline-passengers, sunspots-yearly, "
        "nile-flow, electrical-equipment (a unique prefix is enough)",
    )
    source.add_argument("--target", metavar="COL", help="column to forecast (default: the first numeric one)")
    source.add_argument("--time", metavar="COL", help="time column (default: detected)")
    source.add_argument("--sheet", metavar="NAME",
                        help="sheet of a workbook given with --csv (default: the first)")

    model = parser.add_argument_group("network")
    model.add_argument(
        "--preset",
        choices=sorted(FORECAST_PRESETS),
        help="start from a named configuration: 'seed' is the seed article's program "
        "(look-back 1, LSTM(4), 100 epochs, batch 1, no transform); 'quick' trains briefly",
    )
    for name in ("mode", "cell", "look_back", "units", "layers", "dropout", "ensemble", "strategy"):
        FORECAST_KNOBS[name].add_flag(model, getattr(defaults, name))

    training = parser.add_argument_group("training")
    for name in ("epochs", "batch_size", "optimizer", "learning_rate", "seed"):
        FORECAST_KNOBS[name].add_flag(training, getattr(defaults, name))

    evaluation = parser.add_argument_group("evaluation")
    for name in ("test_fraction", "test_size", "horizon", "stride", "transform", "headroom", "season_length",
                 "forecast_steps"):
        FORECAST_KNOBS[name].add_flag(evaluation, getattr(defaults, name))

    output = parser.add_argument_group("output")
    output.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of a table"
    )
    output.add_argument(
        "--background",
        action="store_true",
        help="queue the run in the run store and return its id at once "
        "(follow it with `python -m models runs show ID`)",
    )
    parser.set_defaults(func=run)
    return parser


def config_from_args(args: argparse.Namespace) -> ForecastConfig:
    """The preset (or the defaults) with every explicitly given option applied; ConfigError if invalid."""
    base = FORECAST_PRESETS[args.preset] if args.preset else ForecastConfig()
    return cli_common.config_from_args(args, base, _OVERRIDES)


def read_source(args: argparse.Namespace) -> tuple[bytes, str]:
    """The data file's bytes and a display name, from --csv or --sample (exactly one of them)."""
    if bool(args.csv) == bool(args.sample):
        raise ConfigError("Give exactly one data source: --csv PATH or --sample NAME.")
    if args.sample:
        from models.data import sample_path

        if getattr(args, "sheet", None):
            raise ConfigError("--sheet goes with --csv: the bundled samples are CSV files.")
        path = sample_path(args.sample)
        return path.read_bytes(), path.stem
    path = Path(args.csv)
    if not path.is_file():
        raise DataError(f"There is no file at {args.csv}: check the path.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"The file {args.csv} cannot be read ({error.strerror}).") from error
    if getattr(args, "sheet", None):
        from models.data import sheet_as_csv

        data = sheet_as_csv(data, args.sheet)  # the run (here or in a worker) reads that sheet's rows
    return data, path.name


def run(args: argparse.Namespace) -> int:
    """Train (or queue with --background) and print the result; returns the exit code."""
    config = config_from_args(args)
    data, name = read_source(args)
    if args.background:
        return cli_common.submit_background(config, data, name, args.json)

    from models.data import load_series, reading_sentence

    series = load_series(data, time_column=config.time_column, target_column=config.target_column, name=name)
    # Before TensorFlow: refuse over-limit runs at once.
    workload.plan_run(config, series.values, series.season_length)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    from models.train.forecaster import forecast_run  # heavy: imported only when training

    report, fitted = forecast_run(config, series)
    fit_seconds = round(fitted.seconds, 3)
    document = result_document(report, config, fitted.history, fit_seconds)
    document["reading"] = reading_sentence(series)  # the time column, the target, what was skipped
    if args.json:
        print(json.dumps(document))
    else:
        print(document["reading"])
        print(format_table(report, fitted.history, fit_seconds))
    return 0


# The summary's facts the JSON document carries at its top level, under their own names.
_FACTS = ("mode", "name", "target", "n_points", "n_train", "n_test", "season_length", "frequency",
          "look_back", "cell", "transform", "verdict", "verdict_kind", "best_baseline", "improvement_percent",
          "horizon", "one_step", "notes")


def result_document(report: ForecastReport, config: ForecastConfig, history: list[dict[str, Any]],
                    fit_seconds: float) -> dict[str, Any]:
    """The JSON the CLI prints: summary facts, every model's metrics, the verdict and the forecast."""
    summary = report.summary
    facts = summary.to_dict()
    document = {key: facts[key] for key in _FACTS}
    document["backtest"] = facts["backtest"]
    document["intervals"] = facts["intervals"]
    document["metrics"] = report.metrics.to_dict()
    document["fit_seconds"] = fit_seconds
    document["epochs"] = len(history)
    document["final_loss"] = history[-1]["loss"] if history else None
    # The network's forecast past the end, under its key and the old one.
    document["forecast"] = [with_network_alias({"time": time, NETWORK_KEY: value})
                            for time, value in report.predictions.forecast()]
    document["config"] = config.to_dict()
    return document


def format_table(report: ForecastReport, history: list[dict[str, Any]], fit_seconds: float) -> str:
    """A short human-readable report: data facts, a metrics table, the verdict, the time taken."""
    summary = report.summary
    season = summary.season_length
    frequency = f" ({summary.frequency})" if summary.frequency else ""
    lines = [
        f"{summary.name} ({summary.target}): {summary.n_points} points, "
        f"{summary.n_train} train / {summary.n_test} test, "
        f"season {season if season else 'none'}{frequency}",
        "",
        f"{'model':<16}{'train RMSE':>12}{'test RMSE':>12}{'test MAE':>12}{'test MAPE %':>13}"
        f"{'test MASE':>11}{'backtest RMSE':>15}{'MAPE %':>9}",
    ]
    model_name = cell_name(summary.cell)
    backtest = summary.backtest.metrics if summary.backtest else {}
    for key, title in _METRIC_ROWS:
        if key not in report.metrics.models and key not in backtest:
            continue
        scores, ahead = report.metrics.models.get(key, ModelScores()), backtest.get(key, HorizonScores())
        lines.append(
            f"{title or model_name:<16}{_number(scores.train_rmse):>12}{_number(scores.test_rmse):>12}"
            f"{_number(scores.test_mae):>12}{_number(scores.test_mape):>13}"
            f"{_number(scores.test_mase, 3):>11}{_number(ahead.rmse):>15}{_number(ahead.mape):>9}"
        )
    if summary.backtest and summary.horizon:
        origins = len(summary.backtest.origins)
        lines.append(f"(test: one step ahead; backtest: {summary.horizon} steps ahead from {origins} "
                     f"origin{'' if origins == 1 else 's'} in the test part)")
    lines += ["", summary.verdict, f"Network: {fit_phrase(summary.mode, len(history), fit_seconds)}."]
    forecast = report.predictions.forecast()
    if forecast:
        lines.append(f"Forecast {forecast[0][0]} .. {forecast[-1][0]}: "
                     + ", ".join(_number(value) for _, value in forecast))
    return "\n".join(lines)


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    if 0 < abs(value) < 10**-digits:  # a series in thousandths would print 0.00 for every model
        return f"{value:.3g}"
    return f"{value:.{digits}f}"
