"""Reproduce an LSTM Lab forecasting run with plain NumPy, pandas and Keras.

Run it in the folder it came in, next to series.csv:   python reproduce_data.py
(or give another file with the same two columns, time and value: python reproduce_data.py other.csv)
It needs numpy, pandas and Keras 3 with a backend (pip install pandas tensorflow); with statsforecast
installed it also refits ETS, Theta and ARIMA, else it prints the figures LSTM Lab stored for them.

series.csv is the series the run trained on, after LSTM Lab read and tidied the original file
(sorted rows, averaged duplicated times, filled short gaps, odd number and date formats).

LSTM Lab trains with a faster loop (many steps per TensorFlow call) but the same mathematics, the
same initial weights and the same order of the windows, so the network's numbers agree closely:
usually to several digits, within 1% in any case (float rounding differs between the two loops and
grows over many epochs). The naive baselines agree exactly.
"""

import os
import sys
import warnings

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's start-up messages
import keras

# ── every setting of the run ──
# This file is the template of every forecast run's script (models/train/forecast_script.py): the
# export (models/forecast/repro.py) writes the run's settings in place of this block, down to the end
# mark, and copies the rest as it is. The values here are a tiny run, for the tests.
MODE = "local"  # local (trained on this series alone), pretrained (as it is) or fine-tuned
LOOK_BACK = 3  # past values the network sees for each forecast
UNITS = 4  # units per recurrent layer
EPOCHS = 2  # passes over the training data
CELL = "lstm"  # recurrent cell
LAYERS = 1  # stacked recurrent layers
ENSEMBLE = 1  # networks trained side by side from consecutive seeds; the forecast is their median
STRATEGY = "recursive"  # recursive (one step at a time, fed back) or direct (the horizon at once)
DROPOUT = 0.0  # dropout rate between layers
BATCH_SIZE = 16  # windows per optimizer step
LEARNING_RATE = 0.01  # optimizer learning rate
OPTIMIZER = "adam"  # optimizer
TEST_FRACTION = 0.25  # share of the series, at its end, kept for testing
TRANSFORM = "auto"  # transform before scaling
HEADROOM = 1.0  # the training part fills 1/H of the scaled range
SEASON_LENGTH = None  # steps per season (None: DETECTED_SEASON)
TEST_SIZE = None  # points at the end of the series kept for testing, instead of TEST_FRACTION
HORIZON = None  # steps ahead of the multi-step backtest (None: one season, else 10)
STRIDE = None  # steps between two backtest origins (None: the horizon)
FORECAST_STEPS = 3  # steps to forecast past the end of the data
SEED = 7  # random seed; the same seed and settings give the same numbers
TIME_COLUMN = None  # the time column the run was told to use (None: detected)
TARGET_COLUMN = None  # the column the run was told to forecast (None: detected)
PRESET = None  # the preset these settings started from (a name only)
DETECTED_SEASON = 4  # the season LSTM Lab found in the data
DATA_FILE = "series.csv"  # the file the run read
TARGET = "value"  # the column the run forecast
SERIES_FILE = "series.csv"  # the series the run trained on, beside this script
STORED_TEST_RMSE = {"network": 1.0}  # what LSTM Lab stored, for comparison
PRETRAINED_FILE = "pretrained.npz"  # the pretrained network's weights, beside this script
PRETRAINED_LOOK_BACK = 12  # values the pretrained network reads
FINE_TUNE_EPOCHS = 10  # passes over the series' windows when fine-tuned
FINE_TUNE_LEARNING_RATE = 0.0003  # Adam's learning rate when fine-tuned
FINE_TUNE_BATCH_SIZE = 32  # windows per step when fine-tuned
# ── end of the settings ──


UNROLL_MAX_LOOK_BACK = 32  # the app unrolls the recurrence for windows up to this long
MIN_TRAIN_WINDOWS = 8  # fewer training windows than this: the app refuses the split
LOGS = ("log", "log_diff", "log_season_diff")


# ── 1. the series ──


def read_values(path):
    """The series as float64 [N], in time order (the run's cleaned series: columns time, value)."""
    frame = pd.read_csv(path)
    return frame["value"].to_numpy(dtype=np.float64)


# ── 2. transform, split, scale (the scaler sees the training part only) ──


