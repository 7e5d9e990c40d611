"""A NumPy forward pass for the recurrent networks of ``models.train.keras_models``, from exported weights.

Why: the app process must never import Keras (DESIGN.md section 6), yet the Digits page classifies
drawn digits and shows "watch it read", and the Learn page shows gates. This module recomputes the
Keras forward pass in NumPy (float64) from the exported weights; tests prove it equal to
``model.predict`` within 1e-5. No TensorFlow or Keras imports here.

Weights format (a dict of NumPy arrays, stored as an ``.npz`` file; see ``weights_to_bytes``):

    "format"           str   "lstm-lab-rnn/1"
    "cell"             str   "lstm" | "gru" | "rnn" (SimpleRNN)
    "n_layers"         int   L >= 1 (stacked recurrent layers, all but the last return sequences)
    "reset_after"      bool  GRU convention (Keras 3 default True); ignored by other cells
    "head_activation"  str   "softmax" (classifier) or "linear" (forecaster)
    "layer{i}.kernel"            [F_i, G*U]   input weights of layer i = 1..L (F_1 = features)
    "layer{i}.recurrent_kernel"  [U, G*U]     hidden-state weights
    "layer{i}.bias"              [G*U]        ([2, 3U] for a GRU with reset_after: input, recurrent)
    "dense.kernel"               [U, K]       the Dense head on the last hidden state
    "dense.bias"                 [K]

G is the number of gate blocks: 4 for LSTM (Keras order input, forget, candidate, output),
3 for GRU (update, reset, candidate), 1 for SimpleRNN. Activations are Keras' defaults: tanh for
the state, sigmoid for the gates. Any sequence length T and feature count F work, so the same code
serves the 28-row digit reader and single-layer forecasters. Dropout layers are inactive at
inference and have no weights here.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import DataError

FORMAT = "lstm-lab-rnn/1"
GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}
IMAGE_SIZE = 28
CHUNK = 1024  # sequences per forward pass in ``predict``

Weights = dict[str, np.ndarray]


# ---------------------------------------------------------------- storage


def weights_to_bytes(weights: Weights) -> bytes:
    """The weights as compressed ``.npz`` bytes (plain arrays only, no pickles)."""
    validate_weights(weights)
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {name: np.asarray(value) for name, value in weights.items()}
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def load_weights(source: bytes | str | Path | Weights) -> Weights:
    """Weights from ``.npz`` bytes, a file path, or an already loaded dict; checked for consistency."""
    if isinstance(source, dict):
        weights = dict(source)
    else:
        handle = io.BytesIO(source) if isinstance(source, bytes) else source
        unreadable = "The weights file cannot be read: it is not a NumPy .npz archive."
        try:
            loaded = np.load(handle, allow_pickle=False)  # arrays only: never unpickles
            if not isinstance(loaded, np.lib.npyio.NpzFile):  # a single .npy array
                raise DataError(unreadable)
            with loaded as archive:
                weights = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError) as error:
            raise DataError(unreadable) from error
        if not all(isinstance(value, np.ndarray) for value in weights.values()):
            raise DataError(unreadable)  # another zip file (a .keras model ...): members are not arrays
    validate_weights(weights)
    return weights


def validate_weights(weights: Weights) -> None:
    """Raise DataError with one sentence if the dict is not a consistent weights set."""
    for key in ("cell", "n_layers", "dense.kernel", "dense.bias"):
        if key not in weights:
            raise DataError(f"The weights are incomplete: {key!r} is missing.")
    cell = _cell(weights)
    if cell not in GATE_BLOCKS:
        raise DataError(f"The weights are for an unknown cell type {cell!r}.")
    n_layers = int(weights["n_layers"])
    if n_layers < 1:
        raise DataError("The weights contain no recurrent layer.")
    previous_units = None
    for index in range(1, n_layers + 1):
        for part in ("kernel", "recurrent_kernel", "bias"):
            if f"layer{index}.{part}" not in weights:
                raise DataError(f"The weights are incomplete: 'layer{index}.{part}' is missing.")
        kernel = weights[f"layer{index}.kernel"]
        recurrent = weights[f"layer{index}.recurrent_kernel"]
        units = recurrent.shape[0]
        if recurrent.shape != (units, GATE_BLOCKS[cell] * units) or kernel.shape[1] != recurrent.shape[1]:
            raise DataError(f"The weights of recurrent layer {index} have inconsistent shapes.")
        if previous_units is not None and kernel.shape[0] != previous_units:
            raise DataError(f"Recurrent layer {index} does not fit the layer below it.")
        previous_units = units
    if weights["dense.kernel"].shape[0] != previous_units:
        raise DataError("The output layer does not fit the last recurrent layer.")


def describe(weights: Weights) -> dict[str, Any]:
    """Plain facts about a weights set: cell, layers, units per layer, features, outputs."""
    n_layers = int(weights["n_layers"])
    return {
        "cell": _cell(weights),
        "layers": n_layers,
        "units": [int(weights[f"layer{i}.recurrent_kernel"].shape[0]) for i in range(1, n_layers + 1)],
        "features": int(weights["layer1.kernel"].shape[0]),
        "outputs": int(weights["dense.kernel"].shape[1]),
        "head_activation": _text(weights, "head_activation", "linear"),
    }


# ---------------------------------------------------------------- the forward pass


def predict(weights: Weights, sequences: np.ndarray) -> np.ndarray:
    """Network output for a batch: [B, T, F] (or [T, F]) -> [B, K], as Keras' ``model.predict``."""
    x = _as_batch(weights, sequences)
    # In chunks: the per-step gate inputs of a chunk are [chunk, T, G*U] float64 (bounded memory).
    parts = [_head(weights, _top_hidden(weights, x[start:start + CHUNK])[:, -1, :])
             for start in range(0, len(x), CHUNK)]
    return np.concatenate(parts)


