"""Typed results of every kind of run: what a trainer builds, the store keeps and the pages read.

Each is a frozen dataclass holding JSON-ready values only, with ``to_dict``/``from_dict``. Stored
runs written by other versions are read with the policy of ``models.stored``: missing fields take
their defaults, unknown ones are dropped and named in a log line, so an old run still opens.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from models.stored import known_fields
from models.vocabulary import LEGACY_NETWORK_KEY, NETWORK_KEY, RunKind


@dataclass(frozen=True)
class _Stored:
    """JSON round trip shared by every result type (a dataclass without fields)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Self:
        # "task" tells the Learn summaries apart; it is a class constant, not a field.
        return cls(**known_fields(cls, dict(data or {}), discriminators=("task",)))


# ---------------------------------------------------------------- forecast

@dataclass(frozen=True)
class ModelScores(_Stored):
    """One model's scores (None: not defined, e.g. MAPE with zeros, or a skipped baseline)."""

    train_rmse: float | None = None
    train_mae: float | None = None
    test_rmse: float | None = None
    test_mae: float | None = None
    test_mape: float | None = None
    test_smape: float | None = None
    test_mase: float | None = None


@dataclass(frozen=True)
class ForecastMetrics:
    """Scores of the network and of every baseline, all on the same targets."""

    models: dict[str, ModelScores]  # NETWORK_KEY first, then the baselines in their fixed order

    @property
    def network(self) -> ModelScores:
        return self.models.get(NETWORK_KEY, ModelScores())

    @property
    def baselines(self) -> dict[str, ModelScores]:
        return {name: scores for name, scores in self.models.items() if name != NETWORK_KEY}

    def to_dict(self, with_alias: bool = True) -> dict[str, Any]:
        """Scores by model key; ``with_alias`` also writes the network under its old key."""
        data = {name: scores.to_dict() for name, scores in self.models.items()}
        return with_network_alias(data) if with_alias else data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ForecastMetrics:
        models = without_network_alias(data or {})
        return cls({name: ModelScores.from_dict(scores) for name, scores in models.items()
                    if isinstance(scores, dict)})


@dataclass(frozen=True)
class VerdictFacts(_Stored):
    """A verdict as results keep it: its sentence, "better"/"worse"/"tie", the baseline it is measured
    against and the rounded percentage."""

    verdict: str = ""
    verdict_kind: str | None = None
    best_baseline: str | None = None
    improvement_percent: float | None = None


@dataclass(frozen=True)
class HorizonScores(_Stored):
    """One model's backtest scores, averaged over the origins where each is defined (else None)."""

    rmse: float | None = None
    mae: float | None = None
    mape: float | None = None
    smape: float | None = None
    mase: float | None = None


@dataclass(frozen=True)
class BacktestScores:
    """The multi-step backtest as results keep it: ``horizon`` steps from each of ``origins``."""

    horizon: int
    origins: list[int]
    metrics: dict[str, HorizonScores]  # model key -> its scores
    by_step: dict[str, list[float | None]]  # model key -> RMSE per step ahead [horizon]

    def to_dict(self, with_alias: bool = True) -> dict[str, Any]:
        """JSON; ``with_alias`` also writes the network under its old key."""
        metrics = {name: scores.to_dict() for name, scores in self.metrics.items()}
        by_step = {name: list(errors) for name, errors in self.by_step.items()}
        return {"horizon": self.horizon, "origins": list(self.origins),
                "metrics": with_network_alias(metrics) if with_alias else metrics,
                "by_step": with_network_alias(by_step) if with_alias else by_step}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BacktestScores:
        metrics = without_network_alias(data.get("metrics") or {})
        return cls(horizon=int(data.get("horizon") or 0),
                   origins=[int(origin) for origin in data.get("origins") or []],
                   metrics={name: HorizonScores.from_dict(scores) for name, scores in metrics.items()},
                   by_step={name: list(errors)
                            for name, errors in without_network_alias(data.get("by_step") or {}).items()})


