"""Invertible transforms for trend and seasonality, applied before scaling (NumPy only).

``none``             z[t] = y[t]
``log``              z[t] = log y[t]                          (needs positive values)
``diff``             z[t] = y[t] - y[t-1]                     (z[0] undefined)
``log_diff``         z[t] = log y[t] - log y[t-1]             (needs positive values; z[0] undefined)
``season_diff``      z[t] = y[t] - y[t-m]                     (m the season length; z[:m] undefined)
``log_season_diff``  z[t] = log y[t] - log y[t-m]             (needs positive values)
``auto``             the default: ``season_diff`` for a seasonal series whose training part can
                     spare a season of points, else ``diff`` (chosen from the data alone, never from
                     scores; the one rule is ``auto_transform``)

A difference is taken over a *lag*: 1 step, or one season (the seasonal differencing statisticians
use for monthly and quarterly series: the network then learns how this year differs from last year).
Transformed arrays stay aligned with the series: ``z[t]`` belongs to time ``t``, and the first
``lag`` entries (undefined for differences) are NaN and never used as window inputs or targets.

Inverting a one-step prediction needs the actual value ``lag`` steps back, which is known when the
forecast for t is made; a recursive forecast past the end chains its own predictions instead.
"""

from __future__ import annotations

import sys

import numpy as np

from models.config import TRANSFORMS
from models.errors import ConfigError
from models.forecast.split import MIN_TRAIN_WINDOWS

AUTO = "auto"
_SEASONAL = ("season_diff", "log_season_diff")
_EXP_LIMIT = 700.0  # exp(709) is the largest finite float64: clip wild predictions instead of overflowing

DESCRIPTIONS = {
    "none": "the values as they are",
    "log": "the logarithm of the values (turns growing swings into even ones)",
    "diff": "the change from one step to the next (removes a trend)",
    "log_diff": "the change of the logarithm from one step to the next (relative growth; removes trend "
    "and growing swings)",
    "season_diff": "the change from the same time one season earlier (removes the season and a trend)",
    "log_season_diff": "the change of the logarithm from the same time one season earlier (growth over "
    "a season; removes the season, a trend and growing swings)",
    AUTO: "a transform chosen from the data: the change from one season earlier for a seasonal series, "
    "else the change from one step to the next",
}


def resolve(name: str, season: int | None, n_train: int | None = None, look_back: int = 1) -> str:
    """The transform a run uses: ``name`` itself, or for ``auto`` the one ``auto_transform`` picks
    for a training part of ``n_train`` points and windows of ``look_back`` values (``n_train``
    None: as if the training part could spare a season)."""
    _check_name(name)
    if name != AUTO:
        return name
    return auto_transform(season, sys.maxsize if n_train is None else n_train, look_back)


def auto_transform(season: int | None, n_train: int, look_back: int) -> str:
    """The transform ``auto`` picks: seasonal differences when the series has a ``season`` and its
    training part of ``n_train`` points can spare a season of them (MIN_TRAIN_WINDOWS windows of
    ``look_back`` values still fit after it), else step-to-step differences.

    Chosen on the validation parts of a panel of 29 real series of our corpus:
    seasonal differences cut the network's multi-step error ratio to the better of AutoETS and
    AutoTheta from 1.29 to 0.96; the log variant did less well (1.00). The reproduction script
    carries a copy of this function (models/train/forecast_script.py); a test checks that the two
    agree (tests/unit/train/test_script_templates.py).
    """
    if season is None or n_train - season - look_back < MIN_TRAIN_WINDOWS:
        return "diff"
    return "season_diff"


def offset(name: str, season: int | None = None) -> int:
    """Points at the start the transform uses up: its lag (0 without differences). A seasonal one
    whose season is not known yet (``season`` None, ``auto``) counts at least one."""
    _check_name(name)
    if name in ("none", "log"):
        return 0
    if name in _SEASONAL or name == AUTO:
        return season or 1
    return 1


def uses_log(name: str) -> bool:
    return name in ("log", "log_diff", "log_season_diff")


def check_values(name: str, values: np.ndarray, season: int | None = None, *,
                 season_known: bool = False) -> None:
    """ConfigError when ``name`` cannot be applied to ``values`` (a log of zero or negative numbers;
    with ``season_known``, a seasonal difference on a series without a season)."""
    _check_name(name)
    values = np.asarray(values, dtype=np.float64)
    if uses_log(name) and values.size and float(np.min(values)) <= 0:
        raise ConfigError(
            f"The {name} transform needs values above zero, but the series has values down to "
            f"{float(np.min(values)):g}: choose the transform none, diff or season_diff."
        )
    if season_known and name in _SEASONAL and season is None:
        raise ConfigError(f"The {name} transform needs a season length, and this series has none: set the "
                          "season length or choose the transform diff.")


def forward(name: str, values: np.ndarray, season: int | None = None) -> np.ndarray:
    """Transformed series aligned with ``values`` [N] -> [N] (the first ``offset`` entries NaN)."""
    check_values(name, values, season, season_known=True)
    values = np.asarray(values, dtype=np.float64)
    base = np.log(values) if uses_log(name) else values.copy()
    lag = offset(name, season)
    if lag == 0:
        return base
    transformed = np.full_like(base, np.nan)
    transformed[lag:] = base[lag:] - base[:-lag]
    return transformed


def invert_one_step(name: str, predicted: np.ndarray, lagged_actual: np.ndarray) -> np.ndarray:
    """Original-unit predictions from transformed one-step predictions.

    ``predicted`` [M] transformed predictions for targets t; ``lagged_actual`` [M] the actual value
    the difference starts from, y[t - offset] (unused without differences).
    """
    _check_name(name)
    predicted = np.asarray(predicted, dtype=np.float64)
    lagged = np.asarray(lagged_actual, dtype=np.float64)
    if name == "none":
        return predicted.copy()
    if name == "log":
        return _exp(predicted)
    if uses_log(name):
        return lagged * _exp(predicted)
    return lagged + predicted


def invert_path(name: str, predicted: np.ndarray, history: np.ndarray,
                season: int | None = None) -> np.ndarray:
    """Original-unit values of a recursive forecast: ``predicted`` [K] transformed steps after the
    actual values ``history`` (a difference builds on the value ``offset`` steps back, actual or
    already forecast)."""
    _check_name(name)
    predicted = np.asarray(predicted, dtype=np.float64)
    if name == "none":
        return predicted.copy()
    if name == "log":
        return _exp(predicted)
    lag = offset(name, season)
    history = np.asarray(history, dtype=np.float64)
    if history.size < lag:
        raise ValueError(f"the {name} transform needs the last {lag} values before the forecast")
    base = list(np.log(history[-lag:]) if uses_log(name) else history[-lag:])
    for step in predicted:
        base.append(base[-lag] + float(step))
    path = np.array(base[lag:], dtype=np.float64)
    return _exp(path) if uses_log(name) else path


def _exp(values: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(values, -_EXP_LIMIT, _EXP_LIMIT))


def _check_name(name: str) -> None:
    if name not in DESCRIPTIONS:
        raise ConfigError(f"Transform must be one of {', '.join(TRANSFORMS)}, got {name!r}.")