def outputs_by_step(weights: Weights, sequence: np.ndarray) -> np.ndarray:
    """The head applied to the top hidden state after every step of one sequence: [T, F] -> [T, K].

    Row t is what the network would answer had the sequence stopped after step t; the last row equals
    ``predict``.
    """
    x = _as_batch(weights, sequence)
    if x.shape[0] != 1:
        raise DataError("Give one sequence, not a batch, to see the output after every step.")
    hidden = _top_hidden(weights, x)[0]  # [T, U]
    return _head(weights, hidden)


def predict_proba(weights: Weights, images: np.ndarray) -> np.ndarray:
    """Class probabilities for digit images read row by row: [B, 28, 28] (or [28, 28]) -> [B, 10].

    uint8 images are scaled by 1/255 as in training; float images must already be in [0, 1].
    """
    return predict(weights, _image_rows(images))


def probabilities_by_row(weights: Weights, image: np.ndarray) -> np.ndarray:
    """"Watch it read": class probabilities after each of the 28 rows of one image -> [28, 10].

    The last row equals ``predict_proba(weights, image)[0]``.
    """
    rows = _image_rows(image)
    if rows.shape[0] != 1:
        raise DataError("Give one digit image, not a batch, to watch the network read it.")
    return outputs_by_step(weights, rows[0])


def gate_activations(weights: Weights, sequence: np.ndarray, layer: int = 1) -> dict[str, np.ndarray]:
    """Per-step gate values and states of recurrent ``layer`` (1-based) for one sequence [T, F].

    Every array is [T, U]. LSTM: "input", "forget", "output" gates, "candidate", "cell" state,
    "hidden". GRU: "update", "reset" gates, "candidate", "hidden". SimpleRNN: "hidden".
    A [T] sequence is taken as T steps of one feature.
    """
    n_layers = int(weights["n_layers"])
    if not 1 <= layer <= n_layers:
        raise DataError(f"Layer must be between 1 and {n_layers}, got {layer}.")
    x = _as_batch(weights, sequence)
    if x.shape[0] != 1:
        raise DataError("Give one sequence, not a batch, to see the gates.")
    for index in range(1, layer):
        x, _ = _run_layer(weights, index, x)
    _, details = _run_layer(weights, layer, x, keep_details=True)
    return {name: values[0] for name, values in details.items()}


# ---------------------------------------------------------------- internals


