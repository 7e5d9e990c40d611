"""Conformal prediction intervals for h-step forecasts, calibrated inside the training part.

Calibration (``calibrate``) sees the training part and nothing else:

1. the last ``tail`` training points are set aside and the model is fitted on the rest;
2. from every origin in the tail it forecasts up to ``horizon`` steps, from the values before the
   origin only, and the absolute errors are collected per step ahead (only where the target is still
   inside the training part);
3. the half-width at step k for level L is the conformal quantile of those errors: the
   ceil((n + 1) L / 100)-th smallest of the n errors at that step (their largest when n is too small
   for the level). Half-widths never shrink with the step: later steps are at least as uncertain.

The bands are then drawn around the forecast of the model fitted on the *whole* training part.
Steps past the calibrated horizon get the last calibrated half-width grown like the square root of
the step (how a random walk's spread grows) and are marked as extrapolated. ``empirical_coverage``
checks the result on held-out points: the share of backtest targets that fall inside their band.

A model enters as a ``Forecaster`` (models/forecast/contract.py): its ``fit`` gives the one fitted
on the training part less its tail, whose ``forecast_many`` forecasts from every origin of the tail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.forecast.backtest import Backtest, history_at
from models.forecast.contract import Forecaster
from models.results import finite_or_none
from models.summaries import Bands

LEVELS = (80, 95)
# Calibration origins handed to a model at a time: each is a copy of the values before it, so all of a
# long tail at once (up to 3,000 origins of a 1,000-step horizon) would hold gigabytes of copies.
CALIBRATION_BATCH = 256


def default_tail(n_train: int, horizon: int) -> int:
    """Training points kept for calibration: three horizons, but at most a third of the training part
    (airline, 96 points, h = 12: 32, so 21 errors at step 12, enough for a 95% quantile)."""
    return max(0, min(3 * horizon, n_train // 3))


@dataclass(frozen=True)
class Calibration:
    """Half-widths per level and step, from h-step errors on the calibration tail.

    ``half_widths[level]`` [horizon], non-decreasing; ``n_errors`` [horizon] errors behind each step;
    ``tail_start``: the first index of the tail (the model for the errors was fitted on
    ``values[:tail_start]``); ``notes`` say where too few errors capped a level.
    """

    levels: tuple[int, ...]
    horizon: int
    half_widths: dict[int, np.ndarray]
    n_errors: tuple[int, ...]
    tail_start: int
    n_train: int
    notes: tuple[str, ...] = ()

    def widths(self, steps: int) -> tuple[dict[int, np.ndarray], np.ndarray]:
        """Half-widths [steps] per level, and a mask [steps] of the extrapolated steps (past ``horizon``)."""
        ahead = np.arange(1, steps + 1)
        extrapolated = ahead > self.horizon
        widths = {}
        for level, calibrated in self.half_widths.items():
            width = np.empty(steps)
            inside = min(steps, self.horizon)
            width[:inside] = calibrated[:inside]
            width[inside:] = calibrated[-1] * np.sqrt(ahead[inside:] / self.horizon)
            widths[level] = width
        return widths, extrapolated

    def bands(self, forecast: np.ndarray) -> Bands:
        """The bands around ``forecast`` [steps], per level."""
        forecast = np.asarray(forecast, dtype=np.float64).ravel()
        widths, extrapolated = self.widths(forecast.size)
        return Bands(levels=list(self.levels),
                     lower={str(level): (forecast - width).tolist() for level, width in widths.items()},
                     upper={str(level): (forecast + width).tolist() for level, width in widths.items()},
                     extrapolated=extrapolated.tolist(), calibrated_horizon=self.horizon)


def calibrate(
    train_values: np.ndarray, forecaster: Forecaster, horizon: int, *, levels: tuple[int, ...] = LEVELS,
    tail: int | None = None,
) -> Calibration:
    """Calibrate intervals up to ``horizon`` steps from the training part alone (see the module notes).

    ``tail`` defaults to ``default_tail``; the calibrated horizon is ``min(horizon, tail)``. ValueError
    with a plain sentence when the training part is too short to set a tail aside, or the fit fails.
    """
    train_values = np.asarray(train_values, dtype=np.float64)
    n_train = train_values.size
    tail = default_tail(n_train, horizon) if tail is None else int(tail)
    if not all(0 < level < 100 for level in levels):
        raise ValueError("Interval levels are percentages between 0 and 100.")
    if tail < 2 or n_train - tail < 2:
        raise ValueError(
            f"The training part ({n_train} points) is too short to set a calibration tail aside, so no "
            "prediction intervals can be given."
        )
    tail_start = n_train - tail
    calibrated = min(horizon, tail)
    try:
        fitted = forecaster.fit(history_at(train_values, tail_start))
    except ValueError as error:
        raise ValueError(f"The model could not be fitted for the interval calibration: {error}") from error
    errors: list[list[float]] = [[] for _ in range(calibrated)]
    origins = range(tail_start, n_train)
    counts = [min(calibrated, n_train - origin) for origin in origins]
    forecasts: list[np.ndarray] = []
    for start in range(0, len(origins), CALIBRATION_BATCH):
        batch = origins[start : start + CALIBRATION_BATCH]
        forecasts += fitted.forecast_many([history_at(train_values, origin) for origin in batch],
                                          counts[start : start + CALIBRATION_BATCH])
    for origin, steps, forecast in zip(origins, counts, forecasts, strict=True):
        forecast = np.asarray(forecast, dtype=np.float64).ravel()
        if forecast.shape != (steps,) or not np.all(np.isfinite(forecast)):
            raise ValueError("The model gave no finite forecast on the calibration tail.")
        for step, step_error in enumerate(np.abs(forecast - train_values[origin : origin + steps])):
            errors[step].append(float(step_error))
    half_widths: dict[int, np.ndarray] = {}
    notes: list[str] = []
    for level in levels:
        quantiles = []
        for step_errors in errors:
            ordered = np.sort(step_errors)
            rank = math.ceil((ordered.size + 1) * level / 100)
            quantiles.append(ordered[min(rank, ordered.size) - 1])
        half_widths[level] = np.maximum.accumulate(np.asarray(quantiles))  # [calibrated]
        short = [step + 1 for step, step_errors in enumerate(errors)
                 if math.ceil((len(step_errors) + 1) * level / 100) > len(step_errors)]
        if short:
            notes.append(
                f"Too few calibration errors for a {level}% interval from step {short[0]} on; those "
                "bands use the largest error seen and may cover less than they say."
            )
    return Calibration(levels=tuple(levels), horizon=calibrated, half_widths=half_widths,
                       n_errors=tuple(len(step_errors) for step_errors in errors), tail_start=tail_start,
                       n_train=n_train, notes=tuple(notes))


def empirical_coverage(
    calibration: Calibration, forecasts: np.ndarray, actuals: np.ndarray
) -> dict[int, float | None]:
    """Share (0..1) of ``actuals`` [K, h] inside the bands around ``forecasts`` [K, h], per level."""
    forecasts = np.atleast_2d(np.asarray(forecasts, dtype=np.float64))
    actuals = np.atleast_2d(np.asarray(actuals, dtype=np.float64))
    if forecasts.shape != actuals.shape:
        raise ValueError(f"forecasts {forecasts.shape} and actuals {actuals.shape} differ in shape.")
    if actuals.size == 0:
        return {level: None for level in calibration.levels}
    widths, _ = calibration.widths(forecasts.shape[1])
    inside = {level: np.abs(actuals - forecasts) <= width[None, :] for level, width in widths.items()}
    return {level: finite_or_none(np.mean(hits)) for level, hits in inside.items()}


def backtest_coverage(
    backtest: Backtest, calibrations: Mapping[str, Calibration]
) -> dict[str, dict[str, float | None]]:
    """JSON-ready coverage on the test part of every model with a calibration and backtest forecasts:
    ``{model: {"80": share, "95": share}}``."""
    coverage = {}
    for name, calibration in calibrations.items():
        if name in backtest.forecasts:
            shares = empirical_coverage(calibration, backtest.forecasts[name], backtest.actuals)
            coverage[name] = {str(level): share for level, share in shares.items()}
    return coverage