def chosen_transform(season, n_train):
    """TRANSFORM itself, or for "auto" the transform ``auto_transform`` picks."""
    return auto_transform(season, n_train, LOOK_BACK) if TRANSFORM == "auto" else TRANSFORM


def auto_transform(season, n_train, look_back):
    """LSTM Lab's rule for "auto": seasonal differences when the series has a ``season`` and its
    training part of ``n_train`` points can spare a season of them (MIN_TRAIN_WINDOWS windows of
    ``look_back`` values still fit after it), else step-to-step differences."""
    if season is None or n_train - season - look_back < MIN_TRAIN_WINDOWS:
        return "diff"
    return "season_diff"


def lag_of(transform, season):
    """Steps a difference looks back (0: no difference); its first ``lag`` values are undefined."""
    if transform in ("none", "log"):
        return 0
    return season if transform in ("season_diff", "log_season_diff") else 1


def forward(values, transform, lag):
    """Transformed series aligned with ``values`` [N] (the first ``lag`` entries are NaN)."""
    base = np.log(values) if transform in LOGS else np.array(values, dtype=np.float64)
    if lag == 0:
        return base
    out = np.full_like(base, np.nan)
    out[lag:] = base[lag:] - base[:-lag]
    return out


def invert_one_step(predicted, lagged_actual, transform):
    """Original units from transformed one-step forecasts; ``lagged_actual`` is y[t - lag]."""
    if transform == "none":
        return predicted
    if transform == "log":
        return np.exp(predicted)
    if transform in LOGS:
        return lagged_actual * np.exp(predicted)
    return lagged_actual + predicted


def invert_path(predicted, history, transform, lag):
    """Original units from a transformed recursive forecast [K] after the actual values ``history``:
    each difference builds on the value ``lag`` steps back, actual or already forecast."""
    if transform == "none":
        return predicted
    if transform == "log":
        return np.exp(predicted)
    base = list(np.log(history[-lag:]) if transform in LOGS else history[-lag:])
    for step in predicted:
        base.append(base[-lag] + step)
    path = np.array(base[lag:])
    return np.exp(path) if transform in LOGS else path


def train_size(n_points):
    """Points in the training part (144 points, test fraction 0.33 -> 96, like the seed program)."""
    if TEST_SIZE is not None:
        return n_points - TEST_SIZE
    return int(round(n_points * (1.0 - TEST_FRACTION), 6))


class Scaler:
    """(x - min) / ((max - min) x HEADROOM), min and max of the training part only."""

    def __init__(self, train_values):
        self.low = float(np.min(train_values))
        spread = float(np.max(train_values)) - self.low
        self.scale = (spread if spread > 0 else 1.0) * HEADROOM

    def transform(self, values):
        return (np.asarray(values, dtype=np.float64) - self.low) / self.scale

    def inverse(self, scaled):
        return np.asarray(scaled, dtype=np.float64) * self.scale + self.low


def windows(series, targets):
    """X [M, LOOK_BACK, 1] (the LOOK_BACK values before each target) and y [M, 1]."""
    x = np.stack([series[t - LOOK_BACK:t] for t in targets])[:, :, None]
    return x.astype(np.float32), series[targets].astype(np.float32)[:, None]


# ── 3. the network ──


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


def output_steps(season):
    """Values the network forecasts per call: 1 (recursive), or the whole horizon (direct)."""
    return 1 if STRATEGY == "recursive" else HORIZON or (season or 10)


def training_pairs(series, targets, end, steps):
    """Windows [M, LOOK_BACK, 1] and the ``steps`` values after each [M, steps], for the targets
    whose ``steps`` values all lie before ``end``."""
    kept = targets[targets + steps <= end]
    x, _ = windows(series, kept)
    return x, series[kept[:, None] + np.arange(steps)[None, :]].astype(np.float32)


def network(inputs, seed, steps, prefix=""):
    """Recurrent layers (all but the last return sequences) then Dense(steps), every initial weight
    and dropout mask seeded from ``seed`` as in LSTM Lab: [B, LOOK_BACK, 1] -> [B, steps]."""
    x = inputs
    for index in range(LAYERS):
        last = index == LAYERS - 1
        x = recurrent_layer(seed, index, name=f"{prefix}{CELL}_{index + 1}", return_sequences=not last,
                            unroll=LOOK_BACK <= UNROLL_MAX_LOOK_BACK)(x)
        if DROPOUT > 0 and not last:
            x = keras.layers.Dropout(DROPOUT, name=f"{prefix}dropout_{index + 1}",
                                     seed=layer_seed(seed, index, 2))(x)
    if DROPOUT > 0:
        x = keras.layers.Dropout(DROPOUT, name=f"{prefix}dropout_out", seed=layer_seed(seed, LAYERS, 2))(x)
    return output_layer(seed, LAYERS, steps, name=f"{prefix}next_value")(x)


