"""The rolling-origin backtest: origins, no value after an origin, scores by hand, the airline figures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.forecast.backtest import default_horizon, history_at, plan_origins, run_backtest
from models.forecast.baselines import Persistence, make_baselines
from models.forecast.statistical import make_statistical_baselines
from tests.unit.forecast.stand_ins import FunctionForecaster
from tests.unit.forecast.test_baselines import airline_values


def test_default_horizon_is_one_season_or_ten():
    assert default_horizon(12) == 12 and default_horizon(None) == 10 and default_horizon(1) == 10


def test_origins_start_at_the_training_end_and_keep_whole_horizons():
    np.testing.assert_array_equal(plan_origins(144, 96, 12), [96, 108, 120, 132])
    np.testing.assert_array_equal(plan_origins(144, 96, 12, stride=20), [96, 116])
    np.testing.assert_array_equal(plan_origins(144, 132, 12), [132])
    np.testing.assert_array_equal(plan_origins(20, 10, 3, stride=1), np.arange(10, 18))
    with pytest.raises(ValueError, match="fewer than the 12-step horizon"):
        plan_origins(100, 95, 12)
    with pytest.raises(ValueError):
        plan_origins(100, 90, 0)


def test_the_history_handed_to_a_model_is_a_read_only_copy():
    values = np.arange(10.0)
    history = history_at(values, 4)
    np.testing.assert_array_equal(history, [0, 1, 2, 3])
    with pytest.raises(ValueError):
        history[0] = 99.0
    assert values.flags.writeable


def test_no_origin_sees_a_value_after_it():
    values = np.arange(30.0) ** 1.5
    seen: list[tuple[int, float]] = []

    def spy(history, steps):
        seen.append((history.size, float(history[-1])))
        return np.full(steps, history[-1])

    result = run_backtest(values, 20, {"spy": FunctionForecaster.fixed(spy)}, horizon=4, stride=3)
    assert result.origins == (20, 23, 26)
    assert seen == [(origin, values[origin - 1]) for origin in result.origins]


def test_scores_by_hand_for_persistence():
    values = np.array([1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0])
    result = run_backtest(values, 4, {"persistence": Persistence().fit(values[:4])}, horizon=2)
    # origin 4: forecast [4, 4] for [6, 8]; origin 6: [8, 8] for [10, 12]. Errors 2, 4 both times.
    assert result.origins == (4, 6)
    np.testing.assert_array_equal(result.forecasts["persistence"], [[4, 4], [8, 8]])
    np.testing.assert_array_equal(result.actuals, [[6, 8], [10, 12]])
    scores = result.metrics["persistence"]
    assert scores.rmse == pytest.approx(np.sqrt(10.0)) and scores.mae == pytest.approx(3.0)
    assert scores.mape == pytest.approx(np.mean([100 * (2 / 6 + 4 / 8) / 2, 100 * (2 / 10 + 4 / 12) / 2]))
    assert scores.mase == pytest.approx(3.0)  # the training part's naive error is 1 per step
    assert result.by_step["persistence"] == pytest.approx([2.0, 4.0])


def test_a_failing_model_is_left_out_with_a_note_and_the_shape_is_json_ready():
    values = np.arange(1.0, 31.0)

    def broken(history, steps):
        return np.full(steps, np.nan)

    def short(history, steps):
        return np.zeros(steps - 1)

    models = {"naive": Persistence(), "broken": FunctionForecaster.fixed(broken),
              "short": FunctionForecaster.fixed(short)}
    result = run_backtest(values, 20, models, horizon=5)
    assert list(result.metrics) == list(result.by_step) == ["naive"]
    assert len(result.notes) == 2 and "broken" in result.notes[0] and "short" in result.notes[1]
    shape = json.loads(json.dumps(result.scores().to_dict()))
    assert set(shape) == {"horizon", "origins", "metrics", "by_step"}
    assert shape["horizon"] == 5 and shape["origins"] == [20, 25]
    assert set(shape["metrics"]["naive"]) == {"rmse", "mae", "mape", "smape", "mase"}
    assert len(shape["by_step"]["naive"]) == 5


def _all_baselines(values, n_train):
    baselines, _ = make_baselines(values[:n_train], 12)
    statistical, notes = make_statistical_baselines(values[:n_train], 12)
    assert notes == []
    return {**baselines, **statistical}


def test_every_airline_model_ignores_what_comes_after_each_origin():
    values = airline_values()
    models = _all_baselines(values, 96)
    changed = values.copy()
    changed[100:] = changed[100:] * 2.0 + 300.0
    original = run_backtest(values, 96, models, horizon=4,
                            stride=4, season_length=12)
    moved = run_backtest(changed, 96, models, horizon=4,
                         stride=4, season_length=12)
    for name in models:  # origins 96 and 100 (values from 100 on changed); later origins see them
        np.testing.assert_array_equal(moved.forecasts[name][0], original.forecasts[name][0], err_msg=name)
        np.testing.assert_array_equal(moved.forecasts[name][1], original.forecasts[name][1], err_msg=name)
        if name != "mean":  # the mean forecast never reads the series; the others must follow it
            assert not np.array_equal(moved.forecasts[name][-1], original.forecasts[name][-1]), name


def test_airline_twelve_months_of_1960_from_the_end_of_1959():
    """Last 12 points as the test part, h = 12 from the end of 1959: seasonal naive 10.0% MAPE,
    Theta 3.9%, ARIMA 4.2%, ETS 7.2% (AutoETS picks ETS(M,N,M) on 1949-1959)."""
    values = airline_values()
    models = _all_baselines(values, 132)
    result = run_backtest(values, 132, models,
                          horizon=12, season_length=12)
    mape = {name: scores.mape for name, scores in result.metrics.items()}
    print("1960 MAPE %:", {name: round(value, 2) for name, value in mape.items()})
    assert result.origins == (132,)
    assert mape["seasonal_naive"] == pytest.approx(9.99, abs=0.01)
    assert mape["theta"] == pytest.approx(3.92, abs=0.05)
    assert mape["arima"] == pytest.approx(4.18, abs=0.05)
    assert mape["ets"] == pytest.approx(7.21, abs=0.05)


def test_airline_default_backtest():
    """96 training months, h = 12 from 1957, 1958, 1959 and 1960's origins: RMSE averaged over origins."""
    values = airline_values()
    models = _all_baselines(values, 96)
    result = run_backtest(values, 96, models,
                          season_length=12)
    rmse = {name: scores.rmse for name, scores in result.metrics.items()}
    print("backtest RMSE (h=12, 4 origins):", {name: round(value, 2) for name, value in rmse.items()})
    assert result.horizon == 12 and result.origins == (96, 108, 120, 132)
    assert rmse["theta"] == pytest.approx(27.50, abs=0.05)
    assert rmse["ets"] == pytest.approx(40.87, abs=0.05)
    assert rmse["seasonal_naive"] == pytest.approx(39.61, abs=0.05)
    # From the training origin alone, as measured in issue 16: Theta 22.1, ETS 38.9, seasonal naive 41.5.
    first = {name: np.sqrt(np.mean((result.forecasts[name][0] - result.actuals[0]) ** 2)) for name in models}
    assert first["theta"] == pytest.approx(22.1, abs=0.05) and first["ets"] == pytest.approx(38.9, abs=0.05)
    assert first["seasonal_naive"] == pytest.approx(41.5, abs=0.05)
