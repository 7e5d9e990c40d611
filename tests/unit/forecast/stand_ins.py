"""Plain functions in the forecaster contract (models/forecast/contract.py), for the tests that spy on
what a forecaster is shown or make one fail on purpose."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Forecast = Callable[[np.ndarray, int], np.ndarray]  # forecast(history, steps) -> [steps]


class FunctionForecaster:
    """``fit(train) -> forecast`` and the fitted ``forecast(history, steps)`` as a forecaster."""

    def __init__(self, fit: Callable[[np.ndarray], Forecast], forecast: Forecast | None = None) -> None:
        self.fit_function, self.forecast = fit, forecast

    @classmethod
    def fixed(cls, forecast: Forecast) -> FunctionForecaster:
        """A forecaster that needs no fitting: every fit gives the same ``forecast``."""
        return cls(lambda train: forecast, forecast)

    def fit(self, train_values: np.ndarray) -> FunctionForecaster:
        return FunctionForecaster(self.fit_function, self.fit_function(train_values))

    def forecast_many(self, histories: Sequence[np.ndarray], counts: Sequence[int]) -> list[np.ndarray]:
        if self.forecast is None:
            raise ValueError("not fitted")
        return [self.forecast(history, count) for history, count in zip(histories, counts, strict=True)]

    def describe(self) -> str:
        return "a test's function"