def build_model(steps):
    """The network, or for ENSEMBLE > 1 that many networks side by side in one model (member k seeded
    from SEED + k, sharing only the input): [B, LOOK_BACK, 1] -> [B, ENSEMBLE * steps]."""
    inputs = keras.Input(shape=(LOOK_BACK, 1), name="window")
    if ENSEMBLE == 1:
        return keras.Model(inputs, network(inputs, SEED, steps))
    heads = [network(inputs, SEED + member, steps, f"member_{member + 1}_") for member in range(ENSEMBLE)]
    return keras.Model(inputs, keras.layers.Concatenate(name="next_values")(heads))


def train(x_train, y_train):
    """The seeded network(s), fitted one epoch at a time in the app's order of the windows on the
    values after each window ``y_train`` [M, steps]."""
    steps = y_train.shape[1]

    def member_sum(y_true, y_pred):
        """Squared error averaged over each member's steps and summed over the members, then averaged
        over the batch: each member learns exactly as it would alone."""
        return keras.ops.sum(keras.ops.square(y_pred - y_true), axis=-1) / steps

    keras.utils.set_random_seed(SEED)  # the same initial weights as the app
    model = build_model(steps)
    model.compile(optimizer=make_optimizer(), loss="mse" if ENSEMBLE == 1 and steps == 1 else member_sum)
    targets = np.tile(y_train, (1, ENSEMBLE))  # [M, ENSEMBLE * steps]: every member learns the same values
    for epoch in range(EPOCHS):
        # The app's shuffling: a new permutation each epoch from a generator seeded by (SEED, epoch).
        order = np.random.default_rng([SEED, epoch]).permutation(len(x_train))
        loss = model.fit(x_train[order], targets[order], batch_size=BATCH_SIZE, epochs=1, shuffle=False,
                         verbose=0).history["loss"][-1]
        if epoch == 0 or (epoch + 1) % max(1, EPOCHS // 10) == 0:
            print(f"epoch {epoch + 1}/{EPOCHS}  loss {loss / ENSEMBLE:.5f}")
    return model


def predict(model, x, steps):
    """Each member's next ``steps`` values from the windows ``x``: [M, ENSEMBLE, steps] scaled."""
    outputs = np.asarray(model(x.astype(np.float32), training=False), dtype=np.float64)
    return outputs.reshape(len(x), ENSEMBLE, steps)


def network_forecaster(model, scaler, transform, lag, steps_per_call):
    """The forecast of ``steps`` values after ``history`` (original units): each member feeds its own
    forecasts back as its newest inputs (one value per call, or a horizon per call for a direct
    network); the ensemble's forecast is their median step by step."""

    def forecast(history, steps):
        scaled = scaler.transform(forward(history, transform, lag))
        windows = np.repeat(scaled[None, -LOOK_BACK:], ENSEMBLE, axis=0)  # [ENSEMBLE, LOOK_BACK]
        paths = np.empty((steps, ENSEMBLE))
        done = 0
        while done < steps:
            outputs = predict(model, windows[:, :, None], steps_per_call)
            block = outputs[np.arange(ENSEMBLE), np.arange(ENSEMBLE)]  # member k's values from its window
            take = min(steps_per_call, steps - done)
            paths[done:done + take] = block[:, :take].T
            windows = np.concatenate([windows, block[:, :take]], axis=1)[:, -LOOK_BACK:]
            done += take
        return np.median([invert_path(scaler.inverse(path), np.asarray(history), transform, lag)
                          for path in paths.T], axis=0)

    return forecast


# ── 3b. the pretrained network (MODE "pretrained" or "fine-tuned") ──
# It read the windows of many series, each window on its own scale: the values before an origin
# (PRETRAINED_LOOK_BACK of them, the first repeated in front of a shorter history, with a second
# input marking the real ones) minus the last value, over the mean absolute value of the real ones.
# It forecasts the next values on that scale, all of its horizon at once.


def normalised_windows(histories, look_back):
    """(windows [B, look_back, 2], last values [B], levels [B]) of the histories."""
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


def pretrained_model():
    """The shipped network from PRETRAINED_FILE: LSTM(units) over [B, PRETRAINED_LOOK_BACK, 2], then
    Dense(horizon); the layers seeded as LSTM Lab built them (seed 7), which a fine-tune's
    shuffling follows."""
    with np.load(PRETRAINED_FILE, allow_pickle=False) as arrays:
        count = sum(name.startswith("member0_") for name in arrays.files)  # the first network's arrays
        weights = [arrays[f"member0_{position}"] for position in range(count)]
    units, horizon = weights[1].shape[0], weights[-1].shape[0]
    inputs = keras.Input((PRETRAINED_LOOK_BACK, 2))
    hidden = keras.layers.LSTM(units, seed=7)(inputs)
    output = keras.layers.Dense(horizon, kernel_initializer=keras.initializers.GlorotUniform(7))(hidden)
    model = keras.Model(inputs, output)
    model.set_weights(weights)
    return model


def fine_tune(model, train_values):
    """The network trained FINE_TUNE_EPOCHS more passes on every window of the training part (masked
    absolute error: a window near the end has fewer next values than the horizon)."""
    horizon = model.output_shape[-1]
    origins = range(2, train_values.size)
    x, lasts, levels = normalised_windows([train_values[max(0, o - PRETRAINED_LOOK_BACK):o] for o in origins],
                                          PRETRAINED_LOOK_BACK)
    y = np.zeros((len(x), 2 * horizon))
    for row, origin in enumerate(origins):
        future = train_values[origin:origin + horizon]
        y[row, :future.size] = (future - lasts[row]) / levels[row]
        y[row, horizon:horizon + future.size] = 1.0

    def masked_absolute_error(y_true, y_pred):
        marks = y_true[:, horizon:]
        total = keras.ops.sum(keras.ops.abs(y_true[:, :horizon] - y_pred) * marks)
        return total / keras.ops.maximum(keras.ops.sum(marks), 1.0)

    model.compile(optimizer=keras.optimizers.Adam(FINE_TUNE_LEARNING_RATE), loss=masked_absolute_error)
    model.fit(x, y, epochs=FINE_TUNE_EPOCHS, batch_size=FINE_TUNE_BATCH_SIZE, verbose=0, shuffle=True)
    return model


def pretrained_forecaster(model):
    """The forecast of ``steps`` values after ``history``: a horizon at a time, each fed back as history."""
    def forecast(history, steps):
        path: list[float] = []
        while len(path) < steps:
            x, lasts, levels = normalised_windows([np.concatenate([history, path])], PRETRAINED_LOOK_BACK)
            output = np.asarray(model(x.astype(np.float32), training=False), dtype=np.float64)[0]
            path.extend(lasts[0] + levels[0] * output)
        return np.asarray(path[:steps])

    return forecast


# ── 4. baselines: fitted on the training part only ──


def naive_baselines(train_values, season):
    """name -> forecast(history, steps) for the naive baselines (one step ahead: steps=1)."""
    slope = (train_values[-1] - train_values[0]) / (train_values.size - 1) if train_values.size > 1 else 0.0
    level = float(np.mean(train_values))
    models = {
        "persistence": lambda history, steps: np.full(steps, history[-1]),
        "drift": lambda history, steps: history[-1] + slope * np.arange(1, steps + 1),
        "mean": lambda history, steps: np.full(steps, level),
    }
    if season:
        models["seasonal_naive"] = lambda history, steps: history[-season:][np.arange(steps) % season]
    return models


def statistical_baselines(train_values, season, names):
    """name -> forecast(history, steps) for ETS, Theta, ARIMA, fitted once and run forward with
    frozen parameters as in LSTM Lab; {} without statsforecast."""
    try:
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta
    except ImportError:
        return {}
    classes = {"ets": AutoETS, "theta": AutoTheta, "arima": AutoARIMA}
    warnings.simplefilter("ignore")  # statsforecast warns about every awkward candidate model it tries
    season = season if season and train_values.size >= 2 * season else 1  # one season is too few
    def runner(model):
        return lambda history, steps: np.asarray(model.forward(y=np.array(history), h=steps)["mean"])

    return {name: runner(classes[name](season_length=season).fit(np.array(train_values))) for name in names}


def rmse(actual, predicted):
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(predicted)) ** 2)))


