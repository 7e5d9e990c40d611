"""The text of a self-contained Python script that reproduces a digits run with plain Keras.

The run's zip export puts it in the zip; run from the unpacked folder with no arguments, it loads the
same digits (the bundled sample, which the zip carries as ``mnist-5k.npz``, or full MNIST through
Keras' own loader), takes the same class-balanced training subset and split (the very functions of
models/digits/data.py, copied in), builds the same row-by-row reader seeded like the app, fits it
one ``model.fit`` epoch at a time in the app's order of the digits and prints
``network test accuracy: 0.912000`` and ``network test loss: 0.301234``. Settings are written as
Python literals (``repr``); this module only writes text.
"""

from __future__ import annotations

import dataclasses
import inspect

from models.config import DigitsConfig
from models.digits.data import BUNDLED_PATH, BUNDLED_TEST_FRACTION, stratified_order, stratified_split
from models.knobs import DIGITS_KNOBS
from models.script_parts import NETWORK_PARTS

BUNDLED_FILE = BUNDLED_PATH.name  # the bundled digits, carried in the zip of a run that used them
SCRIPT_NAME = "reproduce_digits.py"

_HEADER = '''\
"""Reproduce an LSTM Lab digits run with plain NumPy and Keras: an LSTM reading each 28x28 digit
row by row, as in the seed article.

Run it in the folder it came in:   python reproduce_digits.py
It needs numpy and Keras 3 with a backend (pip install tensorflow). A run on the bundled digits
reads mnist-5k.npz beside this script; a run on full MNIST downloads it once through Keras.

LSTM Lab trains with a faster loop (many steps per TensorFlow call) but the same mathematics, the
same initial weights and the same order of the digits, so the numbers agree closely (float rounding
differs between the two loops and can move a borderline digit).
"""

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's start-up messages
import keras  # noqa: E402

# ── every setting of the run ──
'''

_BODY = '''

# ── 1. the digits (these two functions are LSTM Lab's own) ──

{helpers}

def load_digits():
    """uint8 images [N, 28, 28] and labels [N] for training and testing, as the run had them."""
    if SOURCE == "bundled":
        with np.load(BUNDLED_FILE, allow_pickle=False) as bundle:
            images, labels = bundle["images"], bundle["labels"]
        train, test = stratified_split(labels, BUNDLED_TEST_FRACTION, np.random.default_rng(SEED))
        x_train, y_train, x_test, y_test = images[train], labels[train], images[test], labels[test]
    else:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    if LIMIT is not None and LIMIT < len(y_train):
        keep = np.sort(stratified_order(y_train, np.random.default_rng(SEED))[:LIMIT])
        x_train, y_train = x_train[keep], y_train[keep]
    return x_train, y_train, x_test, y_test


# ── 2. the network ──


{network_parts}

def build_model():
    """Recurrent layers (all but the last return sequences) then softmax: [B, 28, 28] -> [B, 10].
    Every initial weight is seeded from SEED, as in LSTM Lab."""
    inputs = keras.Input(shape=(28, 28), name="rows")
    x = inputs
    for index in range(LAYERS):
        x = recurrent_layer(SEED, index, return_sequences=index < LAYERS - 1, unroll=True)(x)  # as LSTM Lab
    outputs = output_layer(SEED, LAYERS, 10, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs)


def main():
    x_train, y_train, x_test, y_test = load_digits()
    print(f"{len(y_train)} training and {len(y_test)} test digits ({SOURCE})")
    x_train, x_test = x_train.astype(np.float32) / 255.0, x_test.astype(np.float32) / 255.0
    keras.utils.set_random_seed(SEED)  # the same initial weights as the app
    model = build_model()
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy")
    for epoch in range(EPOCHS):
        # The app's shuffling: a new permutation each epoch from a generator seeded by (SEED, epoch).
        order = np.random.default_rng([SEED, epoch]).permutation(len(x_train))
        loss = model.fit(x_train[order], y_train[order].astype(np.int32), batch_size=BATCH_SIZE, epochs=1,
                         shuffle=False, verbose=0).history["loss"][-1]
        print(f"epoch {epoch + 1}/{EPOCHS}  loss {loss:.5f}")
    probabilities = model.predict(x_test, batch_size=4096, verbose=0).astype(np.float64)
    true = np.clip(probabilities[np.arange(len(y_test)), y_test.astype(np.int64)], 1e-7, 1 - 1e-7)
    print()
    print(f"network test accuracy: {np.mean(probabilities.argmax(axis=1) == y_test):.6f}")
    print(f"network test loss: {-np.mean(np.log(true)):.6f}")
    print(f"LSTM Lab stored: test accuracy {STORED.get('test_accuracy')}, "
          f"test loss {STORED.get('test_loss')}")


if __name__ == "__main__":
    main()
'''


def reproduction_script(config: DigitsConfig | dict, *, source: str,
                        stored: dict[str, float] | None = None) -> str:
    """Python source that reproduces the digits run of ``config`` on the digits ``source`` it used
    ("bundled" or "keras"); ``stored``: the run's test accuracy and loss, printed for comparison."""
    settings = config if isinstance(config, DigitsConfig) else DigitsConfig.from_dict(dict(config))
    lines = []
    for item in dataclasses.fields(DigitsConfig):
        value = source if item.name == "source" else getattr(settings, item.name)
        knob = DIGITS_KNOBS.get(item.name)
        comment = "the digits the run used" if item.name == "source" else (knob.cli_help if knob else "")
        line = f"{item.name.upper()} = {value!r}"
        lines.append(f"{line}  # {comment}" if comment else line)
    lines += [
        f"BUNDLED_FILE = {BUNDLED_FILE!r}",
        f"BUNDLED_TEST_FRACTION = {BUNDLED_TEST_FRACTION!r}  # the bundled digits' test share",
        f"STORED = {dict(stored or {})!r}  # what LSTM Lab stored, for comparison",
    ]
    helpers = "\n\n".join(inspect.getsource(function) for function in (stratified_order, stratified_split))
    body = _BODY.replace("{helpers}", helpers + "\n").replace("{network_parts}", NETWORK_PARTS.strip() + "\n")
    return _HEADER + "\n".join(lines) + "\n" + body
