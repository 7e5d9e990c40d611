"""A sweep's leaderboard: its finished runs ranked by the network's test RMSE relative to the
seasonal-naive baseline (persistence for a series without a season), the rest in grid order."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from models.engine.store import SUCCEEDED, RunRecord
from models.engine.sweep import Sweep
from models.summaries import ForecastMetrics
from models.vocabulary import NETWORK_KEY

REFERENCE = "seasonal_naive"
FALLBACK_REFERENCE = "persistence"  # for series without a season (seasonal naive undefined)

@dataclass(frozen=True)
class LeaderRow:
    """One sweep configuration on the leaderboard. ``rank`` is None until the run has succeeded.

    ``ratio``: the network's test RMSE divided by the reference baseline's (below 1 = better).
    """

    rank: int | None
    run_id: str | None
    settings: dict[str, Any]
    state: str
    test_rmse: float | None
    reference: str | None
    reference_rmse: float | None
    ratio: float | None
    error: str | None = None

    @property
    def beats_reference(self) -> bool | None:
        return None if self.ratio is None else self.ratio < 1.0


def reference_of(metrics: ForecastMetrics | None) -> tuple[str | None, float | None]:
    """The baseline a run is ranked against: seasonal naive, or persistence when there is no season."""
    for name in (REFERENCE, FALLBACK_REFERENCE):
        value = _rmse(metrics, name)
        if value is not None and value > 0:
            return name, value
    return None, None


def ranking_key(metrics: ForecastMetrics | None) -> tuple[float, float] | None:
    """Sort key of a succeeded run: (test RMSE / reference RMSE, test RMSE); None if not rankable."""
    rmse = _rmse(metrics, NETWORK_KEY)
    _, reference = reference_of(metrics)
    if rmse is None:
        return None
    return (rmse / reference if reference else math.inf, rmse)


def leaderboard(sweep: Sweep, records: dict[str, RunRecord]) -> list[LeaderRow]:
    """Rows for every configuration: ranked succeeded runs first (best first), then the rest in grid
    order. ``records``: run id -> its record (missing: deleted or not visible)."""
    ranked: list[tuple[tuple[float, float], LeaderRow]] = []
    others: list[LeaderRow] = []
    for item in sweep.items:
        record = records.get(item.run_id) if item.run_id else None
        state = record.state if record else ("not submitted" if item.error else
                                            "waiting to be queued" if item.run_id is None else "deleted")
        # Only a succeeded forecast run has scores to rank (a sweep holds forecast runs only).
        metrics = (record.metrics if record and record.state == SUCCEEDED
                   and isinstance(record.metrics, ForecastMetrics) else None)
        reference, reference_rmse = reference_of(metrics)
        rmse = _rmse(metrics, NETWORK_KEY)
        row = LeaderRow(rank=None, run_id=item.run_id, settings=item.settings, state=state, test_rmse=rmse,
                        reference=reference, reference_rmse=reference_rmse,
                        ratio=rmse / reference_rmse if rmse is not None and reference_rmse else None,
                        error=item.error or (record.error if record else None))
        key = ranking_key(metrics)
        if key is None:
            others.append(row)
        else:
            ranked.append((key, row))
    ranked.sort(key=lambda pair: pair[0])
    rows = [LeaderRow(**{**asdict(row), "rank": index + 1}) for index, (_, row) in enumerate(ranked)]
    return rows + others


def _rmse(metrics: ForecastMetrics | None, name: str) -> float | None:
    scores = metrics.models.get(name) if isinstance(metrics, ForecastMetrics) else None
    value = None if scores is None else scores.test_rmse
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