def pretrained_main(values, n_train):
    """The pretrained network's run: each test point forecast from all the values before it."""
    n_points = len(values)
    test_targets = np.arange(n_train, n_points)
    print(f"{n_points} points of {TARGET!r} from {DATA_FILE}: {n_train} train, {len(test_targets)} test")
    keras.utils.set_random_seed(SEED)
    model = pretrained_model()
    if MODE == "fine-tuned":
        model = fine_tune(model, values[:n_train])
    models = {"network": pretrained_forecaster(model)}
    return models, test_targets


def main(path):
    values = read_values(path)  # [N] original units
    n_points = len(values)
    n_train = train_size(n_points)
    season: int | None = SEASON_LENGTH if SEASON_LENGTH is not None else DETECTED_SEASON
    season = season if season and season >= 2 else None
    if MODE != "local":
        models, test_targets = pretrained_main(values, n_train)
        return report(values, n_train, season, models, test_targets, None)
    transform = chosen_transform(season, n_train)
    lag = lag_of(transform, season)
    transformed = forward(values, transform, lag)
    scaler = Scaler(transformed[lag:n_train])
    scaled = scaler.transform(transformed)  # [N]; the test part may leave [0, 1]: it is new to the model

    train_targets = np.arange(lag + LOOK_BACK, n_train)  # inputs and target inside the training part
    test_targets = np.arange(n_train, n_points)  # every test point, from the LOOK_BACK values before it
    steps = output_steps(season)
    x_train, y_train = training_pairs(scaled, train_targets, n_train, steps)
    x_test, _ = windows(scaled, test_targets)
    print(f"{n_points} points of {TARGET!r} from {DATA_FILE}: {n_train} train ({len(train_targets)} "
          f"windows), {len(test_targets)} test")

    model = train(x_train, y_train)
    predicted_scaled = predict(model, x_test, steps)[:, :, 0]  # [T, ENSEMBLE]: each member's next value
    lagged = values[test_targets - max(lag, 1)]
    one_step = np.median([invert_one_step(scaler.inverse(column), lagged, transform)
                          for column in predicted_scaled.T], axis=0)  # each network's, then their median
    models = {"network": network_forecaster(model, scaler, transform, lag, steps)}
    report(values, n_train, season, models, test_targets, one_step)


