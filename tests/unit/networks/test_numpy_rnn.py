"""The NumPy forward pass equals Keras' own for every cell type, stacked layers and both heads."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models.errors import ConfigError, DataError
from models.networks import numpy_rnn
from models.train.digits import export_weights
from models.train.keras_models import build_classifier, build_forecaster

TOLERANCE = 1e-5


def _randomise(model: keras.Model, seed: int) -> keras.Model:
    """Replace every weight (biases too) by random values, so no part of the formula hides at zero."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.4, size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def _digits(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 28, 28)).astype(np.float32)  # [B, 28, 28]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_classifier_probabilities_equal_keras(cell, layers):
    keras.utils.set_random_seed(1)
    model = _randomise(build_classifier(28, 28, 10, cell, units=7, layers=layers), seed=layers)
    images = _digits(6)
    expected = model.predict(images, verbose=0)  # [6, 10]
    weights = numpy_rnn.load_weights(numpy_rnn.weights_to_bytes(export_weights(model)))  # via .npz bytes
    got = numpy_rnn.predict_proba(weights, images)
    assert got.shape == (6, 10)
    np.testing.assert_allclose(got, expected, atol=TOLERANCE)
    assert numpy_rnn.describe(weights) == {"cell": cell, "layers": layers, "units": [7] * layers,
                                           "features": 28, "outputs": 10, "head_activation": "softmax"}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_forecaster_with_other_lengths_and_a_linear_head_equals_keras(cell):
    keras.utils.set_random_seed(2)
    model = _randomise(build_forecaster(look_back=5, n_features=2, cell=cell, units=4, layers=2), seed=3)
    windows = np.random.default_rng(4).normal(size=(9, 5, 2)).astype(np.float32)  # [B, look_back, F]
    expected = np.asarray(model(windows, training=False))  # [9, 1]
    np.testing.assert_allclose(numpy_rnn.predict(export_weights(model), windows), expected, atol=TOLERANCE)


def test_gru_without_reset_after_equals_keras():
    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=(6, 3))
    hidden = keras.layers.GRU(5, reset_after=False)(inputs)
    model = _randomise(keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden)), seed=6)
    x = np.random.default_rng(7).normal(size=(4, 6, 3)).astype(np.float32)
    weights = export_weights(model)
    assert not bool(weights["reset_after"])
    expected = np.asarray(model(x, training=False))  # [4, 2]
    np.testing.assert_allclose(numpy_rnn.predict(weights, x), expected, atol=TOLERANCE)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gate_hidden_states_equal_each_keras_layer_output(cell):
    keras.utils.set_random_seed(8)
    model = _randomise(build_classifier(28, 28, 10, cell, units=6, layers=2), seed=9)
    image = _digits(1, seed=10)
    weights = export_weights(model)
    first = np.asarray(keras.Model(model.input, model.get_layer(f"{cell}_1").output)(image))[0]  # [28, 6]
    second = np.asarray(keras.Model(model.input, model.get_layer(f"{cell}_2").output)(image))[0]  # [6]
    gates_1 = numpy_rnn.gate_activations(weights, image[0], layer=1)
    gates_2 = numpy_rnn.gate_activations(weights, image[0], layer=2)
    np.testing.assert_allclose(gates_1["hidden"], first, atol=TOLERANCE)
    np.testing.assert_allclose(gates_2["hidden"][-1], second, atol=TOLERANCE)
    names = {"lstm": {"input", "forget", "output", "candidate", "cell", "hidden"},
             "gru": {"update", "reset", "candidate", "hidden"}}[cell]
    assert set(gates_1) == names
    for name in names - {"hidden", "cell", "candidate"}:  # gates are sigmoids: strictly between 0 and 1
        assert gates_1[name].shape == (28, 6) and gates_1[name].min() > 0 and gates_1[name].max() < 1
    if cell == "lstm":  # h = o * tanh(c), c = f * c_prev + i * g, by hand
        g = gates_1
        np.testing.assert_allclose(g["hidden"], g["output"] * np.tanh(g["cell"]), atol=1e-12)
        c_prev = np.vstack([np.zeros((1, 6)), g["cell"][:-1]])
        np.testing.assert_allclose(g["cell"], g["forget"] * c_prev + g["input"] * g["candidate"], atol=1e-12)


def test_probabilities_by_row_are_the_answers_for_the_rows_read_so_far():
    keras.utils.set_random_seed(11)
    weights = export_weights(_randomise(build_classifier(28, 28, 10, "lstm", units=5), seed=12))
    image = (_digits(1, seed=13)[0] * 255).astype(np.uint8)  # uint8 images are scaled by 1/255
    rows = numpy_rnn.probabilities_by_row(weights, image)
    assert rows.shape == (28, 10)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(rows[-1], numpy_rnn.predict_proba(weights, image)[0], atol=1e-12)
    # Row t is exactly the network's answer had the image stopped after row t.
    for t in (0, 9, 20):
        np.testing.assert_allclose(rows[t], numpy_rnn.predict(weights, image[None, : t + 1] / 255.0)[0],
                                   atol=1e-12)


def test_single_feature_sequences_may_be_one_dimensional():
    keras.utils.set_random_seed(14)
    model = _randomise(build_forecaster(look_back=4, n_features=1, cell="rnn", units=3), seed=15)
    weights = export_weights(model)
    series = np.array([0.1, -0.3, 0.5, 0.2])
    np.testing.assert_allclose(numpy_rnn.outputs_by_step(weights, series)[-1],
                               np.asarray(model(series[None, :, None], training=False))[0], atol=TOLERANCE)
    assert numpy_rnn.gate_activations(weights, series)["hidden"].shape == (4, 3)


def test_bad_weights_and_inputs_raise_plain_data_errors():
    keras.utils.set_random_seed(16)
    weights = export_weights(build_classifier(28, 28, 10, "gru", units=3))
    with pytest.raises(DataError, match="not a NumPy .npz archive"):
        numpy_rnn.load_weights(b"not a zip file")
    incomplete = {k: v for k, v in weights.items() if k != "layer1.bias"}
    with pytest.raises(DataError, match="'layer1.bias' is missing"):
        numpy_rnn.load_weights(incomplete)
    with pytest.raises(DataError, match="28 by 28"):
        numpy_rnn.predict_proba(weights, np.zeros((2, 20, 20)))
    with pytest.raises(DataError, match="steps of 28 value"):
        numpy_rnn.predict(weights, np.zeros((1, 5, 3)))
    with pytest.raises(DataError, match="Layer must be between 1 and 1"):
        numpy_rnn.gate_activations(weights, np.zeros((28, 28)), layer=2)


def test_export_refuses_layers_the_numpy_pass_does_not_implement():
    inputs = keras.Input(shape=(3, 2))
    hidden = keras.layers.LSTM(4, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    with pytest.raises(ConfigError, match="settings the NumPy reader does not know"):
        export_weights(model)
