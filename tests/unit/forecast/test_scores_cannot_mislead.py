"""Scores that cannot mislead: an RMSE that neither underflows nor overflows, no percentage against a
perfect baseline or between two negligible errors, and advice on a short series that can be followed."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import DataError
from models.forecast.metrics import forecast_scores, mae, rmse
from models.forecast.split import check_enough_points, plan_split
from models.forecast.verdict import make_verdict


@pytest.mark.parametrize("size", [1e-300, 1e-160, 1e200])
def test_the_rmse_keeps_its_size_where_the_squares_would_underflow_or_overflow(size):
    actual = np.zeros(4)
    predicted = np.array([1.0, -1.0, 2.0, -2.0]) * size
    # sqrt((1 + 1 + 4 + 4) / 4) = sqrt(2.5); the plain formula gave 0.0 (1e-300) or None (1e200)
    assert rmse(actual, predicted) == pytest.approx(np.sqrt(2.5) * size, rel=1e-12)
    assert mae(actual, predicted) == pytest.approx(1.5 * size, rel=1e-12)
    scores = forecast_scores(actual + size, predicted + size, np.arange(5) * size)
    assert scores.rmse > 0 and scores.mae > 0


def test_normal_sizes_keep_the_plain_formula_the_reproduction_script_repeats():
    actual, predicted = np.array([112.0, 118.0, 132.0]), np.array([110.5, 121.0, 129.25])
    assert rmse(actual, predicted) == float(np.sqrt(np.mean((predicted - actual) ** 2)))
    assert rmse(actual, actual) == 0.0


def test_no_percentage_against_a_baseline_without_error():
    # A constant series with one spike in the training part: persistence is exact on the test part.
    verdict = make_verdict(13320.35, {"persistence": 0.0, "mean": 380.77, "seasonal_naive": None}, horizon=10)
    assert (verdict.kind, verdict.best_baseline, verdict.percent) == ("worse", "persistence", None)
    assert verdict.facts().improvement_percent is None
    assert "%" not in verdict.text
    assert verdict.text == (
        "Repeating the last value (persistence) forecasts the test part exactly over 10 steps ahead, which "
        "no forecaster can beat: the LSTM's error (RMSE) is 13,320 against none, so no percentage is given.")


def test_two_exact_forecasts_are_a_tie_in_words():
    verdict = make_verdict(0.0, {"drift": 0.0, "mean": 3.0}, cell="gru")
    assert (verdict.kind, verdict.percent) == ("tie", None)
    assert verdict.text == ("The GRU and continuing the average trend of the training part (drift) both "
                            "forecast the test part exactly one step ahead.")


def test_errors_negligible_next_to_the_level_of_the_series_are_not_compared_in_percent():
    # A straight line at a level of a million: drift is exact up to float rounding, the network to float32.
    tie = make_verdict(3e-4, {"drift": 2e-10, "mean": 5e4}, level=1e6, horizon=12, frequency="monthly")
    assert (tie.kind, tie.percent) == ("tie", None) and "%" not in tie.text
    assert tie.text.endswith("over 12 months ahead: both errors are below a millionth of the series' size, "
                             "too small to compare in percent.")
    # Only the baseline's error is negligible: the network lost, said without a percentage.
    lost = make_verdict(5.0, {"theta": 1e-9}, level=1e6)
    assert (lost.kind, lost.percent) == ("worse", None) and "%" not in lost.text
    assert "almost exactly" in lost.text and "RMSE) is 5 against its 1e-09" in lost.text
    # Errors that are not negligible next to the level keep their percentage.
    plain = make_verdict(12.0, {"ets": 10.0}, level=500.0)
    assert plain.kind == "worse" and plain.percent == pytest.approx(-20.0)
    assert plain.text.startswith("The LSTM is 20% worse than exponential smoothing (ETS) one step ahead: ")


def test_a_look_back_of_one_is_never_told_to_shorten():
    with pytest.raises(DataError) as caught:
        check_enough_points(12, 1, 0.33)
    assert str(caught.value) == (
        "Only 12 points: with a look-back of 1 and a 33% test part the network would have 7 training "
        "windows; use a smaller test part (at most 3 points) or more data.")
    assert check_enough_points(12, 1, 3 / 12).train_windows == 8  # the advice works


def test_the_split_names_a_transform_only_when_it_uses_up_points():
    with pytest.raises(DataError) as caught:
        plan_split(12, 0.33, look_back=3, offset=0, transform_name="none", test_size=3)
    assert str(caught.value) == (
        "Only 12 points: with a look-back of 3 and a test part of 3 points the network would have 6 "
        "training windows; use a shorter look-back or more data.")
    with pytest.raises(DataError) as caught:
        plan_split(12, 0.33, look_back=1, offset=1, transform_name="diff", test_size=3)
    assert str(caught.value) == (
        "Only 12 points: with a look-back of 1, the diff transform (which uses up 1 point), and a test part "
        "of 3 points the network would have 7 training windows; use a smaller test part (at most 2 points), "
        "no differencing, or more data.")
