"""The one contract every forecaster keeps: the network and every baseline, naive or statistical.

The backtest, the prediction intervals and the verdict take forecasters only, through this protocol:

* ``fit(train_values)``: a forecaster of the same kind fitted on ``train_values`` only, as a new
  object (the caller's forecaster stays as it was: the intervals refit on the training part less its
  calibration tail while the backtest's forecaster keeps its fit);
* ``forecast_many(histories, counts)``: each history's next ``counts[i]`` values, in one call (the
  network makes one graph call per step for all of them; a baseline forecasts them one by one), each
  forecast from its own history only;
* ``describe()``: what it is, in words.

Baselines (models/forecast/baselines.py, statistical.py) and the network
(models/train/forecaster.py: ``NetworkForecaster``) implement it; nothing checks it by attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Forecaster(Protocol):
    def fit(self, train_values: np.ndarray) -> Forecaster:
        """A forecaster of this kind fitted on ``train_values`` only (a new one)."""
        ...

    def forecast_many(self, histories: Sequence[np.ndarray], counts: Sequence[int]) -> list[np.ndarray]:
        """Forecasts [counts[i]] of the values after each of ``histories`` (original units)."""
        ...

    def describe(self) -> str:
        """What this forecaster is, in a few words."""
        ...
