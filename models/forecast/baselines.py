"""Naive forecasters every network must beat, with the same contract as the network (NumPy only).

Contract (beside models/forecast/contract.py's, which they keep too): ``fit(train_values)`` returns a
copy that learned from the training part only; ``predict(values, targets)``
gives the one-step-ahead forecast of each target index ``t`` from the actual values before it
(``values[:t]``, known when the forecast is made), exactly like the network's test predictions;
``forecast(values, steps)`` continues past the end of ``values`` without any new actual values;
``forecast_from(values, origin, steps)`` is the same forecast made at ``origin``, from
``values[:origin]`` only (the multi-step backtest and the interval calibration use it).
Where a baseline is not defined (a target too early for its lag) ``predict`` returns NaN there;
callers score only the defined targets and never store NaN.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Self

import numpy as np

from models.vocabulary import baseline_name

BASELINE_NAMES = ("persistence", "seasonal_naive", "drift", "mean")


class Baseline:
    """Base class: ``name`` (metrics key), ``title`` (its name in tables and sentences, from
    ``models.vocabulary``), ``lag`` (values needed)."""

    name = ""
    title = ""
    lag = 1

    def fit(self, train_values: np.ndarray) -> Self:
        """A copy of this baseline that learned from ``train_values`` only (this one stays as it was)."""
        fitted = copy.copy(self)
        fitted._learn(np.asarray(train_values, dtype=np.float64))
        return fitted

    def _learn(self, train_values: np.ndarray) -> None:
        """Set what the baseline learns from the training part (nothing for most)."""

    def forecast_many(self, histories: Sequence[np.ndarray], counts: Sequence[int]) -> list[np.ndarray]:
        """The forecaster contract's forecasts: ``forecast`` from each history."""
        return [self.forecast(history, count) for history, count in zip(histories, counts, strict=True)]

    def describe(self) -> str:
        return self.title

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """One-step-ahead forecasts [M] of ``values[targets]`` from earlier actual values."""
        raise NotImplementedError

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        """Forecasts [steps] for the points after the end of ``values``."""
        raise NotImplementedError

    def forecast_from(self, values: np.ndarray, origin: int, steps: int) -> np.ndarray:
        """Forecasts [steps] of ``values[origin : origin + steps]`` from ``values[:origin]`` only.

        ValueError when fewer than ``lag`` values come before ``origin`` or it lies past the end.
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.lag <= origin <= values.size:
            raise ValueError(
                f"The {self.name} forecast needs {self.lag} values before its origin; it got {origin}."
            )
        return self.forecast(values[:origin], steps)

    def _lagged(self, values: np.ndarray, targets: np.ndarray, lag: int) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        targets = np.asarray(targets, dtype=np.int64)
        result = np.full(targets.shape, np.nan)
        defined = targets >= lag
        result[defined] = values[targets[defined] - lag]
        return result


class Persistence(Baseline):
    """Tomorrow equals today: the last known value."""

    name = "persistence"
    title = baseline_name("persistence")

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return self._lagged(values, targets, 1)

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        return np.full(steps, float(np.asarray(values)[-1]))


class SeasonalNaive(Baseline):
    """The value one season earlier (same month last year for monthly data)."""

    name = "seasonal_naive"
    title = baseline_name("seasonal_naive")

    def __init__(self, season_length: int) -> None:
        if season_length < 2:
            raise ValueError("A seasonal naive forecast needs a season of at least 2 steps.")
        self.lag = int(season_length)

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return self._lagged(values, targets, self.lag)

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        last_season = values[-self.lag :]  # [lag]
        return last_season[np.arange(steps) % self.lag]


class Drift(Baseline):
    """The last value plus the average step of the training part (a straight trend line)."""

    name = "drift"
    title = baseline_name("drift")

    def __init__(self) -> None:
        self.slope = 0.0

    def _learn(self, train_values: np.ndarray) -> None:
        train_values = np.asarray(train_values, dtype=np.float64)
        if train_values.size >= 2:
            self.slope = float((train_values[-1] - train_values[0]) / (train_values.size - 1))

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return self._lagged(values, targets, 1) + self.slope

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        return float(np.asarray(values)[-1]) + self.slope * np.arange(1, steps + 1)


class Mean(Baseline):
    """The average of the training part, always."""

    name = "mean"
    title = baseline_name("mean")
    lag = 0

    def __init__(self) -> None:
        self.level = 0.0

    def _learn(self, train_values: np.ndarray) -> None:
        self.level = float(np.mean(np.asarray(train_values, dtype=np.float64)))

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return np.full(np.asarray(targets).shape, self.level)

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        return np.full(steps, self.level)


def make_baselines(
    train_values: np.ndarray, season_length: int | None
) -> tuple[dict[str, Baseline], list[str]]:
    """The four baselines fitted on ``train_values``, keyed by name, plus notes on any skipped.

    Seasonal naive needs a season length of at least 2 and a training part longer than one season;
    otherwise it is left out and a note says why.
    """
    train_values = np.asarray(train_values, dtype=np.float64)
    notes: list[str] = []
    baselines: dict[str, Baseline] = {"persistence": Persistence().fit(train_values)}
    if season_length is None or season_length < 2:
        notes.append(
            "No seasonal pattern is known for this series, so the seasonal naive baseline was skipped "
            "(set a season length to use it)."
        )
    elif train_values.size <= season_length:
        notes.append(
            f"The training part ({train_values.size} points) is not longer than one season "
            f"({season_length}), so the seasonal naive baseline was skipped."
        )
    else:
        baselines["seasonal_naive"] = SeasonalNaive(season_length).fit(train_values)
    baselines["drift"] = Drift().fit(train_values)
    baselines["mean"] = Mean().fit(train_values)
    return baselines, notes