def report(values, n_train, season, models, test_targets, network_one_step):
    """Every model's test RMSE one step ahead, the backtest and the forecast past the end (the
    network's one-step forecasts: ``network_one_step``, else from its forecaster)."""
    n_points = len(values)
    actual = values[test_targets]
    train_values = values[:n_train]
    models.update(naive_baselines(train_values, season))
    statistical = [name for name in ("ets", "theta", "arima") if name in STORED_TEST_RMSE]
    models.update(statistical_baselines(train_values, season, statistical))

    print()
    for name, forecast in models.items():
        if name == "network" and network_one_step is not None:
            predicted = network_one_step
        else:
            predicted = np.array([forecast(values[:t], 1)[0] for t in test_targets])
        print(f"{name} test RMSE: {rmse(actual, predicted):.6f}")
    for name in statistical:
        if name not in models:
            print(f"{name} test RMSE: {STORED_TEST_RMSE[name]:.6f} (stored by LSTM Lab; install "
                  "statsforecast to recompute it)")

    horizon = HORIZON or (season or 10)
    stride = STRIDE or horizon
    origins = np.arange(n_train, n_points - horizon + 1, stride)
    if origins.size:
        print(f"\n{horizon} steps ahead from {origins.size} origins in the test part:")
        for name, forecast in models.items():
            errors = [rmse(values[origin:origin + horizon], forecast(values[:origin], horizon))
                      for origin in origins]
            print(f"{name} {horizon}-step backtest RMSE: {np.mean(errors):.6f}")

    if FORECAST_STEPS:
        future = models["network"](values, FORECAST_STEPS)
        print(f"\nnetwork forecast of the next {FORECAST_STEPS} steps: "
              + ", ".join(f"{value:.4f}" for value in future))
    print("\nLSTM Lab stored these test RMSEs: "
          + ", ".join(f"{name} {value:.6f}" for name, value in STORED_TEST_RMSE.items()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else SERIES_FILE)
