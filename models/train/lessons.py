"""Train the Learn page's tiny networks (imports Keras: only workers and the CLI load this module).

``train_learn(config)`` runs one "learn" run:

- task "roommate": one small recurrent network learns the roommate's dinners from the last few days
  (models/lessons/tasks.py); it is tested on the last quarter of the days, by weather.
- task "memory": one network per cell type and sequence length learns to answer the first symbol
  of a sequence; the test accuracies draw the "accuracy against distance" chart.

Both export their networks as ``models.networks.numpy_rnn`` weights, so the page can query them (tomorrow's
dinner, the yesterday x weather table, the gates) without Keras.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from models.config import LearnConfig  # noqa: E402
from models.errors import ConfigError  # noqa: E402
from models.lessons import tasks as toy_tasks  # noqa: E402
from models.networks import numpy_rnn  # noqa: E402
from models.results import ProgressFn, RunResult, StopFn, finite_or_none, make_report  # noqa: E402
from models.summaries import MemoryMetrics, MemorySummary, RoommateMetrics, RoommateSummary  # noqa: E402
from models.train.digits import export_weights, model_bytes  # noqa: E402
from models.train.fastfit import fit_fast, seed_everything  # noqa: E402
from models.train.keras_models import CELL_LAYERS, recurrent_seeded, seeded  # noqa: E402
from models.vocabulary import RunKind  # noqa: E402

TEST_SHARE = 0.25  # the roommate's last quarter of days is kept for testing
CLIP_NORM = 1.0  # long sequences can throw a plain RNN's gradients far: clip them, for every cell alike
STOP_ACCURACY = 0.995  # a memory network that gets this share of an epoch right stops early


def train_learn(config: LearnConfig, progress: ProgressFn | None = None,
                should_stop: StopFn | None = None) -> RunResult:
    """Train the run's task; returns a RunResult of kind "learn" (see the two task functions)."""
    if config.task == "roommate":
        return train_roommate(config, progress, should_stop)
    return train_memory(config, progress, should_stop)


def build_network(cell: str, units: int, steps: int | None, features: int, classes: int,
                  gate_bias: float | None = None, seed: int | None = None) -> keras.Model:
    """One recurrent layer and a softmax head: [B, steps, features] -> [B, classes].

    ``gate_bias`` b (gated cells only) starts the cell remembering: the GRU's update gate gets bias
    +b (Keras: 0); the LSTM's forget gate +b (Keras: 1) and its input gate -b (Keras: 0), the LSTM
    version of the GRU's "keep z, write 1 - z". With b = 3 a cell keeps about 95% of its memory per
    step and writes about 5% of each new step before any training, so the gradient reaches far back
    and the network learns long-range memory in seconds (the idea of "chrono" initialisation, Tallec
    and Ollivier 2018). Training then opens the input gate where it matters. Plain RNNs have no gate.
    """
    inputs = keras.Input(shape=(steps, features), name="steps")
    recurrent = CELL_LAYERS[cell](units, name=cell, **recurrent_seeded(seed, 0))  # seeded: see keras_models
    outputs = keras.layers.Dense(classes, activation="softmax", name="answer", **seeded(seed, 1))(
        recurrent(inputs))
    model = keras.Model(inputs, outputs, name=f"{cell}_learner")
    if gate_bias is not None and cell != "rnn":
        kernel, recurrent_kernel, bias = recurrent.get_weights()  # bias: LSTM [4U] (i, f, c, o); GRU [2, 3U]
        if cell == "lstm":
            bias[:units] = -gate_bias
            bias[units:2 * units] = gate_bias
        else:
            bias[0, :units] = gate_bias  # input-side bias of the update gate z (h = z*h + (1-z)*g)
        recurrent.set_weights([kernel, recurrent_kernel, bias])
    return model


# ---------------------------------------------------------------- the roommate


