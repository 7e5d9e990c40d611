"""fit_fast does the same mathematics as keras model.fit, reports every epoch and can be cancelled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from models.errors import TrainingCancelled
from models.train import fastfit
from models.train.keras_models import build_classifier, build_forecaster, make_optimizer

N_SAMPLES, BATCH, EPOCHS = 23, 5, 3  # 23 = 4 full batches of 5 + a partial batch of 3


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_SAMPLES, 3, 1)).astype("float32")  # [N, look_back, 1]
    y = rng.normal(size=(N_SAMPLES, 1)).astype("float32")  # [N, 1]
    return x, y


def _twin_models():
    keras.utils.set_random_seed(1)
    reference = build_forecaster(3, 1, "lstm", 4)
    fast = build_forecaster(3, 1, "lstm", 4)
    fast.set_weights(reference.get_weights())
    return reference, fast


def _fit_with_keras(model, x, y, shuffle_seed):
    """model.fit, one epoch at a time, fed the same sample order fit_fast uses."""
    model.compile(loss=keras.losses.MeanSquaredError(), optimizer=make_optimizer("adam", 0.01))
    losses, val_losses = [], []
    for epoch in range(EPOCHS):
        order = fastfit.epoch_order(N_SAMPLES, epoch, shuffle_seed)
        history = model.fit(
            x[order],
            y[order],
            batch_size=BATCH,
            epochs=1,
            shuffle=False,
            verbose=0,
            validation_data=(x[:7], y[:7]),
        ).history
        losses.append(history["loss"][0])
        val_losses.append(history["val_loss"][0])
    return losses, val_losses


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_fit_fast_matches_model_fit(jit_compile):
    x, y = _data()
    reference, fast = _twin_models()
    initial = reference.get_weights()
    losses, val_losses = _fit_with_keras(reference, x, y, shuffle_seed=5)
    history = fastfit.fit_fast(
        fast,
        keras.losses.MeanSquaredError(),
        make_optimizer("adam", 0.01),
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH,
        shuffle_seed=5,
        x_val=x[:7],
        y_val=y[:7],
        jit_compile=jit_compile,
    )
    tolerance = 1e-6 if jit_compile else 1e-7  # XLA fuses float32 arithmetic differently
    for got, expected, start in zip(fast.get_weights(), reference.get_weights(), initial, strict=True):
        assert not np.allclose(expected, start)  # training really moved the weights
        np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-6)
    np.testing.assert_allclose(history["val_loss"], val_losses, rtol=1e-6)


def test_epoch_order_is_seeded_and_fresh_every_epoch():
    np.testing.assert_array_equal(fastfit.epoch_order(6, 3, None), np.arange(6))
    first, again = fastfit.epoch_order(50, 0, 7), fastfit.epoch_order(50, 0, 7)
    np.testing.assert_array_equal(first, again)
    assert sorted(first) == list(range(50))
    assert not np.array_equal(first, fastfit.epoch_order(50, 1, 7))


def test_per_sample_metrics_match_keras_accuracy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 4, 2)).astype("float32")
    labels = rng.integers(0, 3, size=40)
    keras.utils.set_random_seed(2)
    reference = build_classifier(4, 2, 3, "gru", 5)
    fast = build_classifier(4, 2, 3, "gru", 5)
    fast.set_weights(reference.get_weights())
    reference.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=make_optimizer("rmsprop", 0.01),
        metrics=["accuracy"],
    )
    expected = reference.fit(
        x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0, validation_data=(x[:10], labels[:10])
    ).history

    def correct(y_true, y_pred):  # [B] 1.0 where the most likely class is the label
        return tf.cast(tf.equal(tf.cast(y_true, tf.int64), tf.argmax(y_pred, axis=-1)), tf.float32)

    got = fastfit.fit_fast(
        fast,
        keras.losses.SparseCategoricalCrossentropy(),
        make_optimizer("rmsprop", 0.01),
        x,
        labels,
        epochs=2,
        batch_size=16,
        x_val=x[:10],
        y_val=labels[:10],
        metrics={"accuracy": correct},
    )
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)


def test_cancel_raises_and_stops_between_epochs():
    x, y = _data()
    _, model = _twin_models()
    epochs_seen = []
    with pytest.raises(TrainingCancelled):
        fastfit.fit_fast(
            model,
            keras.losses.MeanSquaredError(),
            make_optimizer("adam", 0.01),
            x,
            y,
            epochs=50,
            batch_size=BATCH,
            on_epoch_end=lambda epoch, logs: epochs_seen.append(epoch),
            should_stop=lambda: len(epochs_seen) >= 2,
        )
    assert epochs_seen == [0, 1]


def test_long_epochs_are_split_so_cancel_is_checked_within_an_epoch():
    x, y = _data()
    _, model = _twin_models()
    checks = []
    history = fastfit.fit_fast(
        model,
        keras.losses.MeanSquaredError(),
        make_optimizer("adam", 0.01),
        x,
        y,
        epochs=3,
        batch_size=1,
        should_stop=lambda: checks.append(1) and False,
        chunk_seconds=0.0,
    )  # the first two calls run 16 steps (the first one traces), every later call a single step
    assert len(history["loss"]) == 3 and np.isfinite(history["loss"]).all()
    assert len(checks) > 3 * N_SAMPLES - 32  # one check per call: many per epoch of 23 steps


def test_a_later_fit_of_the_same_architecture_reuses_the_traced_graph_and_not_the_model():
    """The second model trains in the graph the first one traced, on a private twin: the first
    model keeps its weights, and the second ends where a fit with a freshly traced graph ends."""
    x, y = _data()

    def fit(model, seed):
        return fastfit.fit_fast(model, keras.losses.MeanSquaredError(), make_optimizer("adam", 0.01), x, y,
                                epochs=2, batch_size=BATCH, shuffle_seed=seed)

    fastfit._trainers.clear()
    first = build_forecaster(3, 1, "gru", 3, seed=11)
    fit(first, 1)
    first_weights = first.get_weights()
    (trainer,) = fastfit._trainers.values()
    traces = trainer.run.experimental_get_tracing_count()

    second, fresh = build_forecaster(3, 1, "gru", 3, seed=12), build_forecaster(3, 1, "gru", 3, seed=12)
    fit(second, 2)
    assert trainer.run.experimental_get_tracing_count() == traces  # no new trace
    for got, expected in zip(first.get_weights(), first_weights, strict=True):
        np.testing.assert_array_equal(got, expected)
    fastfit._trainers.clear()
    fit(fresh, 2)
    for got, expected in zip(second.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


def test_short_epochs_share_graph_calls_but_each_is_reported_and_can_end_the_fit():
    x, y = _data()
    _, model = _twin_models()
    reported = []

    class Enough(Exception):
        pass

    def on_epoch_end(epoch, logs):
        reported.append((epoch, logs["loss"], model.get_weights()))
        if epoch == 3:
            raise Enough

    with pytest.raises(Enough):
        fastfit.fit_fast(model, keras.losses.MeanSquaredError(), make_optimizer("adam", 0.01), x, y,
                         epochs=30, batch_size=BATCH, on_epoch_end=on_epoch_end, max_epochs_per_call=1)
    assert [epoch for epoch, _, _ in reported] == [0, 1, 2, 3]
    _, again = _twin_models()
    history = fastfit.fit_fast(again, keras.losses.MeanSquaredError(), make_optimizer("adam", 0.01), x, y,
                               epochs=4, batch_size=BATCH)  # 4 epochs of 5 steps: one or two calls
    np.testing.assert_allclose(history["loss"], [loss for _, loss, _ in reported], rtol=1e-6)
    for got, expected in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)  # the model ended at epoch 4


COMPILED_FIT = """
import keras
import numpy as np
from models.train import fastfit
from models.train.keras_models import build_forecaster
x = np.linspace(0, 1, 24, dtype="float32").reshape(24, 1, 1)
fastfit.fit_fast(build_forecaster(1, 1, "lstm", 2, seed=1), keras.losses.MeanSquaredError(),
                 keras.optimizers.Adam(0.01), x, x[:, 0], epochs=2, batch_size=4, jit_compile=True)
print(fastfit.COMPILE_CACHE)
"""


def test_a_fresh_process_loads_the_compiled_loop_an_earlier_one_kept(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "TF_XLA_FLAGS"}
    environment.update(TMPDIR=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")

    def run() -> Path:
        done = subprocess.run([sys.executable, "-c", COMPILED_FIT], env=environment, capture_output=True,
                              text=True, timeout=300, check=True)
        return Path(done.stdout.strip().splitlines()[-1])

    folder = run()
    assert folder.parent == tmp_path
    kept = {path.name: path.stat().st_mtime_ns for path in folder.glob("*.pb")}
    assert kept  # the first process compiled the loop and kept it
    assert run() == folder
    again = {path.name: path.stat().st_mtime_ns for path in folder.glob("*.pb")}
    assert again == kept  # loaded, not compiled and written again