@dataclass(frozen=True)
class Bands(_Stored):
    """Prediction intervals around a forecast past the end: per level ("80", "95") the lower and upper
    edge of each step, which steps lie past the ``calibrated_horizon`` (extrapolated)."""

    levels: list[int] = field(default_factory=list)
    lower: dict[str, list[float]] = field(default_factory=dict)
    upper: dict[str, list[float]] = field(default_factory=dict)
    extrapolated: list[bool] = field(default_factory=list)
    calibrated_horizon: int | None = None


@dataclass(frozen=True)
class IntervalSummary:
    """Every model's bands past the end and the share of test values its intervals held."""

    levels: list[int] = field(default_factory=list)
    test_coverage: dict[str, dict[str, float | None]] = field(default_factory=dict)  # model -> level -> share
    bands: dict[str, Bands] = field(default_factory=dict)  # model -> its bands

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntervalSummary:
        return cls(levels=list(data.get("levels") or []), test_coverage=dict(data.get("test_coverage") or {}),
                   bands={name: Bands.from_dict(band) for name, band in (data.get("bands") or {}).items()})

    def coverage(self, model: str, level: str) -> float | None:
        return (self.test_coverage.get(model) or {}).get(level)


@dataclass(frozen=True)
class ForecastSummary(_Stored):
    """The facts a forecast result page, the CLI and the export show beside the scores."""

    target: str | None = None
    time_column: str | None = None  # the reproduction script reads the same columns
    name: str | None = None
    n_points: int = 0
    n_train: int = 0
    n_test: int = 0
    season_length: int | None = None
    frequency: str | None = None
    look_back: int | None = None
    cell: str = "lstm"
    transform: str = "none"
    mode: str = "local"  # the network: trained on the series (local), pretrained or fine-tuned
    forecast_steps: int = 0
    verdict: str = ""
    verdict_kind: str | None = None  # "better" or "worse"
    best_baseline: str | None = None
    improvement_percent: float | None = None
    # The four verdict fields above follow the multi-step backtest over ``horizon`` steps (one step
    # ahead when the test part is too short for it); ``one_step`` holds them one step ahead.
    horizon: int | None = None
    one_step: VerdictFacts = field(default_factory=VerdictFacts)
    backtest: BacktestScores | None = None
    intervals: IntervalSummary | None = None
    fingerprint: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self, with_alias: bool = True) -> dict[str, Any]:
        """JSON; ``with_alias`` also writes the network's backtest under its old key."""
        data = super().to_dict()
        data["backtest"] = None if self.backtest is None else self.backtest.to_dict(with_alias)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ForecastSummary:
        fields = known_fields(cls, dict(data or {}))
        backtest, intervals = fields.get("backtest"), fields.get("intervals")
        fields["one_step"] = VerdictFacts.from_dict(fields.get("one_step"))
        fields["backtest"] = (BacktestScores.from_dict(backtest) if isinstance(backtest, dict) and backtest
                              else None)
        fields["intervals"] = IntervalSummary.from_dict(intervals) if isinstance(intervals, dict) else None
        return cls(**fields)


def with_network_alias(by_model: dict[str, Any]) -> dict[str, Any]:
    """``by_model`` with the network's entry also under its old key, for readers of the old name: the
    one place the alias is written."""
    if NETWORK_KEY not in by_model:
        return dict(by_model)
    return {**by_model, LEGACY_NETWORK_KEY: by_model[NETWORK_KEY]}


def without_network_alias(by_model: dict[str, Any]) -> dict[str, Any]:
    """``by_model`` with the network under ``NETWORK_KEY`` only (older runs wrote only the old key):
    the one place the alias is read."""
    by_model = dict(by_model)
    legacy = by_model.pop(LEGACY_NETWORK_KEY, None)
    if NETWORK_KEY not in by_model and legacy is not None:
        by_model = {NETWORK_KEY: legacy, **by_model}
    return by_model


# ---------------------------------------------------------------- digits