def train_roommate(config: LearnConfig, progress: ProgressFn | None = None,
                   should_stop: StopFn | None = None) -> RunResult:
    """Learn the dinners; test on the last quarter of the days.

    metrics: test_accuracy, train_accuracy, sunny_accuracy, rainy_accuracy (test days; None when
    the test part has no such day), rule_accuracy (the rule on the same days: 1 by construction).
    summary: weather (S/R letters), dinners (dish index per day, day 0 first), window, n_train,
    n_test, rule_table and network_table (3 yesterdays x 2 weathers: dish index), network_confidence,
    parameters. artifacts: weights.npz, model.keras, dinners.csv.
    """
    weather = (toy_tasks.parse_weather(config.weather) if config.weather
               else toy_tasks.random_weather(config.days, config.rain_chance, config.seed))
    x, y, day_weather = toy_tasks.roommate_windows(weather, config.window)  # [M, W, 5], [M], [M]
    n_test = max(1, round(len(y) * TEST_SHARE))
    n_train = len(y) - n_test
    if n_train < 1:
        raise ConfigError(f"Give at least {config.window + 2} days of weather to train and test on.")
    seed_everything(config.seed)
    model = build_network(config.cell, config.units, None, toy_tasks.DAY_FEATURES, len(toy_tasks.DISHES),
                          config.gate_bias if config.cell != "rnn" else None, seed=config.seed)
    history = _fit(model, config, x[:n_train], y[:n_train], x[n_train:], y[n_train:], progress,
                   should_stop, epochs_before=0, epochs_total=config.epochs)
    weights = export_weights(model)
    predicted = numpy_rnn.predict(weights, x).argmax(axis=1)  # [M]
    correct = predicted == y
    test_weather = day_weather[n_train:]
    rule = np.array([toy_tasks.roommate_rule(step[:3].argmax(), step[3:].argmax()) for step in x[:, -1, :]])
    table, confidence = toy_tasks.pair_predictions(weights, config.window)
    metrics = RoommateMetrics(
        test_accuracy=_mean(correct[n_train:]),
        train_accuracy=_mean(correct[:n_train]),
        sunny_accuracy=_mean(correct[n_train:][test_weather == toy_tasks.SUNNY]),
        rainy_accuracy=_mean(correct[n_train:][test_weather == toy_tasks.RAINY]),
        rule_accuracy=_mean(rule[n_train:] == y[n_train:]),
    )
    dinners = toy_tasks.roommate_dinners(weather)
    summary = RoommateSummary(
        weather=toy_tasks.weather_text(weather),
        dinners=dinners.tolist(),
        window=config.window,
        n_train=int(n_train),
        n_test=int(n_test),
        test_sunny_days=int((test_weather == toy_tasks.SUNNY).sum()),
        test_rainy_days=int((test_weather == toy_tasks.RAINY).sum()),
        rule_table=toy_tasks.rule_table(),
        network_table=table,
        network_confidence=confidence,
        parameters=int(model.count_params()),
        cell=config.cell,
    )
    first_test_day = len(weather) - n_test  # day numbers: day 0 is the first dinner
    frame = pd.DataFrame({
        "day": np.arange(len(dinners)),
        "weather": ["", *(toy_tasks.WEATHERS[day] for day in weather)],
        "dinner": [toy_tasks.DISHES[dish] for dish in dinners],
        "part": ["start", *("test" if day > first_test_day else "train" for day in range(1, len(dinners)))],
    })
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    return RunResult(
        kind=RunKind.LEARN, metrics=metrics, summary=summary, history=history,
        artifacts={"weights.npz": numpy_rnn.weights_to_bytes(weights), "model.keras": model_bytes(model),
                   "dinners.csv": frame.to_csv(index=False).encode("utf-8")},
        fit_seconds=round(history[-1]["elapsed"] if history else 0.0, 3),
    )


# ---------------------------------------------------------------- long memory


