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
import keras

STORED: dict[str, float | None]  # the run's stored test accuracy and loss, set among the settings below

# ── every setting of the run ──
# This file is the template of every digits run's script (models/train/digits_script.py): the export
# (models/digits/repro.py) writes the run's settings in place of this block, down to the end mark,
# and copies the rest as it is. The values here are a tiny run, for the tests.
UNITS = 4  # units per recurrent layer
EPOCHS = 1  # passes over the training digits
CELL = "lstm"  # recurrent cell
LAYERS = 1  # stacked recurrent layers
BATCH_SIZE = 32  # digits per optimizer step
OPTIMIZER = "rmsprop"  # optimizer
LEARNING_RATE = 0.001  # optimizer learning rate
LIMIT = 100  # train on at most N digits, a class-balanced sample
SOURCE = "bundled"  # the digits the run used
SEED = 7  # random seed; the same seed and settings give the same numbers
PRESET = None  # the preset these settings started from (a name only)
BUNDLED_FILE = "mnist-5k.npz"  # the bundled digits, beside this script
BUNDLED_TEST_FRACTION = 0.2  # the bundled digits' test share
STORED = {}  # what LSTM Lab stored, for comparison
# ── end of the settings ──


# ── 1. the digits (these two functions are LSTM Lab's own) ──


def stratified_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of indices in which every prefix holds the classes in proportion.

    Each item gets the key (rank within its shuffled class + jitter) / class size; sorting by the key
    interleaves the classes, so the first k indices are a class-balanced random sample.
    """
    labels = np.asarray(labels)
    keys = np.empty(len(labels), dtype=np.float64)
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        ranks = rng.permutation(len(members))
        keys[members] = (ranks + rng.random(len(members))) / len(members)
    return np.argsort(keys, kind="stable")


def stratified_split(labels: np.ndarray, test_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices with each class split in the same proportion."""
    labels = np.asarray(labels)
    train_parts, test_parts = [], []
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        n_test = max(1, round(len(members) * test_fraction))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    # Shuffle across classes too: the bundled file is sorted by class.
    return rng.permutation(np.concatenate(train_parts)), rng.permutation(np.concatenate(test_parts))


def load_digits():
    """uint8 images [N, 28, 28] and labels [N] for training and testing, as the run had them."""
    if SOURCE == "bundled":
        with np.load(BUNDLED_FILE, allow_pickle=False) as bundle:
            images, labels = bundle["images"], bundle["labels"]
        train, test = stratified_split(labels, BUNDLED_TEST_FRACTION, np.random.default_rng(SEED))
        x_train, y_train, x_test, y_test = images[train], labels[train], images[test], labels[test]
    else:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    if LIMIT is not None and len(y_train) > LIMIT:
        keep = np.sort(stratified_order(y_train, np.random.default_rng(SEED))[:LIMIT])
        x_train, y_train = x_train[keep], y_train[keep]
    return x_train, y_train, x_test, y_test


# ── 2. the network ──


def layer_seed(seed, index, role):
    """LSTM Lab's seed of one random part: layer ``index``'s kernel (0), recurrent kernel (1), dropout (2)."""
    return int(np.random.SeedSequence([seed, index, role]).generate_state(1)[0] % (2**31 - 1))


def recurrent_layer(seed, index, **options):
    """Recurrent layer ``index`` (0-based) of the network, with its initial weights seeded from ``seed``."""
    cell = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[CELL]
    options.setdefault("name", f"{CELL}_{index + 1}")
    return cell(UNITS,
                kernel_initializer=keras.initializers.GlorotUniform(seed=layer_seed(seed, index, 0)),
                recurrent_initializer=keras.initializers.Orthogonal(seed=layer_seed(seed, index, 1)),
                **options)


def output_layer(seed, index, units, **options):
    """The Dense output layer, seeded as layer ``index`` (the one after the recurrent layers)."""
    return keras.layers.Dense(units, kernel_initializer=keras.initializers.GlorotUniform(
        seed=layer_seed(seed, index, 0)), **options)


def make_optimizer():
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
                  "sgd": keras.optimizers.SGD}
    return optimizers[OPTIMIZER](learning_rate=LEARNING_RATE)


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