def _run_layer(weights: Weights, index: int, x: np.ndarray,
               keep_details: bool = False) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run recurrent layer ``index`` over x [B, T, F] -> hidden states [B, T, U] (+ per-step details)."""
    cell = _cell(weights)
    kernel = weights[f"layer{index}.kernel"].astype(np.float64)  # [F, G*U]
    recurrent = weights[f"layer{index}.recurrent_kernel"].astype(np.float64)  # [U, G*U]
    bias = weights[f"layer{index}.bias"].astype(np.float64)  # [G*U] or [2, 3U]
    batch, steps, _ = x.shape
    units = recurrent.shape[0]
    recurrent_bias = np.zeros(recurrent.shape[1])
    if bias.ndim == 2:  # GRU reset_after: separate input and recurrent biases
        bias, recurrent_bias = bias[0], bias[1]
    projected = x @ kernel + bias  # [B, T, G*U]: the input part of every gate, all steps at once
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    hidden = np.empty((batch, steps, units))
    names = {"lstm": ("input", "forget", "output", "candidate", "cell"),
             "gru": ("update", "reset", "candidate"), "rnn": ()}[cell]
    details = {name: np.empty((batch, steps, units)) for name in names} if keep_details else {}
    reset_after = bool(weights.get("reset_after", np.array(True)))
    for t in range(steps):
        step = projected[:, t, :]  # [B, G*U]
        if cell == "lstm":
            z = step + h @ recurrent
            i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
            c = f * c + i * g
            h = o * np.tanh(c)
            values: tuple[np.ndarray, ...] = (i, f, o, g, c)
        elif cell == "gru":
            x_z, x_r, x_h = step[:, :units], step[:, units:2 * units], step[:, 2 * units:]
            if reset_after:
                inner = h @ recurrent + recurrent_bias  # [B, 3U]
                z = _sigmoid(x_z + inner[:, :units])
                r = _sigmoid(x_r + inner[:, units:2 * units])
                g = np.tanh(x_h + r * inner[:, 2 * units:])
            else:
                inner = h @ recurrent[:, :2 * units]
                z = _sigmoid(x_z + inner[:, :units])
                r = _sigmoid(x_r + inner[:, units:])
                g = np.tanh(x_h + (r * h) @ recurrent[:, 2 * units:])
            h = z * h + (1 - z) * g
            values = (z, r, g)
        else:
            h = np.tanh(step + h @ recurrent)
            values = ()
        hidden[:, t, :] = h
        if keep_details:
            for name, value in zip(details, values, strict=True):
                details[name][:, t, :] = value
    if keep_details:
        details["hidden"] = hidden
    return hidden, details


def _top_hidden(weights: Weights, x: np.ndarray) -> np.ndarray:
    for index in range(1, int(weights["n_layers"]) + 1):
        x, _ = _run_layer(weights, index, x)
    return x  # [B, T, U]


def _head(weights: Weights, hidden: np.ndarray) -> np.ndarray:
    """Dense head on hidden states [..., U] -> [..., K] (softmax for classifiers)."""
    logits = hidden @ weights["dense.kernel"].astype(np.float64) + weights["dense.bias"].astype(np.float64)
    if _text(weights, "head_activation", "linear") == "softmax":
        logits = logits - logits.max(axis=-1, keepdims=True)  # stable softmax
        exp = np.exp(logits)
        return exp / exp.sum(axis=-1, keepdims=True)
    return logits


def _as_batch(weights: Weights, sequences: np.ndarray) -> np.ndarray:
    """[B, T, F], [T, F] or [T] (one feature) -> float64 [B, T, F], checked against the weights."""
    x = np.asarray(sequences, dtype=np.float64)
    features = weights["layer1.kernel"].shape[0]
    if x.ndim == 1 and features == 1:
        x = x[:, None]
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[-1] != features:
        raise DataError(f"The network reads steps of {features} value(s); the input has shape {x.shape}.")
    if x.shape[1] < 1:
        raise DataError("The input sequence is empty.")
    if not np.isfinite(x).all():
        raise DataError("The input contains missing or infinite values.")
    return x


def _image_rows(images: np.ndarray) -> np.ndarray:
    """Digit images -> float64 [B, 28 rows, 28 pixels] in [0, 1]."""
    x = np.asarray(images)
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    x = x.astype(np.float64) / scale
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(f"Digit images must be 28 by 28 pixels; got shape {np.shape(images)}.")
    return x


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Equal to 1 / (1 + exp(-x)) but never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _cell(weights: Weights) -> str:
    return _text(weights, "cell", "")


def _text(weights: Weights, key: str, default: str) -> str:
    return str(weights[key].item()) if key in weights else default
