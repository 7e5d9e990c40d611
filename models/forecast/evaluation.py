"""Everything a forecast run is scored on once the network is fitted: every baseline one step ahead,
the multi-step backtest, prediction intervals and the verdict, all by the same rules for every model.

The network enters as a ``Forecaster`` (models/forecast/contract.py), like every baseline, so this
module needs no TensorFlow: its ``forecast_many`` forecasts from the values before each origin only,
and its ``fit`` trains a network the same way on a part of the series (the interval calibration fits
on the training part minus its tail).

On a long series the evaluation scores a bounded number of targets, the same for every model (the last
``pipeline.MAX_SCORED_TARGETS`` one-step targets of each part and the last
``backtest.MAX_BACKTEST_ORIGINS`` backtest origins; a note gives the counts), so its cost grows linearly
with the length and ``models/forecast/cost.py`` can count it against the work limit before the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.config import ForecastConfig
from models.forecast.backtest import Backtest, default_horizon, run_backtest
from models.forecast.contract import Forecaster
from models.forecast.intervals import LEVELS, Calibration, backtest_coverage, calibrate
from models.forecast.pipeline import Prepared, baseline_predictions, score_predictions, scoring_note
from models.forecast.verdict import Verdict, make_verdict
from models.summaries import Bands, ForecastMetrics, IntervalSummary
from models.vocabulary import NETWORK_KEY

INTERVAL_MODELS = (NETWORK_KEY, "ets", "theta", "arima")  # the models whose bands are kept


@dataclass(frozen=True)
class Evaluation:
    """The scores of one run. ``predictions``: time-aligned [N + K] per model, the network first."""

    predictions: dict[str, np.ndarray]
    metrics: ForecastMetrics  # one step ahead, on the same test targets
    backtest: Backtest | None  # None when the test part is shorter than the horizon
    bands: dict[str, Bands]  # model -> the bands around its forecast past the end
    test_coverage: dict[str, dict[str, float | None]]  # model -> {"80": share, "95": share}
    verdict: Verdict  # on the multi-step score (one step ahead when there is no backtest)
    one_step_verdict: Verdict
    notes: list[str] = field(default_factory=list)

    @property
    def horizon(self) -> int | None:
        return None if self.backtest is None else self.backtest.horizon

    def intervals(self) -> IntervalSummary:
        return IntervalSummary(levels=list(LEVELS), test_coverage=self.test_coverage, bands=self.bands)


def evaluate(prepared: Prepared, config: ForecastConfig, network_path: np.ndarray,
             network: Forecaster, frequency: str | None = None) -> Evaluation:
    """Score the network (``network_path``: its one-step predictions and forecast past the end,
    [N + K] original units) and every baseline on the run's split."""
    split, values, season = prepared.split, prepared.values, prepared.season_length
    n_future = config.forecast_steps
    baseline_paths, baselines, notes = baseline_predictions(prepared, n_future)
    notes = list(notes)
    bounded = scoring_note(split)
    if bounded:
        notes.append(bounded)
    predictions = {NETWORK_KEY: network_path, **baseline_paths}
    metrics = score_predictions(prepared, predictions)
    horizon = config.horizon or default_horizon(season)

    forecasters: dict[str, Forecaster] = {NETWORK_KEY: network, **baselines}
    try:
        backtest = run_backtest(values, split.n_train, forecasters, horizon=horizon, stride=config.stride,
                                season_length=season)
        notes += list(backtest.notes)
    except ValueError:
        backtest = None
        notes.append(f"The test part ({split.n_test} points) is shorter than the horizon ({horizon} steps), "
                     "so there is no multi-step score; the verdict is one step ahead.")

    calibrations: dict[str, Calibration] = {}
    train_values = values[: split.n_train]
    for name in INTERVAL_MODELS:
        if name not in forecasters:
            continue
        try:
            calibrations[name] = calibrate(train_values, forecasters[name], horizon)
        except ValueError as error:
            notes.append(f"No prediction intervals for {name}: {error}")
    for calibration in calibrations.values():
        notes += [note for note in calibration.notes if note not in notes]
    bands = {name: calibration.bands(predictions[name][split.n_points:])
             for name, calibration in calibrations.items() if n_future}
    coverage = backtest_coverage(backtest, calibrations) if backtest is not None else {}

    # The series' level: errors below a millionth of it are float rounding, too small for a percentage.
    level = float(np.max(np.abs(values)))

    def judge(model_rmse: float | None, baseline_rmses: dict[str, float | None],
              horizon: int | None = None, origins: int | None = None) -> Verdict:
        return make_verdict(model_rmse, baseline_rmses, cell=config.cell, settings=config.to_dict(),
                            season_length=season, frequency=frequency, horizon=horizon, level=level,
                            origins=origins)

    one_step_rmse = {name: scores.test_rmse for name, scores in metrics.baselines.items()}
    one_step = judge(metrics.network.test_rmse, one_step_rmse)
    if backtest is None:
        verdict = one_step
    else:
        scores = {name: entry.rmse for name, entry in backtest.metrics.items()}
        verdict = judge(scores.pop(NETWORK_KEY, None), scores, horizon=horizon, origins=len(backtest.origins))
    return Evaluation(predictions=predictions, metrics=metrics, backtest=backtest, bands=bands,
                      test_coverage=coverage, verdict=verdict, one_step_verdict=one_step, notes=notes)

