"""What a finished forecast run reports: typed scores, the facts beside them and its predictions."""

from __future__ import annotations

from dataclasses import dataclass

from models.forecast.predictions import Predictions
from models.summaries import ForecastMetrics, ForecastSummary


@dataclass(frozen=True)
class ForecastReport:
    """The network and every baseline scored on the same targets (``metrics``), the run's facts and
    verdicts (``summary``: one-step, backtest and intervals typed) and every model's ``predictions``."""

    metrics: ForecastMetrics
    summary: ForecastSummary
    predictions: Predictions