@dataclass(frozen=True)
class DigitsMetrics(_Stored):
    test_loss: float | None = None  # mean cross-entropy
    test_accuracy: float | None = None
    train_accuracy: float | None = None
    per_class_accuracy: list[float | None] = field(default_factory=list)  # [10]


@dataclass(frozen=True)
class DigitsSummary(_Stored):
    source: str | None = None  # "keras" (full MNIST) or "bundled"
    n_train: int = 0
    n_test: int = 0
    note: str | None = None
    confusion: list[list[int]] = field(default_factory=list)  # [10][10], row = true digit
    mistakes: list[dict[str, Any]] = field(default_factory=list)  # most confident first
    parameters: int | None = None
    seconds_per_epoch: float | None = None


# ---------------------------------------------------------------- the Learn page's toy tasks


@dataclass(frozen=True)
class RoommateMetrics(_Stored):
    test_accuracy: float | None = None
    train_accuracy: float | None = None
    sunny_accuracy: float | None = None
    rainy_accuracy: float | None = None
    rule_accuracy: float | None = None


@dataclass(frozen=True)
class RoommateSummary(_Stored):
    task: ClassVar[str] = "roommate"
    weather: str = "S"
    dinners: list[int] = field(default_factory=list)
    window: int = 1
    n_train: int = 0
    n_test: int = 0
    test_sunny_days: int = 0
    test_rainy_days: int = 0
    rule_table: list[list[Any]] = field(default_factory=list)
    network_table: list[list[Any]] = field(default_factory=list)
    network_confidence: list[list[Any]] = field(default_factory=list)
    parameters: int | None = None
    cell: str = "lstm"

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, **super().to_dict()}


@dataclass(frozen=True)
class MemoryMetrics(_Stored):
    accuracy: dict[str, dict[str, float | None]] = field(default_factory=dict)  # cell -> length -> acc
    chance: float = 0.0
    rule_accuracy: dict[str, float | None] = field(default_factory=dict)  # length -> accuracy of the rule


@dataclass(frozen=True)
class MemorySummary(_Stored):
    task: ClassVar[str] = "memory"
    cells: list[str] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    symbols: int = 8
    samples: int = 0
    n_test: int = 0
    epochs_used: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    gate_bias: float | None = 3.0  # LearnConfig.gate_bias of the run (None: Keras' defaults)

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, **super().to_dict()}


Metrics = ForecastMetrics | DigitsMetrics | RoommateMetrics | MemoryMetrics
Summary = ForecastSummary | DigitsSummary | RoommateSummary | MemorySummary

_TYPES: dict[tuple[str, str | None], tuple[type[Metrics], type[Summary]]] = {
    (RunKind.FORECAST, None): (ForecastMetrics, ForecastSummary),
    (RunKind.DIGITS, None): (DigitsMetrics, DigitsSummary),
    (RunKind.LEARN, "roommate"): (RoommateMetrics, RoommateSummary),
    (RunKind.LEARN, "memory"): (MemoryMetrics, MemorySummary),
}


def result_types(kind: str, task: str | None = None) -> tuple[type[Metrics], type[Summary]]:
    """The (metrics, summary) classes of a run kind (and Learn task); ValueError for an unknown one."""
    key = (kind, task if kind == RunKind.LEARN else None)
    if key not in _TYPES:
        raise ValueError(f"No result types for a {kind!r} run (task {task!r}).")
    return _TYPES[key]


def read_result(kind: str, metrics: dict[str, Any] | None,
                summary: dict[str, Any] | None) -> tuple[Metrics | None, Summary | None]:
    """Typed metrics and summary from their stored JSON (None stays None: a run without results)."""
    task = (summary or {}).get("task")
    try:
        metrics_type, summary_type = result_types(kind, task)
    except ValueError:
        return None, None
    return (None if metrics is None else metrics_type.from_dict(metrics),
            None if summary is None else summary_type.from_dict(summary))


def as_dict(value: Any) -> Any:
    """A typed result as its JSON dict; plain dicts (and None) pass through."""
    return value.to_dict() if hasattr(value, "to_dict") else value
