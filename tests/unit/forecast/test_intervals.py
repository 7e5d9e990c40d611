"""Conformal intervals: calibrated on a tail inside the training part only, widening, coverage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.forecast.backtest import run_backtest
from models.forecast.baselines import Drift, Mean, Persistence, SeasonalNaive
from models.forecast.intervals import (
    Calibration,
    backtest_coverage,
    calibrate,
    default_tail,
    empirical_coverage,
)
from models.forecast.statistical import ETS, Theta
from tests.unit.forecast.stand_ins import FunctionForecaster
from tests.unit.forecast.test_baselines import airline_values


def test_default_tail_is_three_horizons_but_at_most_a_third():
    assert default_tail(96, 12) == 32 and default_tail(300, 12) == 36 and default_tail(5, 10) == 1


def test_calibration_uses_no_point_after_the_training_part():
    values = np.arange(60.0) * 1.1
    n_train = 40
    fitted_on: list[int] = []
    histories: list[int] = []

    def fit(train):
        fitted_on.append(train.size)

        def forecaster(history, steps):
            histories.append(history.size)
            np.testing.assert_array_equal(history, values[: history.size])
            return np.full(steps, history[-1])

        return forecaster

    calibration = calibrate(values[:n_train], FunctionForecaster(fit), horizon=5, tail=10)
    assert fitted_on == [30] and calibration.tail_start == 30
    assert histories == list(range(30, 40)) and max(histories) < n_train
    # The calibration is a function of the training part: the test part cannot change it.
    again = calibrate(np.r_[values[:n_train], np.full(20, 1e6)][:n_train], FunctionForecaster(fit), horizon=5,
                      tail=10)
    for level in calibration.levels:
        np.testing.assert_array_equal(again.half_widths[level], calibration.half_widths[level])


def test_half_widths_are_conformal_quantiles_per_step_and_never_shrink():
    # Persistence on a straight line with slope 1: the error at step k is exactly k.
    line = np.arange(50.0)
    calibration = calibrate(line, Persistence(), horizon=4, tail=20)
    assert calibration.horizon == 4 and calibration.n_errors == (20, 19, 18, 17)
    for level in (80, 95):
        np.testing.assert_allclose(calibration.half_widths[level], [1, 2, 3, 4])
    # Noisy errors: the ceil((n + 1) L)-th smallest, made non-decreasing over the steps.
    errors = [5.0, 1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0]  # at origins 20..29
    noisy = np.zeros(30)

    def fit(train):
        def forecaster(history, steps):
            origin = history.size
            return noisy[origin : origin + steps] + errors[origin - 20]
        return forecaster

    result = calibrate(noisy, FunctionForecaster(fit), horizon=1, tail=10)
    assert result.half_widths[80][0] == 9.0  # ceil(11 * 0.8) = 9th smallest of 1..10
    assert result.half_widths[95][0] == 10.0 and "95%" in result.notes[0]  # ceil(11 * 0.95) = 11 > 10


def test_steps_past_the_calibrated_horizon_are_extrapolated_and_wider():
    calibration = Calibration(levels=(80,), horizon=4, half_widths={80: np.array([1.0, 2.0, 2.0, 4.0])},
                              n_errors=(10, 9, 8, 7), tail_start=20, n_train=30)
    widths, extrapolated = calibration.widths(9)
    np.testing.assert_allclose(widths[80], [1, 2, 2, 4, 4 * np.sqrt(5 / 4), 4 * np.sqrt(6 / 4),
                                            4 * np.sqrt(7 / 4), 4 * np.sqrt(2), 4 * np.sqrt(9 / 4)])
    assert extrapolated.tolist() == [False] * 4 + [True] * 5
    bands = json.loads(json.dumps(calibration.bands(np.full(6, 10.0)).to_dict()))
    assert bands["lower"]["80"][:2] == [9.0, 8.0] and bands["upper"]["80"][3] == 14.0
    assert bands["extrapolated"] == [False] * 4 + [True] * 2 and bands["calibrated_horizon"] == 4


def test_a_training_part_too_short_for_a_tail_gives_a_plain_error():
    with pytest.raises(ValueError, match="too short to set a calibration tail aside"):
        calibrate(np.arange(3.0), Persistence(), horizon=10)
    with pytest.raises(ValueError, match="could not be fitted for the interval calibration"):
        calibrate(np.full(40, 3.0), ETS(12), horizon=12)


def test_empirical_coverage_by_hand():
    calibration = Calibration(levels=(80, 95), horizon=2,
                              half_widths={80: np.array([1.0, 2.0]), 95: np.array([2.0, 3.0])},
                              n_errors=(10, 10), tail_start=0, n_train=10)
    forecasts = np.zeros((2, 2))
    actuals = np.array([[0.5, 2.5], [1.5, -1.0]])  # inside at 80%: 0.5 and -1.0; at 95%: all four
    shares = empirical_coverage(calibration, forecasts, actuals)
    assert shares == {80: 0.5, 95: 1.0}
    assert empirical_coverage(calibration, np.zeros((0, 2)), np.zeros((0, 2))) == {80: None, 95: None}


def test_airline_intervals_and_their_coverage_on_the_test_part():
    values = airline_values()
    n_train, season = 96, 12
    fits = {"seasonal_naive": SeasonalNaive(season), "ets": ETS(season), "theta": Theta(season)}
    calibrations = {name: calibrate(values[:n_train], forecaster, horizon=season)
                    for name, forecaster in fits.items()}
    for calibration in calibrations.values():
        assert calibration.horizon == 12 and calibration.tail_start == 64 and calibration.notes == ()
        for level in (80, 95):
            assert np.all(np.diff(calibration.half_widths[level]) >= 0)
        assert np.all(calibration.half_widths[95] >= calibration.half_widths[80])
    backtest = run_backtest(values, n_train, {name: forecaster.fit(values[:n_train])
                                              for name, forecaster in fits.items()}, season_length=season)
    coverage = backtest_coverage(backtest, calibrations)
    print("airline test coverage (80%, 95%):", {name: (round(shares["80"], 2), round(shares["95"], 2))
                                                 for name, shares in coverage.items()})
    assert set(coverage) == set(fits)
    for shares in coverage.values():
        assert 0.0 <= shares["80"] <= shares["95"] <= 1.0
    json.dumps({"levels": [80, 95], "test_coverage": coverage})


def test_fit_gives_a_fresh_baseline_fitted_on_the_part_it_is_given_and_leaves_the_first_as_it_was():
    """The forecaster contract's ``fit``: the intervals refit on the training part less its tail while
    the backtest's forecaster keeps its own fit."""
    values = 100 + 10 * np.sin(np.arange(40) / 2.0) + np.arange(40)
    for baseline in (Persistence(), SeasonalNaive(4), Drift(), Mean(), ETS(4), Theta(4)):
        whole = baseline.fit(values)
        part = whole.fit(values[:30])
        assert part is not whole and part.describe()
        np.testing.assert_allclose(whole.forecast_many([values[:30]], [3])[0],
                                   whole.fit(values).forecast(values[:30], 3), err_msg=baseline.name)
        np.testing.assert_allclose(part.forecast_many([values[:30], values[:35]], [3, 2])[1],
                                   baseline.fit(values[:30]).forecast(values[:35], 2), err_msg=baseline.name)
    drift = Drift().fit(values)
    drift.fit(values[:10])
    assert drift.slope == (values[-1] - values[0]) / 39  # unchanged by the second fit
