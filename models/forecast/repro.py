"""The text of a self-contained Python script that reproduces a forecasting run with plain Keras and pandas.

``reproduction_script(config, data_name)`` returns the script as a string (the app offers it as a
download). The script needs only numpy, pandas and Keras; it repeats the run's steps one by one:

    read the CSV ─ transform (none/log/diff/log_diff) ─ chronological split ─ scaler fitted on the
    training part only ─ look-back windows ─ the same network (cell, units, layers, dropout, Dense(1))
    ─ seeded fit with the run's batch size, epochs and per-epoch shuffling ─ one-step test forecasts
    back in original units ─ test RMSE of the network and of the persistence and seasonal naive baselines

Settings are written into the script as Python literals (``repr``), never pasted as code, so a column
or file name cannot inject anything. No TensorFlow here: this module only writes text.
"""

from __future__ import annotations

import re
from typing import Any

from models.config import ForecastConfig

_HEADER = '''\
"""Reproduce an LSTM Lab forecasting run with plain pandas and Keras.

Run it next to the data file:   python {script_name} [path/to/data.csv]
It needs numpy, pandas and Keras 3 with a backend (pip install pandas tensorflow).

LSTM Lab also tidies awkward files (sorts rows, averages duplicated times, fills short gaps, reads
odd number and date formats). For the exact series the run used, give this script the run's
predictions.csv download: it then reads the cleaned series from its "actual" column.

The app trains with a faster loop (many steps per TensorFlow call) but the same mathematics, the
same initial weights and the same shuffling, so the numbers agree closely (not always to the last digit).
"""

import os
import sys

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's start-up messages
import keras  # noqa: E402

# ── settings of the run ──
'''

_BODY = '''

# ── 1. read the series ──


def read_values(path):
    """The series as float64 [N], in time order."""
    frame = pd.read_csv(path)
    if {"actual", "part"} <= set(frame.columns):  # LSTM Lab's predictions.csv: the cleaned series
        frame = frame[frame["part"] != "forecast"]
        return frame["actual"].to_numpy(dtype=np.float64)
    if TIME_COLUMN in frame.columns:
        times = pd.to_datetime(frame[TIME_COLUMN].astype(str), errors="coerce")
        if times.notna().all():  # sort by time when every time can be read; else keep the file order
            frame = frame.assign(_time=times).sort_values("_time", kind="stable")
    column = TARGET if TARGET in frame.columns else frame.select_dtypes("number").columns[0]
    values = pd.to_numeric(frame[column], errors="coerce").interpolate(limit_area="inside").dropna()
    return values.to_numpy(dtype=np.float64)


# ── 2. transform, split, scale (the scaler sees the training part only) ──

OFFSET = 1 if TRANSFORM in ("diff", "log_diff") else 0  # points a difference uses up at the start


def forward(values):
    """Transformed series aligned with ``values`` [N] (the first OFFSET entries are NaN)."""
    base = np.log(values) if TRANSFORM in ("log", "log_diff") else values.copy()
    if OFFSET == 0:
        return base
    out = np.full_like(base, np.nan)
    out[1:] = np.diff(base)
    return out


def invert_one_step(predicted, previous_actual):
    """Original units from transformed one-step forecasts; ``previous_actual`` is y[t-1]."""
    if TRANSFORM == "none":
        return predicted
    if TRANSFORM == "log":
        return np.exp(predicted)
    if TRANSFORM == "diff":
        return previous_actual + predicted
    return previous_actual * np.exp(predicted)  # log_diff


def windows(series, targets):
    """X [M, LOOK_BACK, 1] (the LOOK_BACK values before each target) and y [M, 1]."""
    x = np.stack([series[t - LOOK_BACK:t] for t in targets])[:, :, None]
    return x.astype(np.float32), series[targets].astype(np.float32)[:, None]


# ── 3. the network ──


def build_model():
    """Recurrent layers (all but the last return sequences) then Dense(1): [B, LOOK_BACK, 1] -> [B, 1]."""
    cell = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[CELL]
    inputs = keras.Input(shape=(LOOK_BACK, 1), name="window")
    x = inputs
    for index in range(LAYERS):
        last = index == LAYERS - 1
        x = cell(UNITS, return_sequences=not last, unroll=LOOK_BACK <= 32, name=f"{CELL}_{index + 1}")(x)
        if DROPOUT > 0 and not last:
            x = keras.layers.Dropout(DROPOUT, name=f"dropout_{index + 1}")(x)
    if DROPOUT > 0:
        x = keras.layers.Dropout(DROPOUT, name="dropout_out")(x)
    outputs = keras.layers.Dense(1, name="next_value")(x)
    return keras.Model(inputs, outputs)


def make_optimizer():
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
                  "sgd": keras.optimizers.SGD}
    return optimizers[OPTIMIZER](learning_rate=LEARNING_RATE)


def rmse(actual, predicted):
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(predicted)) ** 2)))


def main(path):
    values = read_values(path)  # [N] original units
    n_points = len(values)
    n_train = int(round(n_points * (1.0 - TEST_FRACTION), 6))  # 144 points, 0.33 -> 96 train, 48 test
    transformed = forward(values)
    low, high = np.min(transformed[OFFSET:n_train]), np.max(transformed[OFFSET:n_train])
    scale = (high - low) if high > low else 1.0
    scaled = (transformed - low) / scale  # [N]; the test part may leave [0, 1]: it is new to the model

    train_targets = np.arange(OFFSET + LOOK_BACK, n_train)  # inputs and target inside the training part
    test_targets = np.arange(n_train, n_points)  # every test point, from the LOOK_BACK values before it
    x_train, y_train = windows(scaled, train_targets)
    x_test, _ = windows(scaled, test_targets)
    print(f"{n_points} points: {n_train} train ({len(train_targets)} windows), {len(test_targets)} test")

    keras.utils.set_random_seed(SEED)
    model = build_model()
    model.compile(optimizer=make_optimizer(), loss="mse")
    for epoch in range(EPOCHS):
        # The app's shuffling: a new permutation each epoch from a generator seeded by (SEED, epoch).
        order = np.random.default_rng([SEED, epoch]).permutation(len(x_train))
        loss = model.fit(x_train[order], y_train[order], batch_size=BATCH_SIZE, epochs=1, shuffle=False,
                         verbose=0).history["loss"][-1]
        if epoch == 0 or (epoch + 1) % max(1, EPOCHS // 10) == 0:
            print(f"epoch {epoch + 1}/{EPOCHS}  loss {loss:.5f}")

    predicted_scaled = model.predict(x_test, verbose=0)[:, 0].astype(np.float64)
    predicted = invert_one_step(predicted_scaled * scale + low, values[test_targets - 1])
    actual = values[test_targets]
    print(f"network test RMSE:        {rmse(actual, predicted):.4f}")
    print(f"persistence test RMSE:    {rmse(actual, values[test_targets - 1]):.4f}")
    if SEASON_LENGTH and SEASON_LENGTH >= 2 and n_train > SEASON_LENGTH:
        print(f"seasonal naive test RMSE: {rmse(actual, values[test_targets - SEASON_LENGTH]):.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DATA_FILE)
'''


