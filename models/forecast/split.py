"""Chronological split, look-back windows and a train-only scaler (NumPy only, no leakage).

Index conventions (all functions use them):

* The series has ``n_points`` values; the first ``n_train`` are the training part, the rest the test
  part (``train_size``: 144 points with test fraction 0.33 -> 96 + 48, like the seed program).
* A *target* is an index ``t``; its input window is the ``look_back`` values just before it,
  ``values[t - look_back : t]``. Training targets all lie in the training part, so no training
  window ever sees a test value. Test targets are *all* test points; their windows may reach back
  into the training part, which is fine: those past values are known when the forecast is made.
* The scaler is fitted on the training part only, so the test range never leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.data.words import count_phrase
from models.errors import ConfigError, DataError

MIN_TRAIN_WINDOWS = 8
MIN_TEST_TARGETS = 2


@dataclass(frozen=True)
class Split:
    """Which indices are training and test targets for a given look-back.

    ``first_target``: the first index whose whole window exists (``offset + look_back``), where
    ``offset`` is the number of leading points a transform consumes (1 for differencing).
    """

    n_points: int
    n_train: int
    look_back: int
    offset: int = 0

    @property
    def n_test(self) -> int:
        return self.n_points - self.n_train

    @property
    def first_target(self) -> int:
        return self.offset + self.look_back

    @property
    def train_windows(self) -> int:
        """Training windows: inputs and target all inside the training part."""
        return max(self.n_train - self.first_target, 0)

    @property
    def train_targets(self) -> np.ndarray:
        """Indices of the training targets [n_train - first_target] (inputs and target in train)."""
        return np.arange(self.first_target, self.n_train)

    @property
    def test_targets(self) -> np.ndarray:
        """Indices of the test targets: every test point [n_test]."""
        return np.arange(self.n_train, self.n_points)


def train_size(n_points: int, test_fraction: float) -> int:
    """Points in the training part: int(round(n * (1 - test_fraction), 6)).

    Rounding to 6 decimals first removes float noise, so 144 points with test_fraction 0.33 give 96
    like the seed program's int(144 * 0.67).
    """
    return int(round(n_points * (1.0 - test_fraction), 6))


def check_enough_points(n_points: int, look_back: int, test_fraction: float) -> Split:
    """Raise DataError unless the split leaves enough windows to train and targets to score.

    Definitions (the windowing code follows them):
      train part  = the first ``train_size(n, test_fraction)`` points, test part = the rest;
      training windows = train_size - look_back (inputs and target all inside the train part);
      test targets = test_size (each test point is forecast from the ``look_back`` actual values
      before it, which for the first ones reach back into the end of the train part).
    Needs at least MIN_TRAIN_WINDOWS (8) training windows and MIN_TEST_TARGETS (2) test targets.
    """
    if isinstance(look_back, bool) or not isinstance(look_back, int) or look_back < 1:
        raise ConfigError(f"The look-back must be a whole number of at least 1, got {look_back!r}.")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ConfigError(f"The test part must be between 0% and 100% of the data, got {test_fraction!r}.")
    split = Split(n_points=n_points, n_train=train_size(n_points, test_fraction), look_back=look_back)
    train_windows, test_size = split.train_windows, split.n_test
    percent = f"{float(test_fraction) * 100:.4g}%"
    if train_windows < MIN_TRAIN_WINDOWS:
        raise DataError(
            f"Only {n_points} points: with a look-back of {look_back} and a {percent} test part the "
            f"network would have {count_phrase(train_windows, 'training window')}; use "
            f"{_remedies(split)}."
        )
    if test_size < MIN_TEST_TARGETS:
        raise DataError(
            f"Only {n_points} points: a {percent} test part holds {count_phrase(test_size, 'point')}, "
            f"too few to score a forecast; use a larger test part or more data."
        )
    return split


def plan_split(
    n_points: int, test_fraction: float, look_back: int, offset: int = 0, transform_name: str | None = None,
    test_size: int | None = None,
) -> Split:
    """The chronological split for ``look_back``; DataError when too few windows or test targets.

    ``offset`` points at the start are used up by the transform (differencing), so they cannot be
    targets or window inputs. ``test_size`` (points) replaces ``test_fraction`` when given.
    """
    if test_size is None:
        n_train = check_enough_points(n_points, look_back, test_fraction).n_train
    elif not MIN_TEST_TARGETS <= test_size < n_points:
        raise DataError(f"A test part of {test_size} points does not fit a series of {n_points} points.")
    else:
        n_train = n_points - test_size
    split = Split(n_points=n_points, n_train=n_train, look_back=look_back, offset=offset)
    windows = split.n_train - split.first_target
    if windows < MIN_TRAIN_WINDOWS:
        what = f"the {transform_name} transform" if transform_name else "the transform"
        used = f", {what} (which uses up {count_phrase(offset, 'point')})," if offset else ""
        raise DataError(
            f"Only {n_points} points: with a look-back of {look_back}{used} and a test part of "
            f"{count_phrase(split.n_test, 'point')} the network would have "
            f"{count_phrase(max(windows, 0), 'training window')}; use {_remedies(split)}."
        )
    if split.n_test < MIN_TEST_TARGETS:  # pragma: no cover - check_enough_points already refuses this
        raise DataError(f"Only {n_points} points: the test part is too small to score a forecast.")
    return split


def _remedies(split: Split) -> str:
    """What would leave MIN_TRAIN_WINDOWS training windows: a shorter look-back only when one exists
    (a look-back of 1 cannot be shortened), else a smaller test part, no differencing, more data."""
    n_points, offset, look_back = split.n_points, split.offset, split.look_back
    if look_back > 1 and split.n_train - offset - MIN_TRAIN_WINDOWS >= 1:
        remedies = ["a shorter look-back"]
    elif (most_test := n_points - offset - look_back - MIN_TRAIN_WINDOWS) >= MIN_TEST_TARGETS:
        remedies = [f"a smaller test part (at most {most_test} points)"]
    elif look_back > 1 and n_points - offset - 1 - MIN_TRAIN_WINDOWS >= MIN_TEST_TARGETS:
        remedies = ["a shorter look-back with a smaller test part"]
    else:
        remedies = []
    if offset and split.n_train - look_back >= MIN_TRAIN_WINDOWS:
        remedies.append("no differencing")
    remedies.append("more data")
    return " or ".join(remedies) if len(remedies) < 3 else f"{', '.join(remedies[:-1])}, or {remedies[-1]}"


def make_windows(values: np.ndarray, targets: np.ndarray, look_back: int) -> tuple[np.ndarray, np.ndarray]:
    """Input windows and targets for the given target indices.

    ``values`` [N] or [N, F]; returns X [M, look_back, F] (F = 1 for a 1-D series) and y [M].
    Each row is ``values[t - look_back : t]`` -> ``values[t]`` (the first feature for y).
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]  # [N, 1]
    targets = np.asarray(targets, dtype=np.int64)
    if targets.size and (targets.min() < look_back or targets.max() >= array.shape[0]):
        raise ValueError("A target index has no complete look-back window inside the series.")
    offsets = np.arange(-look_back, 0)  # [look_back]
    x = array[targets[:, None] + offsets[None, :]]  # [M, look_back, F]
    y = array[targets, 0]  # [M]
    return x, y


