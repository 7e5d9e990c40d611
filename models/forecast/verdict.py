"""One sentence a non-programmer understands: is the network better than the best baseline?

The comparison is RMSE against the baseline with the lowest RMSE (all scored on the same targets:
one step ahead, or over the horizon of the multi-step backtest when ``horizon`` is given), so
"better" always means better than every baseline, the statistical ones included. No percentage is
given against a baseline without error, nor when both errors are negligible next to the series' size:
a percentage of nothing is not a comparison, and the sentence says so in words instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.forecast.advice import suggestion
from models.summaries import VerdictFacts
from models.vocabulary import cell_name

# Multi-step scores from fewer forecast origins than this are said to rest on them: one origin's
# horizon is one stretch of the series, whose luck decides more than the models do.
FEW_ORIGINS = 3

# When no change measured on the benchmark panel applies to the run's settings (or none helped).
NOTHING_LEFT = ("no change measured on the benchmark panel is left to try from these settings; some series "
                "simply suit a statistical method better.")
# An error below this share of the series' size is float rounding, not a forecasting error: the network
# predicts in float32 (about 7 digits), so its best possible error on an exact pattern is near 1e-7.
NEGLIGIBLE = 1e-6


@dataclass(frozen=True)
class Verdict:
    text: str
    kind: str  # "better", "worse" or "tie" (both errors negligible)
    best_baseline: str | None  # metrics key of the baseline compared against
    percent: float | None  # how much better (positive) or worse (negative), in percent of its RMSE

    @property
    def rounded_percent(self) -> float | None:
        return None if self.percent is None else round(self.percent, 2)

    def facts(self) -> VerdictFacts:
        """The verdict as results keep it."""
        return VerdictFacts(verdict=self.text, verdict_kind=self.kind, best_baseline=self.best_baseline,
                            improvement_percent=self.rounded_percent)


def baseline_phrase(name: str, season_length: int | None = None, frequency: str | None = None) -> str:
    """Plain words for a baseline, e.g. "repeating last year's value (seasonal naive)"."""
    if name == "persistence":
        return "repeating the last value (persistence)"
    if name == "seasonal_naive":
        return f"repeating {_season_words(season_length, frequency)} (seasonal naive)"
    if name == "drift":
        return "continuing the average trend of the training part (drift)"
    if name == "mean":
        return "always predicting the training average (mean)"
    if name == "ets":
        return "exponential smoothing (ETS)"
    if name == "theta":
        return "the Theta method"
    if name == "arima":
        return "ARIMA"
    return name


def horizon_words(horizon: int, frequency: str | None = None) -> str:
    """"12 months", "4 quarters", "10 steps" ..."""
    unit = {"monthly": "month", "quarterly": "quarter", "yearly": "year", "weekly": "week",
            "daily": "day", "hourly": "hour"}.get((frequency or "").lower(), "step")
    return f"{horizon} {unit}{'' if horizon == 1 else 's'}"


def _season_words(season_length: int | None, frequency: str | None) -> str:
    frequency = (frequency or "").lower()
    yearly_seasons = {("monthly", 12), ("quarterly", 4), ("weekly", 52)}
    if (frequency, season_length) in yearly_seasons:
        return "last year's value"
    if frequency == "daily" and season_length == 7:
        return "last week's value"
    if frequency == "hourly" and season_length == 24:
        return "yesterday's value at the same hour"
    return f"the value one season ({season_length} steps) earlier"


def make_verdict(
    model_rmse: float | None,
    baseline_rmses: dict[str, float | None],
    *,
    cell: str = "lstm",
    settings: Mapping[str, Any] | None = None,
    season_length: int | None = None,
    frequency: str | None = None,
    horizon: int | None = None,
    level: float | None = None,
    origins: int | None = None,
) -> Verdict:
    """Compare the network's RMSE with the best baseline's and explain it in one or two sentences.

    ``horizon``: the scores are the multi-step backtest's, over that many steps ahead (None: one
    step ahead). When the network loses, the sentence ends with the change of its ``settings`` (the
    run's configuration as a dict) that helped most on the benchmark panel (models/forecast/advice.py).
    ``level``: the series' size (its largest absolute value); errors below NEGLIGIBLE of it count as
    none (None: only an error of exactly zero does). ``origins``: how many forecast origins the
    multi-step scores rest on; fewer than FEW_ORIGINS are said, a small sample to judge by.
    """
    span = "one step ahead" if horizon is None else f"over {horizon_words(horizon, frequency)} ahead"
    if horizon is not None and origins is not None and origins < FEW_ORIGINS:
        span += " from a single forecast origin" if origins == 1 else f" from only {origins} forecast origins"
    model_name = cell_name(cell)
    scored = {name: value for name, value in baseline_rmses.items() if value is not None}
    if not scored:
        return Verdict(f"There is no baseline to compare the {model_name} with.", "worse", None, None)
    best = min(scored, key=scored.__getitem__)
    best_rmse = scored[best]
    phrase = baseline_phrase(best, season_length, frequency)
    if model_rmse is None:
        return Verdict(
            f"The {model_name}'s forecasts are not usable (its training diverged): try a smaller learning "
            f"rate. The best simple method is {phrase}.",
            "worse",
            best,
            None,
        )
    tolerance = NEGLIGIBLE * abs(level) if level is not None and math.isfinite(level) else 0.0
    if best_rmse <= tolerance:  # a percentage of (almost) nothing would be noise or infinite
        return _perfect_baseline(model_name, model_rmse, best, best_rmse, phrase, span, tolerance)
    percent = (best_rmse - model_rmse) / best_rmse * 100.0
    if model_rmse < best_rmse:
        return Verdict(
            f"The {model_name} is {_amount(percent)} better than {phrase} {span}.", "better", best, percent
        )
    hint = suggestion(settings or {}, season_length) or NOTHING_LEFT
    return Verdict(
        f"The {model_name} is {_amount(-percent)} worse than {phrase} {span}: {hint}", "worse", best,
        percent
    )


def _perfect_baseline(model_name: str, model_rmse: float, best: str, best_rmse: float, phrase: str,
                      span: str, tolerance: float) -> Verdict:
    """The verdict against a baseline without error (or a negligible one): in words, no percentage."""
    exactly = "exactly" if best_rmse == 0 else "almost exactly"
    if model_rmse <= tolerance:
        both = "exactly" if model_rmse == best_rmse == 0 else "almost exactly"
        rest = ("" if both == "exactly" else
                ": both errors are below a millionth of the series' size, too small to compare in percent")
        return Verdict(f"The {model_name} and {phrase} both forecast the test part {both} {span}{rest}.",
                       "tie", best, None)
    against = "none" if best_rmse == 0 else f"its {_figure(best_rmse)}, below a millionth of the series' size"
    return Verdict(
        f"{phrase[0].upper()}{phrase[1:]} forecasts the test part {exactly} {span}, which no forecaster can "
        f"beat: the {model_name}'s error (RMSE) is {_figure(model_rmse)} against {against}, so no percentage "
        f"is given.",
        "worse", best, None)


def _figure(value: float) -> str:
    """An error in the units of the series, e.g. "13,320", "12.3", "0.000123"."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _amount(percent: float) -> str:
    return "less than 1%" if percent < 1 else f"{percent:,.0f}%"
