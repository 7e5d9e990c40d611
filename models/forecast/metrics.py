"""Forecast and classification scores: NumPy arrays in, a finite float or None out.

None means "not defined here" (for example MAPE when every target is zero); a score is never NaN or
infinite, so it can go straight into JSON, the run store and the pages.

* RMSE, MAE: in the units of the series (RMSE computed so that it neither underflows nor overflows).
* MAPE: mean absolute percentage error in percent, over the targets that are not zero (a zero
  target has no percentage error).
* sMAPE: symmetric MAPE in percent (0..200): 200 * |f - a| / (|a| + |f|), skipping pairs where both
  are zero.
* MASE: MAE divided by the in-sample MAE of the seasonal naive forecast on the training part
  (lag = season length, or lag 1 when there is no season). Below 1 beats that naive forecast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from models.results import finite_or_none
from models.summaries import HorizonScores

P = ParamSpec("P")
R = TypeVar("R")


def _quiet(function: Callable[P, R]) -> Callable[P, R]:
    """Overflow becomes None through finite_or_none; NumPy need not warn about it on the way."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return function(*args, **kwargs)

    return wrapper


def _pair(actual: ArrayLike, predicted: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    if actual.shape != predicted.shape:
        raise ValueError(f"actual {actual.shape} and predicted {predicted.shape} differ in length.")
    return actual, predicted


@_quiet
def rmse(actual: ArrayLike, predicted: ArrayLike) -> float | None:
    """Root mean squared error; None for no targets."""
    actual, predicted = _pair(actual, predicted)
    if actual.size == 0:
        return None
    errors = predicted - actual
    value = np.sqrt(np.mean(errors**2))
    if not 1e-150 < value < 1e150 and errors.any():
        # Squares of errors below 1e-154 underflow to 0 (and above 1e154 overflow): an RMSE of 0 beside
        # a non-zero MAE. Scaled by the largest error first they cannot; normal sizes keep the plain sum,
        # which the reproduction script repeats digit for digit.
        largest = np.max(np.abs(errors))
        value = largest * np.sqrt(np.mean((errors / largest) ** 2))
    return finite_or_none(value)


@_quiet
def mae(actual: ArrayLike, predicted: ArrayLike) -> float | None:
    """Mean absolute error; None for no targets."""
    actual, predicted = _pair(actual, predicted)
    if actual.size == 0:
        return None
    return finite_or_none(np.mean(np.abs(predicted - actual)))


@_quiet
def mape(actual: ArrayLike, predicted: ArrayLike) -> float | None:
    """Mean absolute percentage error in percent over non-zero targets; None if all are zero."""
    actual, predicted = _pair(actual, predicted)
    keep = actual != 0
    if not keep.any():
        return None
    return finite_or_none(100.0 * np.mean(np.abs((predicted[keep] - actual[keep]) / actual[keep])))


@_quiet
def smape(actual: ArrayLike, predicted: ArrayLike) -> float | None:
    """Symmetric MAPE in percent (0..200), skipping pairs where actual and predicted are both zero."""
    actual, predicted = _pair(actual, predicted)
    denominator = np.abs(actual) + np.abs(predicted)
    keep = denominator > 0
    if not keep.any():
        return None
    return finite_or_none(200.0 * np.mean(np.abs(predicted[keep] - actual[keep]) / denominator[keep]))


@_quiet
def naive_scale(train_values: ArrayLike, season_length: int | None = None) -> float | None:
    """In-sample MAE of the seasonal naive forecast on the training part (lag 1 without a season).

    None when the training part is too short for the lag or the naive forecast is perfect (scale 0).
    """
    train_values = np.asarray(train_values, dtype=np.float64).ravel()
    lag = season_length if season_length and season_length > 1 else 1
    if train_values.size <= lag:
        return None
    scale = float(np.mean(np.abs(train_values[lag:] - train_values[:-lag])))
    return scale if scale > 0 and np.isfinite(scale) else None


def mase(actual: ArrayLike, predicted: ArrayLike, train_values: ArrayLike,
         season_length: int | None = None) -> float | None:
    """Mean absolute scaled error: MAE / naive_scale(train_values, season_length)."""
    error = mae(actual, predicted)
    scale = naive_scale(train_values, season_length)
    if error is None or scale is None:
        return None
    return finite_or_none(error / scale)


def forecast_scores(
    actual: ArrayLike, predicted: ArrayLike, train_values: ArrayLike, season_length: int | None = None
) -> HorizonScores:
    """All forecast scores at once: rmse, mae, mape, smape, mase."""
    return HorizonScores(rmse=rmse(actual, predicted), mae=mae(actual, predicted),
                         mape=mape(actual, predicted), smape=smape(actual, predicted),
                         mase=mase(actual, predicted, train_values, season_length))


def accuracy(labels: ArrayLike, predicted_labels: ArrayLike) -> float | None:
    """Share of labels predicted correctly (0..1); None for no labels."""
    labels = np.asarray(labels).ravel()
    predicted_labels = np.asarray(predicted_labels).ravel()
    if labels.shape != predicted_labels.shape:
        raise ValueError("labels and predictions differ in length.")
    if labels.size == 0:
        return None
    return finite_or_none(np.mean(labels == predicted_labels))
