"""models.forecast.evaluation: one run's scores, with a stand-in network (no TensorFlow here).

The stand-in records every history it is handed, so the tests can check that the backtest and the
interval calibration never show a model a value after its origin, or any test value while fitting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.config import ForecastConfig
from models.data import load_series
from models.forecast.evaluation import evaluate
from models.forecast.pipeline import prepare

AIRLINE = Path(__file__).resolve().parents[3] / "data" / "airline-passengers.csv"


class StandIn:
    """A "network" that repeats the value one season ago, recording what it was shown."""

    def __init__(self) -> None:
        self.histories: list[int] = []  # lengths of the histories forecast from
        self.fitted_on: list[int] = []  # lengths of the training parts fitted on

    def forecast(self, history: np.ndarray, steps: int) -> np.ndarray:
        self.histories.append(len(history))
        return np.array([history[len(history) - 12 + (step % 12)] for step in range(steps)])

    def forecast_many(self, histories, counts) -> list[np.ndarray]:
        return [self.forecast(history, count) for history, count in zip(histories, counts, strict=True)]

    def fit(self, train_values: np.ndarray) -> StandIn:
        self.fitted_on.append(len(train_values))
        return self  # one recorder for the run's network and its refits

    def describe(self) -> str:
        return "seasonal naive, standing in for a network"


def _evaluate(config: ForecastConfig):
    values = load_series(AIRLINE).values
    prepared = prepare(config, values, 12)
    stand_in = StandIn()
    path = np.full(values.size + config.forecast_steps, np.nan)
    path[prepared.split.test_targets] = values[prepared.split.test_targets - 12]
    path[values.size:] = stand_in.forecast(values, config.forecast_steps)
    stand_in.histories.clear()
    return prepared, stand_in, evaluate(prepared, config, path, stand_in, "monthly")


def test_the_verdict_follows_the_multi_step_score_against_every_baseline():
    prepared, stand_in, result = _evaluate(ForecastConfig(mode="local", epochs=1))
    backtest = result.backtest
    assert result.horizon == 12 and backtest.origins == (96, 108, 120, 132)
    rmse = {name: scores.rmse for name, scores in backtest.metrics.items()}
    best = min((name for name in rmse if name != "network"), key=rmse.get)
    assert result.verdict.best_baseline == best and best in ("ets", "theta", "arima")
    assert "over 12 months ahead" in result.verdict.text
    one_step = {name: scores.test_rmse for name, scores in result.metrics.baselines.items()}
    assert result.one_step_verdict.best_baseline == min(one_step, key=one_step.get)
    # The stand-in is seasonal naive: both score the same over the horizon.
    assert rmse["network"] == pytest.approx(rmse["seasonal_naive"])
    assert set(result.bands) == set(result.test_coverage) == {"network", "ets", "theta", "arima"}
    assert all(len(band.lower["80"]) == 12 for band in result.bands.values())


def test_no_model_is_shown_a_value_after_its_origin_nor_fitted_on_the_test_part():
    prepared, stand_in, result = _evaluate(ForecastConfig(mode="local", epochs=1))
    n_train = prepared.split.n_train
    # Backtest: exactly the histories up to each origin. Calibration: origins inside the training part.
    backtest_histories = [length for length in stand_in.histories if length >= n_train]
    assert backtest_histories == list(result.backtest.origins)
    assert all(length < n_train for length in stand_in.histories if length not in result.backtest.origins)
    assert stand_in.fitted_on == [n_train - 32]  # the training part less its calibration tail


def test_a_test_part_shorter_than_the_horizon_falls_back_to_the_one_step_verdict():
    prepared, _, result = _evaluate(ForecastConfig(mode="local", epochs=1, test_size=8))
    assert result.backtest is None and result.verdict == result.one_step_verdict
    assert any("shorter than the horizon" in note for note in result.notes)
    assert result.test_coverage == {}
