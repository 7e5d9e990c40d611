"""Rolling-origin backtest over the test part: every model forecasts ``horizon`` steps from each origin.

Origins start at the end of the training part and move on by ``stride`` steps while a whole horizon
still fits in the series (airline, 96 + 48 points, horizon 12: origins 96, 108, 120, 132). At each
origin a model is handed only ``values[:origin]``, as a read-only copy, so it cannot see any value
after the origin however it is written. Models are fitted once beforehand (on the training part)
and are not refitted at an origin. A long test part keeps only the last ``MAX_BACKTEST_ORIGINS`` of
those origins, the same for every model (a note gives the counts): each forecast of a statistical
baseline runs over all the values before its origin, so every origin of a long series would cost the
square of its length.

A model is a ``Forecaster`` (models/forecast/contract.py): every origin's history goes to its
``forecast_many`` in one call. Scores come from ``models.forecast.metrics``
(MAPE and sMAPE in percent, MASE scaled by the seasonal naive error on the training part), computed
per origin and averaged over origins; ``by_step`` is the RMSE at each step ahead over all origins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from models.forecast.contract import Forecaster
from models.forecast.metrics import forecast_scores
from models.results import finite_or_none
from models.summaries import BacktestScores, HorizonScores

DEFAULT_HORIZON = 10  # steps, for a series without a known season
MAX_BACKTEST_ORIGINS = 100  # the last ones are kept when a long test part has more


def default_horizon(season_length: int | None) -> int:
    """One season when the series has one (12 for monthly data), else ``DEFAULT_HORIZON``."""
    return int(season_length) if season_length and season_length > 1 else DEFAULT_HORIZON


def plan_origins(n_points: int, n_train: int, horizon: int, stride: int | None = None,
                 max_origins: int | None = None) -> np.ndarray:
    """Forecast origins [K]: ``n_train``, then every ``stride`` steps (default ``horizon``) while
    ``origin + horizon <= n_points``; only the last ``max_origins`` of them when given. ValueError
    when not even one whole horizon fits in the test part.
    """
    stride = horizon if stride is None else int(stride)
    if horizon < 1 or stride < 1:
        raise ValueError("The backtest horizon and stride must be at least one step.")
    if not 0 < n_train < n_points:
        raise ValueError("The backtest needs a training part and a test part.")
    if n_train + horizon > n_points:
        raise ValueError(
            f"The test part has {n_points - n_train} points, fewer than the {horizon}-step horizon; "
            "use a shorter horizon or a larger test part."
        )
    origins = np.arange(n_train, n_points - horizon + 1, stride)
    return origins if max_origins is None else origins[-int(max_origins) :]


def history_at(values: np.ndarray, origin: int) -> np.ndarray:
    """A read-only copy of ``values[:origin]``: what a forecaster may know at ``origin``."""
    history = np.array(values[:origin], dtype=np.float64)
    history.flags.writeable = False
    return history


@dataclass(frozen=True)
class Backtest:
    """The backtest's forecasts and scores.

    ``origins`` [K]; ``actuals`` [K, horizon]; ``forecasts[model]`` [K, horizon]; ``metrics[model]``
    the scores averaged over origins (None where undefined); ``by_step[model]`` RMSE per step ahead
    [horizon]; ``notes`` say which models were left out and why.
    """

    horizon: int
    origins: tuple[int, ...]
    actuals: np.ndarray
    forecasts: dict[str, np.ndarray]
    metrics: dict[str, HorizonScores]
    by_step: dict[str, list[float | None]]
    notes: tuple[str, ...] = field(default=())

    def scores(self) -> BacktestScores:
        """What results keep of it: the horizon, origins and scores, without the forecasts."""
        return BacktestScores(horizon=self.horizon, origins=list(self.origins), metrics=dict(self.metrics),
                              by_step={name: list(errors) for name, errors in self.by_step.items()})


def run_backtest(
    values: np.ndarray,
    n_train: int,
    forecasters: Mapping[str, Forecaster],
    *,
    horizon: int | None = None,
    stride: int | None = None,
    season_length: int | None = None,
    max_origins: int | None = None,
) -> Backtest:
    """Score every forecaster ``horizon`` steps ahead (default: ``default_horizon(season_length)``)
    from each origin of ``plan_origins``, the last ``max_origins`` of them (default
    ``MAX_BACKTEST_ORIGINS``); ``season_length`` also sets the MASE scale.

    A forecaster that raises or returns anything but ``horizon`` finite numbers at some origin is
    left out of the scores, with a note, rather than scored on part of the origins.
    """
    values = np.asarray(values, dtype=np.float64)
    horizon = default_horizon(season_length) if horizon is None else int(horizon)
    planned = plan_origins(values.size, n_train, horizon, stride)
    origins = planned[-int(MAX_BACKTEST_ORIGINS if max_origins is None else max_origins) :]
    actuals = np.stack([values[origin : origin + horizon] for origin in origins])  # [K, horizon]
    train_values = values[:n_train]
    forecasts: dict[str, np.ndarray] = {}
    notes: list[str] = []
    if origins.size < planned.size:
        notes.append(f"The backtest forecasts from the last {origins.size:,} of its {planned.size:,} "
                     f"origins (from point {int(origins[0]):,} on), the same for every model: every "
                     "origin of a series this long would take hours.")
    for name, forecaster in forecasters.items():
        try:
            histories = [history_at(values, origin) for origin in origins]
            rows = [_checked(row, horizon)
                    for row in forecaster.forecast_many(histories, [horizon] * len(origins))]
        except (ValueError, ArithmeticError) as error:
            notes.append(f"The {name} forecast was left out of the backtest: {error}")
            continue
        forecasts[name] = np.stack(rows)  # [K, horizon]
    metrics = {name: _mean_scores(actuals, predicted, train_values, season_length)
               for name, predicted in forecasts.items()}
    by_step = {
        name: [finite_or_none(error) for error in np.sqrt(np.mean((predicted - actuals) ** 2, axis=0))]
        for name, predicted in forecasts.items()
    }
    return Backtest(horizon=horizon, origins=tuple(int(origin) for origin in origins), actuals=actuals,
                    forecasts=forecasts, metrics=metrics, by_step=by_step, notes=tuple(notes))


def _checked(forecast: ArrayLike, horizon: int) -> np.ndarray:
    checked = np.asarray(forecast, dtype=np.float64).ravel()
    if checked.shape != (horizon,):
        raise ValueError(f"it gave {checked.size} values for a {horizon}-step horizon.")
    if not np.all(np.isfinite(checked)):
        raise ValueError("it gave values that are not finite numbers.")
    return checked


def _mean_scores(actuals: np.ndarray, predicted: np.ndarray, train_values: np.ndarray,
                 season_length: int | None) -> HorizonScores:
    """Each score averaged over the origins where it is defined (None where it is defined nowhere)."""
    per_origin = [forecast_scores(actual, forecast, train_values, season_length)
                  for actual, forecast in zip(actuals, predicted, strict=True)]
    means: dict[str, float | None] = {}
    for score in dataclasses.fields(HorizonScores):
        defined = [value for scores in per_origin if (value := getattr(scores, score.name)) is not None]
        means[score.name] = finite_or_none(float(np.mean(defined))) if defined else None
    return HorizonScores(**means)