class MinMaxScaler:
    """Scale to [0, 1] with the minimum and maximum of the data it was fitted on (the training part).

    Test values outside the training range map outside [0, 1]; that is the honest situation of a
    forecaster meeting new levels. ``headroom`` > 1 maps the training part to [0, 1/headroom] instead,
    so a series that keeps growing stays nearer the range the network trained on. A constant training
    part gets a spread of 1 instead of 0.
    """

    def __init__(self, headroom: float = 1.0) -> None:
        if not headroom >= 1.0:
            raise ValueError("The scaler's headroom must be at least 1.")
        self.headroom = float(headroom)
        self.minimum: float | None = None
        self.maximum: float | None = None

    def fit(self, train_values: np.ndarray) -> MinMaxScaler:
        """Learn min and max from ``train_values`` only; returns self."""
        train_values = np.asarray(train_values, dtype=np.float64)
        if train_values.size == 0:
            raise ValueError("The scaler needs at least one training value.")
        self.minimum = float(np.min(train_values))
        self.maximum = float(np.max(train_values))
        return self

    def _fitted(self) -> tuple[float, float]:
        """(min, max) of the training part; ValueError when the scaler has not been fitted."""
        if self.minimum is None or self.maximum is None:
            raise ValueError("The scaler has not been fitted.")
        return self.minimum, self.maximum

    @property
    def scale(self) -> float:
        minimum, maximum = self._fitted()
        spread = maximum - minimum
        return (spread if spread > 0 else 1.0) * self.headroom

    def transform(self, values: np.ndarray) -> np.ndarray:
        """(values - min) / scale (scale: (max - min) x headroom), same shape."""
        minimum, _ = self._fitted()
        return (np.asarray(values, dtype=np.float64) - minimum) / self.scale

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        """Back to the original units, same shape."""
        minimum, _ = self._fitted()
        return np.asarray(scaled, dtype=np.float64) * self.scale + minimum


__all__ = [
    "MIN_TEST_TARGETS",
    "MIN_TRAIN_WINDOWS",
    "MinMaxScaler",
    "Split",
    "make_windows",
    "plan_split",
    "train_size",
]