def train_memory(config: LearnConfig, progress: ProgressFn | None = None,
                 should_stop: StopFn | None = None) -> RunResult:
    """Train one network per (cell, length); each stops early once it gets its training data right.

    metrics: accuracy {cell: {length: test accuracy}}, chance, rule_accuracy {length: accuracy of the
    perfect rule} (1 by construction). summary: cells, lengths, symbols, epochs_used and seconds
    {cell: {length: ...}}. artifacts: weights-<cell>-<length>.npz for every network.
    Progress: one report per epoch of every network; ``epoch`` counts across networks (each has a
    slot of ``config.epochs``) and metrics carry cell (index in ``config.cells``), length, accuracy
    and val_accuracy, so the page can draw the chart while the run trains.
    """
    lengths = sorted(config.lengths)
    epochs_total = config.epochs * len(lengths) * len(config.cells)
    n_test = max(200, config.samples // 2)
    accuracy: dict[str, dict[str, float | None]] = {cell: {} for cell in config.cells}
    epochs_used: dict[str, dict[str, int]] = {cell: {} for cell in config.cells}
    seconds: dict[str, dict[str, float]] = {cell: {} for cell in config.cells}
    rule_accuracy: dict[str, float | None] = {}
    history: list[dict[str, Any]] = []
    artifacts: dict[str, bytes] = {}
    started = time.perf_counter()
    slot = 0
    for length_index, length in enumerate(lengths):
        data_seed = config.seed + length_index
        x_train, y_train = toy_tasks.memory_task(config.samples, length, config.symbols, data_seed)
        x_test, y_test = toy_tasks.memory_task(n_test, length, config.symbols, 10_000 + data_seed)
        rule_accuracy[str(length)] = _mean(toy_tasks.memory_rule(x_test) == y_test)
        for cell_index, cell in enumerate(config.cells):
            model_started = time.perf_counter()
            seed_everything(config.seed)  # every cell starts from the same seed
            model = build_network(cell, config.units, length, config.symbols + 1, config.symbols,
                                  config.gate_bias, seed=config.seed)
            extra = {"cell": float(cell_index), "length": float(length)}
            network_history = _fit(model, config, x_train, y_train, x_test, y_test, progress, should_stop,
                                   epochs_before=slot * config.epochs, epochs_total=epochs_total,
                                   started=started, extra=extra, stop_at=STOP_ACCURACY)
            history.extend(network_history)
            weights = export_weights(model)
            predicted = numpy_rnn.predict(weights, x_test).argmax(axis=1)
            accuracy[cell][str(length)] = _mean(predicted == y_test)
            epochs_used[cell][str(length)] = len(network_history)
            seconds[cell][str(length)] = round(time.perf_counter() - model_started, 2)
            artifacts[f"weights-{cell}-{length}.npz"] = numpy_rnn.weights_to_bytes(weights)
            slot += 1
    metrics = MemoryMetrics(accuracy=accuracy, chance=toy_tasks.chance_accuracy(config.symbols),
                            rule_accuracy=rule_accuracy)
    summary = MemorySummary(cells=list(config.cells), lengths=lengths, symbols=config.symbols,
                            samples=config.samples, n_test=n_test, epochs_used=epochs_used, seconds=seconds,
                            gate_bias=config.gate_bias)
    return RunResult(kind=RunKind.LEARN, metrics=metrics, summary=summary, history=history,
                     artifacts=artifacts, fit_seconds=round(time.perf_counter() - started, 3))


# ---------------------------------------------------------------- shared


class _Enough(Exception):
    """Raised from the epoch callback to end a fit early (the network has learned its data)."""


def _fit(model: keras.Model, config: LearnConfig, x_train: np.ndarray, y_train: np.ndarray,
         x_test: np.ndarray, y_test: np.ndarray, progress: ProgressFn | None, should_stop: StopFn | None,
         epochs_before: int, epochs_total: int, started: float | None = None,
         extra: dict[str, float] | None = None, stop_at: float | None = None) -> list[dict[str, Any]]:
    """Fit with the fast graph loop; epoch e is reported as ``epochs_before + e`` of ``epochs_total``."""
    started = time.perf_counter() if started is None else started
    history: list[dict[str, Any]] = []

    def on_epoch_end(epoch: int, logs: dict[str, float]) -> None:
        if not all(math.isfinite(float(value)) for value in logs.values()):
            raise ConfigError("Training diverged (the loss is no longer a finite number): "
                              "try a smaller learning rate.")
        report = make_report(epochs_before + epoch + 1, epochs_total, logs["loss"], started,
                             time.perf_counter(), val_loss=logs.get("val_loss"), accuracy=logs["accuracy"],
                             val_accuracy=logs["val_accuracy"], first=history[0] if history else None,
                             **(extra or {}))
        history.append(report.to_dict())
        if progress is not None:
            progress(report)
        if stop_at is not None and logs["accuracy"] >= stop_at:
            raise _Enough()

    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=CLIP_NORM)
    with contextlib.suppress(_Enough):
        fit_fast(model, keras.losses.SparseCategoricalCrossentropy(), optimizer, x_train, y_train,
                 epochs=config.epochs, batch_size=config.batch_size, shuffle_seed=config.seed,
                 x_val=x_test, y_val=y_test, on_epoch_end=on_epoch_end, should_stop=should_stop,
                 metrics={"accuracy": _sample_accuracy},
                 max_epochs_per_call=None if stop_at is None else 1)  # stopping keeps that epoch's weights
    return history


def _sample_accuracy(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """1.0 where the most probable class is the label, per sample [B]."""
    predicted = tf.argmax(y_pred, axis=-1, output_type=tf.int32)
    return tf.cast(tf.equal(tf.cast(y_true, tf.int32), predicted), tf.float32)


def _mean(values: np.ndarray) -> float | None:
    """Mean of booleans, None for an empty selection (never NaN)."""
    values = np.asarray(values)
    return finite_or_none(values.mean()) if values.size else None


__all__ = ["build_network", "train_learn", "train_memory", "train_roommate"]
