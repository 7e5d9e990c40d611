"""Frozen configurations for every kind of run, with validation and presets.

A configuration is plain data: it round-trips through ``to_dict``/``from_dict`` (JSON) so the run
store, the CLI, the job engine and the reproduction script all read the same settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from models.errors import ConfigError

CELLS = ("lstm", "gru", "rnn")
TRANSFORMS = ("none", "log", "diff", "log_diff")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
DIGIT_SOURCES = ("auto", "bundled", "keras")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number, got {value!r}.")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}.")


def _check_float(name: str, value: Any, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ConfigError(f"{name} must be a number, got {value!r}.")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}.")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")


class _Config:
    """Shared (de)serialisation for the frozen configuration dataclasses."""

    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict including the run kind."""
        data = dataclasses.asdict(self)  # type: ignore[call-overload]
        data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        """Build from a dict, ignoring ``kind``; unknown keys are a ConfigError."""
        data = {k: v for k, v in data.items() if k != "kind"}
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(unknown)}.")
        return cls(**data)

    def replace(self, **changes: Any):
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class ForecastConfig(_Config):
    """Settings of one forecasting run (data selection, network, training, evaluation)."""

    kind = "forecast"

    look_back: int = 12
    units: int = 32
    epochs: int = 60
    cell: str = "lstm"
    layers: int = 1
    dropout: float = 0.0
    batch_size: int = 16
    learning_rate: float = 0.005
    optimizer: str = "adam"
    test_fraction: float = 0.33
    transform: str = "log_diff"
    season_length: int | None = None  # None: detected from the time axis or the data
    forecast_steps: int = 12
    seed: int = 7
    time_column: str | None = None
    target_column: str | None = None
    preset: str | None = None

    def __post_init__(self) -> None:
        _check_int("Look-back", self.look_back, 1, 365)
        _check_int("Units", self.units, 1, 512)
        _check_int("Epochs", self.epochs, 1, 2000)
        _check_choice("Cell", self.cell, CELLS)
        _check_int("Layers", self.layers, 1, 4)
        _check_float("Dropout", self.dropout, 0.0, 0.9)
        _check_int("Batch size", self.batch_size, 1, 4096)
        _check_float("Learning rate", self.learning_rate, 1e-6, 1.0)
        _check_choice("Optimizer", self.optimizer, OPTIMIZERS)
        _check_float("Test fraction", self.test_fraction, 0.05, 0.8)
        _check_choice("Transform", self.transform, TRANSFORMS)
        if self.season_length is not None:
            _check_int("Season length", self.season_length, 1, 1000)
        _check_int("Forecast steps", self.forecast_steps, 0, 1000)
        _check_int("Seed", self.seed, 0, 2**31 - 1)


@dataclass(frozen=True)
class DigitsConfig(_Config):
    """Settings of one MNIST row-by-row classifier run."""

    kind = "digits"

    units: int = 30
    epochs: int = 10
    cell: str = "lstm"
    layers: int = 1
    batch_size: int = 128
    optimizer: str = "rmsprop"
    learning_rate: float = 0.001
    limit: int | None = None  # at most this many training digits (quick demos)
    source: str = "auto"
    seed: int = 7
    preset: str | None = None

    def __post_init__(self) -> None:
        _check_int("Units", self.units, 1, 512)
        _check_int("Epochs", self.epochs, 1, 200)
        _check_choice("Cell", self.cell, CELLS)
        _check_int("Layers", self.layers, 1, 4)
        _check_int("Batch size", self.batch_size, 1, 4096)
        _check_choice("Optimizer", self.optimizer, OPTIMIZERS)
        _check_float("Learning rate", self.learning_rate, 1e-6, 1.0)
        if self.limit is not None:
            _check_int("Training digits", self.limit, 10, 60000)
        _check_choice("Source", self.source, DIGIT_SOURCES)
        _check_int("Seed", self.seed, 0, 2**31 - 1)


# The seed article's airline program: look-back 1, LSTM(4), Adam, 100 epochs, batch 1, 67/33 split,
# MinMax scaling of the raw values (fitted on the training part here, see models/data.py).
FORECAST_PRESETS: dict[str, ForecastConfig] = {
    "seed": ForecastConfig(
        look_back=1, units=4, epochs=100, cell="lstm", layers=1, dropout=0.0, batch_size=1,
        learning_rate=0.001, optimizer="adam", test_fraction=0.33, transform="none", preset="seed",
    ),
    "quick": ForecastConfig(epochs=5, units=8, preset="quick"),
}

# The seed article's MNIST program: LSTM(30), RMSprop, batch 128, 10 epochs.
DIGITS_PRESETS: dict[str, DigitsConfig] = {
    "seed": DigitsConfig(units=30, epochs=10, cell="lstm", layers=1, batch_size=128,
                         optimizer="rmsprop", learning_rate=0.001, preset="seed"),
    "quick": DigitsConfig(units=64, epochs=4, batch_size=64, optimizer="adam",
                          learning_rate=0.003, limit=4000, preset="quick"),
}


def config_from_dict(data: dict[str, Any]) -> ForecastConfig | DigitsConfig:
    """Rebuild any run configuration from its dict (uses the ``kind`` key)."""
    kind = data.get("kind")
    if kind == "forecast":
        return ForecastConfig.from_dict(data)
    if kind == "digits":
        return DigitsConfig.from_dict(data)
    raise ConfigError(f"Unknown run kind {kind!r}.")


__all__ = [
    "CELLS", "DIGITS_PRESETS", "DIGIT_SOURCES", "DigitsConfig", "FORECAST_PRESETS",
    "ForecastConfig", "OPTIMIZERS", "TRANSFORMS", "config_from_dict",
]
