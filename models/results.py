"""Plain result and progress types shared by training, the job engine, the store and the UI.

They hold only JSON-ready values and bytes, so a Dask worker can return them to the app and the
run store can keep them without TensorFlow being importable on the reading side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from models.summaries import Metrics, Summary


@dataclass(frozen=True)
class EpochReport:
    """Progress after one epoch. ``metrics`` holds extra per-epoch values (e.g. ``val_accuracy``)."""

    epoch: int  # 1-based
    epochs: int
    loss: float
    val_loss: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds since the fit started
    eta: float | None = None  # estimated seconds left

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochReport:
        return cls(**data)


ProgressFn = Callable[[EpochReport], None]
StopFn = Callable[[], bool]


def make_report(epoch: int, epochs: int, loss: float, started: float, now: float,
                val_loss: float | None = None, *, first: dict[str, Any] | None = None,
                **metrics: float) -> EpochReport:
    """An EpochReport with elapsed time and an estimate of the time left.

    ``first``: this fit's first epoch report (as a dict). The estimate uses only the epochs after it,
    since the first one also traces and compiles the graph (it overestimated short runs up to tenfold);
    until one such epoch has ended the estimate is None, which the pages show as "estimating".
    """
    elapsed = max(0.0, now - started)
    eta = None
    if first is not None and epoch > first["epoch"]:
        eta = (elapsed - first["elapsed"]) / (epoch - first["epoch"]) * (epochs - epoch)
    return EpochReport(epoch=epoch, epochs=epochs, loss=float(loss),
                       val_loss=None if val_loss is None else float(val_loss),
                       metrics={k: float(v) for k, v in metrics.items()}, elapsed=elapsed, eta=eta)


@dataclass
class RunResult:
    """Everything a finished run produced.

    ``metrics``: the kind's typed scores (``models.summaries``; never NaN: see ``finite_or_none``).
    ``summary``: the kind's typed facts the pages show (dataset facts, verdict, ...).
    ``history``: one EpochReport dict per epoch.
    ``artifacts``: file name -> bytes (``predictions.csv``, ``model.keras``, ``weights.npz``, ...).
    """

    kind: str
    metrics: Metrics | dict[str, Any]
    summary: Summary | dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    fit_seconds: float = 0.0


def finite_or_none(value: float | None) -> float | None:
    """Metrics are stored as finite floats or None ("not defined"), never NaN or infinity."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
