"""Text shared by the reproduction scripts (models/forecast/repro.py, models/digits/repro.py): the
network's parts seeded as ``models.train.keras_models`` seeds them, and the optimizer by name.

The scripts are standalone files for people, so these functions are written into each script, not
imported; the names they use (CELL, UNITS, OPTIMIZER, LEARNING_RATE) are the scripts' settings.
"""

from __future__ import annotations

NETWORK_PARTS = '''
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
'''
