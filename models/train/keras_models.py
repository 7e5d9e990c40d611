"""Keras model builders (functional API). Imports Keras: only workers and the CLI load this module."""

from __future__ import annotations

import keras

_CELL_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


def recurrent_stack(inputs, cell: str, units: int, layers: int, dropout: float = 0.0,
                    return_sequences: bool = False, unroll: bool = False):
    """``layers`` recurrent layers of ``cell``; all but the last return sequences.

    [B, T, F] -> [B, units] (or [B, T, units] with ``return_sequences``).
    """
    layer_class = _CELL_LAYERS[cell]
    x = inputs
    for index in range(layers):
        last = index == layers - 1
        x = layer_class(units, return_sequences=return_sequences or not last, unroll=unroll,
                        name=f"{cell}_{index + 1}")(x)
        if dropout > 0 and not last:
            x = keras.layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout_out")(x)
    return x


def build_forecaster(look_back: int, n_features: int, cell: str, units: int, layers: int = 1,
                     dropout: float = 0.0, unroll: bool = False) -> keras.Model:
    """Seed-style forecaster: recurrent stack then Dense(1). [B, look_back, F] -> [B, 1]."""
    inputs = keras.Input(shape=(look_back, n_features), name="window")
    x = recurrent_stack(inputs, cell, units, layers, dropout, unroll=unroll)
    outputs = keras.layers.Dense(1, name="next_value")(x)
    return keras.Model(inputs, outputs, name=f"{cell}_forecaster")


def build_classifier(time_steps: int, features: int, n_classes: int, cell: str, units: int,
                     layers: int = 1, dropout: float = 0.0, unroll: bool = False) -> keras.Model:
    """Seed-style sequence classifier: recurrent stack then softmax. [B, T, F] -> [B, n_classes]."""
    inputs = keras.Input(shape=(time_steps, features), name="rows")
    x = recurrent_stack(inputs, cell, units, layers, dropout, unroll=unroll)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=f"{cell}_classifier")


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """Optimizer by name ("adam", "rmsprop", "sgd")."""
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
                  "sgd": keras.optimizers.SGD}
    return optimizers[name](learning_rate=learning_rate)
