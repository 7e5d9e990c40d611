"""A network trained across many series at once (a global network), in the forecaster contract.

A single short series holds too few windows to teach a network anything: a yearly series of 15 values
gives a local network a handful of examples, and it either learns nothing or runs away. A global network
learns from the windows of thousands of series instead (the M4 competition's winner and N-BEATS did),
so that a new series is forecast from what the others taught it, with or without a short fine-tune.

Every window is put on one scale: the values before an origin (``look_back`` of them, the first value
repeated in front when the history is shorter, with a second input marking which values are real) minus
the last value, divided by the window's level (the mean absolute value of its real values). The network
forecasts the next ``horizon`` values on that scale at once (direct, so nothing is fed back within a
horizon), trained with the mean absolute error over the values that exist. Undoing the scale gives the
forecast in the series' units; a longer forecast feeds each horizon back as history.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from models.config import FINE_TUNE_BATCH_SIZE, FINE_TUNE_EPOCHS, FINE_TUNE_LEARNING_RATE  # noqa: E402
from models.errors import TrainingCancelled  # noqa: E402
from models.train.fastfit import predictor, seed_everything  # noqa: E402

MIN_HISTORY = 2  # values before an origin: fewer give no window to learn from
SHIPPED_DIR = Path(__file__).with_name("pretrained_weights")


@dataclass(frozen=True)
class GlobalShape:
    """What a global network reads and forecasts: ``look_back`` values in, ``horizon`` values out."""

    look_back: int
    horizon: int
    units: int = 64


@dataclass(frozen=True)
class Recipe:
    """How a shipped global network is trained: its shape, then ``members`` networks from consecutive
    seeds (their median is the forecast), ``epochs`` passes over every window."""

    look_back: int
    horizon: int
    units: int = 128
    epochs: int = 30
    members: int = 1
    seed: int = 7
    batch_size: int = 256
    learning_rate: float = 1e-3

    @property
    def shape(self) -> GlobalShape:
        return GlobalShape(self.look_back, self.horizon, self.units)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# One network per kind of season, with M1's horizons. Chosen on bench/panel.py's validation parts of
# all 1,029 series (mean sMAPE): 128 units and 30 epochs (16.48) over 64 units and 30 or 60 epochs
# (16.85, 16.76) and 10 epochs (screen: 16.83 against 15.61 for 30); twice the look-back and a median
# of 5 seeds did not help on the screen.
SHIPPED: dict[str, Recipe] = {
    "yearly": Recipe(look_back=12, horizon=6),
    "quarterly": Recipe(look_back=16, horizon=8),
    "monthly": Recipe(look_back=36, horizon=18),
}


@dataclass(frozen=True)
class FineTune:
    """How a pretrained network is trained further on one series' windows: a copy of its weights,
    ``epochs`` passes at a small learning rate (bench/panel.py's "fine-tuned" candidate)."""

    epochs: int = FINE_TUNE_EPOCHS
    learning_rate: float = FINE_TUNE_LEARNING_RATE
    batch_size: int = FINE_TUNE_BATCH_SIZE
    seed: int = 7


def kind_of_season(season: int | None) -> str:
    """The shipped network for a series with this season: "yearly" without one, "quarterly" up to 6
    steps, "monthly" for longer seasons."""
    if not season or season < 2:
        return "yearly"
    return "quarterly" if season <= 6 else "monthly"


def normalised_windows(histories: Sequence[np.ndarray],
                       look_back: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(windows [B, look_back, 2], last values [B], levels [B]) of the histories: each window's values
    minus its last one, over its level, beside a 1/0 mark of the real values (left padding is 0)."""
    windows = np.zeros((len(histories), look_back, 2), dtype=np.float64)
    lasts, levels = np.empty(len(histories)), np.empty(len(histories))
    for row, history in enumerate(histories):
        recent = np.asarray(history, dtype=np.float64)[-look_back:]
        last = recent[-1]
        level = float(np.mean(np.abs(recent)))
        level = level if level > 0 and np.isfinite(level) else 1.0
        padded = np.concatenate([np.full(look_back - recent.size, recent[0]), recent])
        windows[row, :, 0] = (padded - last) / level
        windows[row, look_back - recent.size :, 1] = 1.0
        lasts[row], levels[row] = last, level
    return windows, lasts, levels


def training_examples(series: Sequence[np.ndarray], shape: GlobalShape,
                      max_per_series: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Windows [M, look_back, 2] and targets [M, 2 * horizon] (the scaled next values, then a 1/0 mark
    of those that exist) from every origin of every series with at least MIN_HISTORY values before it
    and one after; ``max_per_series``: only the latest origins of each series."""
    parts = []
    for values in series:
        values = np.asarray(values, dtype=np.float64)
        first = MIN_HISTORY if max_per_series is None else max(MIN_HISTORY, values.size - max_per_series)
        parts.append(examples_at(values, range(first, values.size), shape))
    if not parts:
        return np.zeros((0, shape.look_back, 2)), np.zeros((0, 2 * shape.horizon))
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def examples_at(values: np.ndarray, origins: Sequence[int] | np.ndarray,
                shape: GlobalShape) -> tuple[np.ndarray, np.ndarray]:
    """``training_examples`` of one series at the given ``origins`` (each with a value before it)."""
    histories = [values[max(0, origin - shape.look_back) : origin] for origin in origins]
    futures = [values[origin : origin + shape.horizon] for origin in origins]
    x, lasts, levels = normalised_windows(histories, shape.look_back)
    y = np.zeros((len(futures), 2 * shape.horizon))
    for row, future in enumerate(futures):
        y[row, : future.size] = (future - lasts[row]) / levels[row]
        y[row, shape.horizon : shape.horizon + future.size] = 1.0
    return x, y


def masked_absolute_error(y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
    """Mean absolute error over the target values that exist (``y_true``: values, then their marks)."""
    horizon = y_pred.shape[-1]
    values, marks = y_true[:, :horizon], y_true[:, horizon:]
    total = keras.ops.sum(keras.ops.abs(values - y_pred) * marks)
    return total / keras.ops.maximum(keras.ops.sum(marks), 1.0)


# Registered so that a copy of a compiled global network (fastfit's predictor clones it) finds its loss.
keras.saving.register_keras_serializable(package="lstm_lab")(masked_absolute_error)


def build_global(shape: GlobalShape, seed: int) -> keras.Model:
    seed_everything(seed)
    inputs = keras.Input((shape.look_back, 2))
    hidden = keras.layers.LSTM(shape.units, seed=seed)(inputs)
    initializer = keras.initializers.GlorotUniform(seed)
    outputs = keras.layers.Dense(shape.horizon, kernel_initializer=initializer)(hidden)
    return keras.Model(inputs, outputs)


def train_global(series: Sequence[np.ndarray], shape: GlobalShape, *, epochs: int = 10, seed: int = 7,
                 batch_size: int = 256, learning_rate: float = 1e-3) -> GlobalForecaster:
    """A global network of ``shape`` trained on every window of ``series`` (their training parts only)."""
    x, y = training_examples(series, shape)
    model = build_global(shape, seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=masked_absolute_error)
    order = np.random.default_rng(seed).permutation(len(x))
    model.fit(x[order], y[order], epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    return GlobalForecaster([model], shape)


def train_members(series: Sequence[np.ndarray], recipe: Recipe) -> GlobalForecaster:
    """The ``recipe``'s networks trained on ``series``, as one forecaster (their median)."""
    members = [train_global(series, recipe.shape, epochs=recipe.epochs, seed=recipe.seed + member,
                            batch_size=recipe.batch_size, learning_rate=recipe.learning_rate)
               for member in range(recipe.members)]
    return GlobalForecaster([model for member in members for model in member.models], recipe.shape)


def save_networks(forecaster: GlobalForecaster, path: Path) -> None:
    """Every member's weights as plain arrays (``member<k>_<i>``), no pickle."""
    arrays = {f"member{index}_{position}": weight for index, model in enumerate(forecaster.models)
              for position, weight in enumerate(model.get_weights())}
    np.savez(path, **arrays)


def load_networks(path: Path, recipe: Recipe) -> GlobalForecaster:
    """The networks ``save_networks`` wrote to ``path``, rebuilt with ``recipe``'s shape."""
    with np.load(path, allow_pickle=False) as arrays:
        weights: dict[int, list[tuple[int, np.ndarray]]] = {}
        for name in arrays.files:
            member, position = name.removeprefix("member").split("_")
            weights.setdefault(int(member), []).append((int(position), arrays[name]))
    models = []
    for member in sorted(weights):
        model = build_global(recipe.shape, recipe.seed + member)
        model.set_weights([array for _, array in sorted(weights[member], key=lambda item: item[0])])
        models.append(model)
    return GlobalForecaster(models, recipe.shape)


def shipped_path(kind: str) -> Path:
    """The file of the shipped network of ``kind`` (see ``kind_of_season``)."""
    return SHIPPED_DIR / f"{kind}.npz"


def load_shipped(kind: str) -> GlobalForecaster:
    """The shipped network of ``kind`` (see ``kind_of_season``)."""
    return load_networks(shipped_path(kind), SHIPPED[kind])


class GlobalForecaster:
    """Trained global networks in the forecaster contract (an ensemble's forecast: their median).
    ``forecast_many`` forecasts every history's next values in one call per horizon. ``fit`` trains
    like this forecaster was trained: as it is (``fit`` returns itself, never trained on the series), or,
    for a fine-tuned one, its ``base`` fine-tuned again on the values given."""

    def __init__(self, models: list[keras.Model], shape: GlobalShape, base: GlobalForecaster | None = None,
                 tune: FineTune | None = None) -> None:
        self.models, self.shape, self.base, self.tune = models, shape, base, tune
        self.calls = [predictor(model) for model in models]
        self.should_stop: Callable[[], bool] | None = None  # checked after every epoch of a later fine-tune

    def describe(self) -> str:
        shape, members = self.shape, len(self.models)
        many = f", median of {members} networks" if members > 1 else ""
        tuned = f", fine-tuned {self.tune.epochs} epochs on the series" if self.tune else ""
        return (f"pretrained LSTM({shape.units}), look-back {shape.look_back}, {shape.horizon} steps at "
                f"once{many}{tuned}")

    def fit(self, train_values: np.ndarray) -> GlobalForecaster:
        if self.base is None or self.tune is None:
            return self
        should_stop = self.should_stop

        def stop_if_asked(epoch: int, logs: dict[str, float]) -> None:
            if should_stop is not None and should_stop():
                raise TrainingCancelled(f"Training was cancelled after fine-tune epoch {epoch + 1}.")

        return self.base.fine_tuned(train_values, self.tune, on_epoch_end=stop_if_asked)

    def fine_tuned(self, values: np.ndarray, tune: FineTune,
                   on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
                   validation: tuple[np.ndarray, np.ndarray] | None = None) -> GlobalForecaster:
        """A copy of these networks trained ``tune.epochs`` more passes on the windows of ``values``
        alone (``on_epoch_end(epoch, logs)`` after each: it may raise to stop; ``validation``: examples
        whose loss is reported, never trained on)."""
        x, y = training_examples([np.asarray(values, dtype=np.float64)], self.shape)
        callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)] if on_epoch_end else []
        validation = validation if validation is not None and len(validation[0]) else None
        models = []
        for member, network in enumerate(self.models):
            seed_everything(tune.seed + member)
            model = keras.models.clone_model(network)
            model.set_weights(network.get_weights())
            model.compile(optimizer=keras.optimizers.Adam(tune.learning_rate), loss=masked_absolute_error)
            model.fit(x, y, epochs=tune.epochs, batch_size=tune.batch_size, verbose=0, shuffle=True,
                      callbacks=callbacks, validation_data=validation)
            models.append(model)
        return GlobalForecaster(models, self.shape, base=self, tune=tune)

    def loss(self, examples: tuple[np.ndarray, np.ndarray]) -> float | None:
        """The training loss (masked absolute error, normalised scale) on ``examples`` (windows and
        targets from ``examples_at``); None without any."""
        x, y = examples
        if not len(x):
            return None
        predicted = self._outputs(x)
        horizon = self.shape.horizon
        marks = y[:, horizon:]
        return float(np.sum(np.abs(y[:, :horizon] - predicted) * marks) / max(np.sum(marks), 1.0))

    def forecast_many(self, histories: Sequence[np.ndarray], counts: Sequence[int]) -> list[np.ndarray]:
        # Only the last look_back values are read: cut each history first (a run's one-step forecasts
        # hand over every prefix of the series, which copied whole would grow with its square).
        known = [np.asarray(history, dtype=np.float64)[-self.shape.look_back:] for history in histories]
        if any(history.size < 1 for history in known):
            raise ValueError("it needs at least one value before the forecast")
        paths: list[list[float]] = [[] for _ in known]
        while any(len(path) < count for path, count in zip(paths, counts, strict=True)):
            windows, lasts, levels = normalised_windows(
                [np.concatenate([history, path]) for history, path in zip(known, paths, strict=True)],
                self.shape.look_back)
            outputs = self._outputs(windows)  # [B, horizon]
            for row, path in enumerate(paths):
                path.extend(lasts[row] + levels[row] * outputs[row])
        return [np.asarray(path[:count]) for path, count in zip(paths, counts, strict=True)]

    def _outputs(self, windows: np.ndarray) -> np.ndarray:
        """The members' median output for each window: [B, horizon] on the normalised scale."""
        x = windows.astype(np.float32)
        return np.median([np.asarray(call(x), dtype=np.float64) for call in self.calls], axis=0)
