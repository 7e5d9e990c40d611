"""Scores against hand-computed values, including zeros, empty inputs and MASE."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.forecast import metrics

ACTUAL = np.array([1.0, 2.0, 4.0, 0.0])
PREDICTED = np.array([2.0, 2.0, 1.0, 1.0])


def test_rmse_and_mae_by_hand():
    # errors 1, 0, -3, 1
    assert metrics.rmse(ACTUAL, PREDICTED) == pytest.approx(math.sqrt((1 + 0 + 9 + 1) / 4))
    assert metrics.mae(ACTUAL, PREDICTED) == pytest.approx((1 + 0 + 3 + 1) / 4)


def test_mape_skips_zero_targets_and_never_returns_infinity():
    # non-zero targets: |1/1|, |0/2|, |3/4| -> mean 0.5833 -> 58.33%
    assert metrics.mape(ACTUAL, PREDICTED) == pytest.approx(100 * (1 + 0 + 0.75) / 3)
    assert metrics.mape([0.0, 0.0], [1.0, 2.0]) is None


def test_smape_by_hand():
    # 200*|f-a|/(|a|+|f|): 200/3, 0, 200*3/5, 200*1/1
    expected = (200 / 3 + 0 + 120 + 200) / 4
    assert metrics.smape(ACTUAL, PREDICTED) == pytest.approx(expected)
    assert metrics.smape([0.0, 2.0], [0.0, 2.0]) == 0.0  # the 0/0 pair is skipped
    assert metrics.smape([0.0], [0.0]) is None


def test_mase_uses_the_in_sample_seasonal_naive_scale():
    train = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    # lag 1: |2| |1| |4| |2| -> 2.25 ; lag 2: |1| |3| |2| -> 2
    assert metrics.naive_scale(train) == pytest.approx(2.25)
    assert metrics.naive_scale(train, 2) == pytest.approx(2.0)
    assert metrics.mase(ACTUAL, PREDICTED, train) == pytest.approx(1.25 / 2.25)
    assert metrics.mase(ACTUAL, PREDICTED, train, 2) == pytest.approx(1.25 / 2.0)
    assert metrics.mase(ACTUAL, PREDICTED, np.ones(5)) is None  # a perfect naive forecast: no scale
    assert metrics.naive_scale(train, 12) is None  # shorter than one season


def test_scores_are_finite_or_none():
    scores = metrics.forecast_scores([1e308, -1e308], [-1e308, 1e308], [1.0, 2.0])
    assert all(value is None or math.isfinite(value) for value in scores.to_dict().values())
    assert scores.rmse is None  # overflowed to infinity: reported as not defined
    assert metrics.rmse([], []) is None


def test_accuracy_and_length_mismatch():
    assert metrics.accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        metrics.rmse([1.0, 2.0], [1.0])
