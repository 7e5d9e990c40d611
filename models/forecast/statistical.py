"""Statistical baselines from statsforecast (AutoETS, AutoTheta, AutoARIMA) in the naive baselines' contract.

Each model is fitted once, on the training part only. Afterwards its parameters are frozen and it
is only *run forward* with statsforecast's ``forward`` over the actual values known at the time of
a forecast: ETS keeps its weights and initial states and filters the values; ARIMA keeps its orders
and coefficients and reruns its Kalman filter; Theta keeps its smoothing weight, theta and initial
level, while its seasonal indices and trend line are recomputed from those values (that is how
statsforecast runs Theta forward). No test value is ever used to fit. So

* ``predict(values, targets)``: the one-step-ahead forecast of ``values[t]`` from ``values[:t]``,
  one ``forward(values[:t], h=1)`` per target. Running forward once over the whole series and
  reading its in-sample fit is *not* the same for Theta: its seasonal decomposition (a centred
  moving average) and its trend line would then be computed with values after ``t``.
* ``forecast_from(values, origin, steps)``: ``forward(values[:origin], h=steps)``.
* ``forecast(values, steps)``: the forecast past the end of ``values``.

Theta looks at the last ``THETA_MAX_POINTS`` values only, both when it is fitted and at every
forecast: statsforecast's Theta costs grow with the *square* of the length it is given (its filter and
its seasonality test; measured on 2 cores: a fit takes 1.1 s on 2,000 hourly points, 36 s on 10,000 and
17 minutes on 67,000, one forecast 6 ms, 0.14 s and 5.6 s). Up to that length nothing changes; past it
Theta is the same method on the most recent values (a note says so), never on later ones. ETS and
ARIMA are linear in the length and see everything.

statsforecast is imported on first use, never when this module is imported: it takes about two
seconds, and the pages import ``models.forecast`` without ever fitting these models.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from models.forecast.baselines import Baseline
from models.vocabulary import BASELINES, baseline_name

STATISTICAL_NAMES = ("ets", "theta", "arima")
# Below this many training points the automatic model choices are not worth reporting.
MIN_FIT_POINTS = 10
# AutoARIMA's order search grows fast with the season and the length: 0.35 s on 96 monthly points,
# 1.2 s on 172, but 26 s on 700 hourly points (season 24) and minutes with season 52. Past these
# limits it is left out rather than holding a run up.
ARIMA_MAX_POINTS = 300
ARIMA_MAX_SEASON = 12
# Theta is fitted on, and forecasts from, at most this many of the latest values (see the module notes).
THETA_MAX_POINTS = 2_000


class StatisticalBaseline(Baseline):
    """A statsforecast model fitted on the training part and run forward with frozen parameters.

    ``season_length``: steps per season, or None / 1 for a series without a known season. Once
    fitted, ``description`` names the model chosen (e.g. "ETS(M,N,M)"). ``label``: the short name
    ("ETS") for sentences and chart legends.
    """

    label = ""
    window: int | None = None  # sees only the last ``window`` values (fit and forecasts); None: all

    def __init__(self, season_length: int | None = None) -> None:
        self.season_length = int(season_length) if season_length and season_length > 1 else 1
        self.lag = MIN_FIT_POINTS
        self.description = ""
        self._model: Any = None  # a fitted statsforecast model (statsforecast ships no types)

    def _new_model(self, season_length: int) -> Any:  # pragma: no cover - each subclass has its own
        raise NotImplementedError

    def _describe(self, model: Any) -> str:  # pragma: no cover - each subclass has its own
        raise NotImplementedError

    def _learn(self, train_values: np.ndarray) -> None:
        """Fit on ``train_values`` only; ValueError (with a plain sentence) when it cannot be fitted."""
        train_values = self._recent(np.array(train_values, dtype=np.float64))
        reason = unfit_reason(train_values)
        if reason:
            raise ValueError(f"{reason}, so {self.title} cannot be fitted.")
        # Too short for two seasons: the seasonal fits would rest on a single season.
        season_length = self.season_length if train_values.size >= 2 * self.season_length else 1
        try:
            with _quiet():
                model = self._new_model(season_length).fit(train_values)
                check = model.forward(y=train_values, h=1)["mean"]
        except Exception as error:  # statsforecast raises bare Exceptions for failed fits
            raise ValueError(f"The {self.title} fit on the training part failed ({error}).") from error
        if not np.all(np.isfinite(check)):
            raise ValueError(f"The {self.title} fitted on the training part gives no finite forecast.")
        self._model = model
        self.description = self._describe(model)

    def describe(self) -> str:
        return self.description or self.title

    def _forward(self, history: np.ndarray, steps: int) -> np.ndarray:
        if self._model is None:
            raise ValueError(f"{self.title} has not been fitted.")
        with _quiet():
            # A copy: statsforecast may keep or modify the array it is given.
            recent = np.array(self._recent(history), dtype=np.float64)
            mean = self._model.forward(y=recent, h=int(steps))["mean"]
        return np.asarray(mean, dtype=np.float64)

    def _recent(self, values: np.ndarray) -> np.ndarray:
        """The last ``window`` of ``values`` (all of them without a window)."""
        return values if self.window is None or values.size <= self.window else values[-self.window :]

    def predict(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """One-step forecasts [M] of ``values[targets]``, each from ``values[:t]``; NaN where undefined.

        Undefined: fewer than ``lag`` values before the target, or a non-finite forward run.
        """
        values = np.asarray(values, dtype=np.float64)
        targets = np.asarray(targets, dtype=np.int64)
        result = np.full(targets.shape, np.nan)
        for index, target in enumerate(targets):
            if self.lag <= target <= values.size:
                try:
                    result[index] = self._forward(values[:target], 1)[0]
                except Exception:  # a forward run on an odd prefix (e.g. constant) may fail
                    continue
        result[~np.isfinite(result)] = np.nan
        return result

    def forecast(self, values: np.ndarray, steps: int) -> np.ndarray:
        """Forecasts [steps] past the end of ``values``; ValueError if they are not finite."""
        mean = self._forward(np.asarray(values, dtype=np.float64), steps)
        if not np.all(np.isfinite(mean)):
            raise ValueError(f"{self.title} gives no finite forecast from these values.")
        return mean


class ETS(StatisticalBaseline):
    """Exponential smoothing with error, trend and season chosen automatically (AutoETS, AICc)."""

    name = "ets"
    label, title = BASELINES["ets"][1], baseline_name("ets")

    def _new_model(self, season_length: int) -> Any:
        from statsforecast.models import AutoETS

        return AutoETS(season_length=season_length)

    def _describe(self, model: Any) -> str:
        error, trend, season, damped = model.model_["components"][:4]
        trend = trend + ("d" if damped != "N" else "")
        return f"ETS({error},{trend},{season})"


class Theta(StatisticalBaseline):
    """The Theta method in its standard, optimised or dynamic form, chosen automatically (AutoTheta)."""

    name = "theta"
    label, title = BASELINES["theta"][1], baseline_name("theta")
    window = THETA_MAX_POINTS

    def _new_model(self, season_length: int) -> Any:
        from statsforecast.models import AutoTheta

        return AutoTheta(season_length=season_length)

    def _describe(self, model: Any) -> str:
        modeltype = model.model_["modeltype"]
        seasonal = ", seasonally adjusted" if model.model_.get("decompose") else ""
        return f"Theta ({_THETA_KINDS.get(modeltype, modeltype)}{seasonal})"


_THETA_KINDS = {
    "STM": "standard", "OTM": "optimised", "DSTM": "dynamic standard", "DOTM": "dynamic optimised"
}


class ARIMA(StatisticalBaseline):
    """ARIMA with orders chosen automatically (AutoARIMA, stepwise search)."""

    name = "arima"
    label, title = BASELINES["arima"][1], baseline_name("arima")

    def _new_model(self, season_length: int) -> Any:
        from statsforecast.models import AutoARIMA

        return AutoARIMA(season_length=season_length)

    def _describe(self, model: Any) -> str:
        from statsforecast.arima import arima_string

        # statsforecast's arima_string has no annotations (statsforecast is untyped).
        return arima_string(model.model_, padding=False).strip()  # type: ignore[no-untyped-call]


def unfit_reason(train_values: np.ndarray) -> str | None:
    """Why no statistical model can be fitted on ``train_values`` (a sentence start), or None."""
    train_values = np.asarray(train_values, dtype=np.float64)
    if train_values.size < MIN_FIT_POINTS:
        return f"The training part has only {train_values.size} points (at least {MIN_FIT_POINTS} needed)"
    if not np.all(np.isfinite(train_values)):
        return "The training part has missing or infinite values"
    if np.ptp(train_values) == 0:
        return "The training part is constant"
    return None


STATISTICAL_CLASSES: dict[str, type[StatisticalBaseline]] = {"ets": ETS, "theta": Theta, "arima": ARIMA}


def make_statistical_baselines(
    train_values: np.ndarray, season_length: int | None, names: tuple[str, ...] = STATISTICAL_NAMES
) -> tuple[dict[str, StatisticalBaseline], list[str]]:
    """The statistical baselines ``names`` fitted on ``train_values``, keyed by name, plus notes.

    A model that cannot be fitted (too few points, a constant training part, a failed fit) is left
    out and a note says why, so no caller ever meets a NaN score from it.
    """
    baselines: dict[str, StatisticalBaseline] = {}
    train_values = np.asarray(train_values, dtype=np.float64)
    reason = unfit_reason(train_values)
    if reason:
        titles = ", ".join(STATISTICAL_CLASSES[name].label for name in names)
        return baselines, [f"{reason}, so the statistical baselines ({titles}) were skipped."]
    notes: list[str] = []
    for name in names:
        baseline = STATISTICAL_CLASSES[name](season_length)
        too_slow = train_values.size > ARIMA_MAX_POINTS or baseline.season_length > ARIMA_MAX_SEASON
        if name == "arima" and too_slow:
            notes.append(
                f"ARIMA was left out: its automatic order search is too slow for {train_values.size} "
                f"training points with a season of {baseline.season_length} (it is fitted up to "
                f"{ARIMA_MAX_POINTS} points and a season of {ARIMA_MAX_SEASON})."
            )
            continue
        try:
            baselines[name] = baseline.fit(train_values)
        except ValueError as error:
            notes.append(f"{error} That baseline was skipped.")
            continue
        if baseline.window is not None and train_values.size > baseline.window:
            notes.append(
                f"{baseline.label} was fitted on the last {baseline.window:,} training points and forecasts "
                f"from the last {baseline.window:,} values before each forecast: its cost grows with the "
                "square of the length it is given."
            )
    season = season_length if season_length and season_length > 1 else 1
    if baselines and season > 1 and train_values.size < 2 * season:
        notes.append(
            f"The training part ({train_values.size} points) is shorter than two seasons ({2 * season}), "
            "so the statistical baselines were fitted without a season."
        )
    return baselines, notes


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """statsforecast warns about every awkward candidate model it tries; none of it is for the user."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
