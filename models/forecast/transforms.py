"""Invertible transforms for trend and seasonality, applied before scaling (NumPy only).

``none``      z[t] = y[t]
``log``       z[t] = log y[t]                      (needs positive values)
``diff``      z[t] = y[t] - y[t-1]                 (z[0] undefined)
``log_diff``  z[t] = log y[t] - log y[t-1]         (needs positive values; z[0] undefined)

Transformed arrays stay aligned with the series: ``z[t]`` belongs to time ``t``, and the first
``offset`` entries (undefined for differences) are NaN and never used as window inputs or targets.

Inverting a one-step prediction needs the actual previous value y[t-1], which is known when the
forecast for t is made; a recursive forecast past the end chains its own predictions instead.
"""

from __future__ import annotations

import numpy as np

from models.config import TRANSFORMS
from models.errors import ConfigError

_OFFSETS = {"none": 0, "log": 0, "diff": 1, "log_diff": 1}
_EXP_LIMIT = 700.0  # exp(709) is the largest finite float64: clip wild predictions instead of overflowing

DESCRIPTIONS = {
    "none": "the values as they are",
    "log": "the logarithm of the values (turns growing swings into even ones)",
    "diff": "the change from one step to the next (removes a trend)",
    "log_diff": "the change of the logarithm from one step to the next (relative growth; removes trend "
    "and growing swings)",
}


def offset(name: str) -> int:
    """Points at the start the transform uses up (1 for differences, else 0)."""
    _check_name(name)
    return _OFFSETS[name]


def uses_log(name: str) -> bool:
    return name in ("log", "log_diff")


def check_values(name: str, values: np.ndarray) -> None:
    """ConfigError when ``name`` cannot be applied to ``values`` (a log of zero or negative numbers)."""
    _check_name(name)
    values = np.asarray(values, dtype=np.float64)
    if uses_log(name) and values.size and float(np.min(values)) <= 0:
        raise ConfigError(
            f"The {name} transform needs values above zero, but the series has values down to "
            f"{float(np.min(values)):g}: choose the transform none or diff."
        )


def forward(name: str, values: np.ndarray) -> np.ndarray:
    """Transformed series aligned with ``values`` [N] -> [N] (the first ``offset`` entries NaN)."""
    check_values(name, values)
    values = np.asarray(values, dtype=np.float64)
    base = np.log(values) if uses_log(name) else values.copy()
    if _OFFSETS[name] == 0:
        return base
    transformed = np.full_like(base, np.nan)
    transformed[1:] = np.diff(base)
    return transformed


def invert_one_step(name: str, predicted: np.ndarray, previous_actual: np.ndarray) -> np.ndarray:
    """Original-unit predictions from transformed one-step predictions.

    ``predicted`` [M] transformed predictions for targets t; ``previous_actual`` [M] the actual
    y[t-1] (used by the differencing transforms only).
    """
    _check_name(name)
    predicted = np.asarray(predicted, dtype=np.float64)
    previous = np.asarray(previous_actual, dtype=np.float64)
    if name == "none":
        return predicted.copy()
    if name == "log":
        return _exp(predicted)
    if name == "diff":
        return previous + predicted
    return previous * _exp(predicted)  # log_diff


def invert_path(name: str, predicted: np.ndarray, last_actual: float) -> np.ndarray:
    """Original-unit values of a recursive forecast: ``predicted`` [K] transformed steps after the
    last actual value ``last_actual`` (differences accumulate from it)."""
    _check_name(name)
    predicted = np.asarray(predicted, dtype=np.float64)
    if name == "none":
        return predicted.copy()
    if name == "log":
        return _exp(predicted)
    if name == "diff":
        return float(last_actual) + np.cumsum(predicted)
    return float(last_actual) * _exp(np.cumsum(predicted))  # log_diff


def _exp(values: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(values, -_EXP_LIMIT, _EXP_LIMIT))


def _check_name(name: str) -> None:
    if name not in _OFFSETS:
        raise ConfigError(f"Transform must be one of {', '.join(TRANSFORMS)}, got {name!r}.")