def reproduction_script(config: ForecastConfig | dict[str, Any], data_name: str | None, *,
                        target: str | None = None,
                        time_column: str | None = None, season_length: int | None = None) -> str:
    """Python source that reproduces the run of ``config`` (a ForecastConfig or its dict) on ``data_name``.

    ``target`` / ``time_column``: the columns the run used (default: the config's, else the script takes
    the first numeric column and keeps the file order). ``season_length``: the season the run used for
    the seasonal naive baseline (default: the config's). Raises ConfigError for an invalid config.
    """
    data = config.to_dict() if isinstance(config, ForecastConfig) else dict(config)
    settings = ForecastConfig.from_dict(data)  # validates every value before it becomes code
    data_file = data_name or "data.csv"
    season = season_length if season_length is not None else settings.season_length
    constants = [
        ("DATA_FILE", data_file, "the data file the run used (or pass a path as the first argument)"),
        ("TARGET", target or settings.target_column, "column to forecast (missing: the first numeric one)"),
        ("TIME_COLUMN", time_column or settings.time_column, "rows are sorted by this column"),
        ("LOOK_BACK", settings.look_back, "past values the network sees for each forecast"),
        ("CELL", settings.cell, "recurrent cell: lstm, gru or rnn"),
        ("UNITS", settings.units, "units per recurrent layer"),
        ("LAYERS", settings.layers, "stacked recurrent layers"),
        ("DROPOUT", settings.dropout, "dropout rate between layers"),
        ("EPOCHS", settings.epochs, "passes over the training windows"),
        ("BATCH_SIZE", settings.batch_size, "windows per optimizer step"),
        ("OPTIMIZER", settings.optimizer, ""),
        ("LEARNING_RATE", settings.learning_rate, ""),
        ("TEST_FRACTION", settings.test_fraction, "share of the series, at its end, kept for testing"),
        ("TRANSFORM", settings.transform, "none, log, diff or log_diff, applied before scaling"),
        ("SEASON_LENGTH", season, "steps per season, for the seasonal naive baseline"),
        ("SEED", settings.seed, "same seed and settings -> same numbers"),
    ]
    lines = []
    for name, value, comment in constants:
        line = f"{name} = {value!r}"
        lines.append(f"{line}  # {comment}" if comment else line)
    script_name = f"reproduce_{_stem(data_file)}.py"
    return _HEADER.replace("{script_name}", script_name) + "\n".join(lines) + "\n" + _BODY


def script_file_name(data_name: str | None) -> str:
    """A download name such as ``reproduce_airline-passengers.py``."""
    return f"reproduce_{_stem(data_name or 'data.csv')}.py"


def _stem(name: str) -> str:
    """The file name without folders or extension, reduced to safe characters."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cleaned = "".join(character if character.isalnum() or character in "-_" else "_" for character in stem)
    return re.sub(r"_+", "_", cleaned).strip("_") or "data"
