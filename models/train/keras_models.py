"""Keras model builders (functional API). Imports Keras: only workers and the CLI load this module.

Every random part of a network (each layer's initial weights, each dropout mask) gets its own seed
derived from the run's seed (``layer_seed``). Keras would otherwise draw those seeds from Python's
global ``random`` module, which a Dask worker's own threads also use while a run builds its network:
the same settings then gave different numbers on a worker (airline defaults 23.65) than in the
command line (22.15). The reproduction scripts derive the seeds the same way.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

CELL_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


def layer_seed(seed: int | None, index: int, role: int) -> int | None:
    """The seed of one random part: layer ``index``'s ``role`` (0 kernel, 1 recurrent kernel, 2
    dropout), from the run's ``seed`` (None: Keras' own, unseeded)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([int(seed), index, role]).generate_state(1)[0] % (2**31 - 1))


def seeded(seed: int | None, index: int) -> dict[str, Any]:
    """Keyword arguments giving a recurrent or dense layer its own seeded initial weights."""
    if seed is None:
        return {}
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=layer_seed(seed, index, 0))}


def recurrent_seeded(seed: int | None, index: int) -> dict[str, Any]:
    """``seeded`` plus the recurrent kernel and the layer's own seed generator (role 3), which would
    otherwise draw its seed from Python's global ``random`` (shared with every thread)."""
    if seed is None:
        return {}
    return {**seeded(seed, index), "seed": layer_seed(seed, index, 3),
            "recurrent_initializer": keras.initializers.Orthogonal(seed=layer_seed(seed, index, 1))}


def recurrent_stack(inputs: Any, cell: str, units: int, layers: int, dropout: float = 0.0,
                    return_sequences: bool = False, unroll: bool = False, seed: int | None = None,
                    prefix: str = "") -> Any:
    """``layers`` recurrent layers of ``cell``; all but the last return sequences. Layer ``i``
    (0-based) and the dropout after it are seeded from ``seed`` as ``layer_seed(seed, i, ...)``; the
    final dropout as layer ``layers``. ``prefix`` starts every layer name (one stack per member of
    an ensemble).

    [B, T, F] -> [B, units] (or [B, T, units] with ``return_sequences``).
    """
    layer_class = CELL_LAYERS[cell]
    x = inputs
    for index in range(layers):
        last = index == layers - 1
        x = layer_class(units, return_sequences=return_sequences or not last, unroll=unroll,
                        name=f"{prefix}{cell}_{index + 1}", **recurrent_seeded(seed, index))(x)
        if dropout > 0 and not last:
            x = keras.layers.Dropout(dropout, name=f"{prefix}dropout_{index + 1}",
                                     seed=layer_seed(seed, index, 2))(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name=f"{prefix}dropout_out", seed=layer_seed(seed, layers, 2))(x)
    return x


def build_forecaster(look_back: int, n_features: int, cell: str, units: int, layers: int = 1,
                     dropout: float = 0.0, unroll: bool = False, seed: int | None = None,
                     members: int = 1, steps: int = 1) -> keras.Model:
    """Seed-style forecaster: recurrent stack then Dense(steps) (seeded as layer ``layers``): the
    next value, or with ``steps`` > 1 the next ``steps`` values at once. [B, look_back, F] -> [B, steps].

    ``members`` > 1: an ensemble in one model, [B, look_back, F] -> [B, members * steps] (member
    ``k``'s outputs at ``k * steps``...). Member ``k`` is
    the whole network above seeded from ``seed + k``, side by side with the others and sharing
    nothing but the input, so member 0 is exactly the single network of ``seed``. Trained with
    ``MemberSum`` each member gets the very gradients it would get alone, in one graph call for all.
    """
    inputs = keras.Input(shape=(look_back, n_features), name="window")
    if members == 1:
        x = recurrent_stack(inputs, cell, units, layers, dropout, unroll=unroll, seed=seed)
        outputs = keras.layers.Dense(steps, name="next_value", **seeded(seed, layers))(x)
        return keras.Model(inputs, outputs, name=f"{cell}_forecaster")
    heads = []
    for member in range(members):
        member_seed = None if seed is None else seed + member
        prefix = f"member_{member + 1}_"
        x = recurrent_stack(inputs, cell, units, layers, dropout, unroll=unroll, seed=member_seed,
                            prefix=prefix)
        heads.append(keras.layers.Dense(steps, name=f"{prefix}next_value", **seeded(member_seed, layers))(x))
    outputs = keras.layers.Concatenate(name="next_values")(heads)
    return keras.Model(inputs, outputs, name=f"{cell}_forecaster_ensemble")


# Keras ships no type hints, so keras.losses.Loss is Any to mypy.
class MemberSum(keras.losses.Loss):  # type: ignore[misc]
    """Squared error averaged over each member's ``steps`` outputs, summed over an ensemble's members
    [B, members * steps], then averaged over the batch: member k's gradient is exactly its own mean
    squared error's, as if it trained alone."""

    def __init__(self, steps: int = 1, name: str = "member_sum", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.steps = steps

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return keras.ops.sum(keras.ops.square(y_pred - y_true), axis=-1) / self.steps

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "steps": self.steps}


def build_classifier(time_steps: int, features: int, n_classes: int, cell: str, units: int,
                     layers: int = 1, dropout: float = 0.0, unroll: bool = False,
                     seed: int | None = None) -> keras.Model:
    """Seed-style sequence classifier: recurrent stack then softmax. [B, T, F] -> [B, n_classes]."""
    inputs = keras.Input(shape=(time_steps, features), name="rows")
    x = recurrent_stack(inputs, cell, units, layers, dropout, unroll=unroll, seed=seed)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="class_probabilities",
                                 **seeded(seed, layers))(x)
    return keras.Model(inputs, outputs, name=f"{cell}_classifier")


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """Optimizer by name ("adam", "rmsprop", "sgd")."""
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
                  "sgd": keras.optimizers.SGD}
    return optimizers[name](learning_rate=learning_rate)
