"""A fast training loop for small Keras models: many optimizer steps per TensorFlow graph call.

``model.fit`` pays a fixed Python/dispatch cost on every step. For the small recurrent models of
this lab (a few units, batch size 1 in the seed program) that cost dominates: the arithmetic is
tiny. ``fit_fast`` runs whole runs of steps (normally a whole epoch) inside one ``tf.function``
while-loop with the same Keras layers, loss object and optimizer, so the mathematics is exactly
that of ``model.fit`` at the same batch size and epochs:

- one optimizer step per batch of ``batch_size`` samples, the last batch of an epoch being the
  remaining (smaller) one, as in ``model.fit``;
- the loss object's own reduction (``"sum_over_batch_size"`` for MSE: mean over the batch), plus
  any layer regularisation losses;
- the reported epoch loss is the sample-weighted mean of the batch losses (Keras' loss tracker);
- the validation loss is computed after the epoch with ``training=False`` and never used for any
  decision here;
- shuffling: a new permutation per epoch from a seeded NumPy generator (``epoch_order``), or no
  shuffling when ``shuffle_seed`` is None (``model.fit(shuffle=False)``).

Progress and cancel: ``on_epoch_end(epoch, logs)`` runs between epochs; ``should_stop()`` is
checked between graph calls, and an epoch that takes long is split into several calls of about
``chunk_seconds`` each, so a cancel is noticed within about a second even for big epochs.

This module imports TensorFlow: only workers and the CLI load it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from models.errors import TrainingCancelled  # noqa: E402

# Metric function: (y_true [B, ...], y_pred [B, ...]) -> one value per sample [B].
SampleMetric = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]
EpochCallback = Callable[[int, dict[str, float]], None]


def epoch_order(n_samples: int, epoch: int, shuffle_seed: int | None) -> np.ndarray:
    """Sample order of one epoch (0-based ``epoch``): a seeded permutation, or 0..n-1 without a seed.

    Each epoch's permutation depends only on (seed, epoch), so a test can feed ``model.fit`` the
    very same order.
    """
    if shuffle_seed is None:
        return np.arange(n_samples, dtype=np.int64)
    rng = np.random.default_rng([int(shuffle_seed), int(epoch)])
    return rng.permutation(n_samples).astype(np.int64)


def configure_threads(intra_op: int | None = None, inter_op: int | None = None) -> bool:
    """Set TensorFlow's thread pools if TensorFlow has not started yet; True if applied.

    Measured on 2 cores: one thread each made the seed configuration (LSTM(4), batch 1) about 25%
    faster but the default forecaster (32 units, batch 16) about twice as slow, so the lab keeps
    TensorFlow's defaults and nothing calls this; it is here for experiments in a fresh process.
    """
    try:
        if intra_op is not None:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op)
        if inter_op is not None:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError:  # TensorFlow already initialised: the pools cannot change any more
        return False
    return True


def fit_fast(
    model,
    loss,
    optimizer,
    x_train,
    y_train,
    epochs: int,
    batch_size: int,
    shuffle_seed: int | None = None,
    x_val=None,
    y_val=None,
    on_epoch_end: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    metrics: dict[str, SampleMetric] | None = None,
    jit_compile: bool = False,
    chunk_seconds: float = 0.25,
) -> dict[str, list[float]]:
    """Train ``model`` like ``model.fit`` would, but with one graph call per epoch (or chunk).

    ``loss``: a Keras loss object (e.g. ``keras.losses.MeanSquaredError()``); ``optimizer``: a Keras
    optimizer (built here if needed). ``x_train`` [N, ...], ``y_train`` [N, ...] (cast to float32
    unless integer labels). ``metrics``: optional per-sample metric functions averaged over each
    epoch (name) and over the validation data (``val_`` + name).

    ``jit_compile``: compile the step loop with XLA. Compiling costs a second or two, after which a
    step of a small model is about ten times cheaper: worth it for runs of thousands of steps. XLA
    needs fixed shapes, so the last partial batch is padded and its padding weighted zero (the same
    mean loss; only for losses reduced by mean or sum).

    Returns the history ``{"loss": [...], "val_loss": [...], name: [...], ...}`` with one value
    per epoch. Raises TrainingCancelled when ``should_stop()`` becomes true.
    """
    metrics = dict(metrics or {})
    x_all = _as_tensor(x_train)
    y_all = _as_tensor(y_train)
    n_samples = int(x_all.shape[0])
    if n_samples == 0:
        raise ValueError("fit_fast needs at least one training sample.")
    batch_size = max(1, min(int(batch_size), n_samples))
    steps_per_epoch = math.ceil(n_samples / batch_size)
    padded = jit_compile and _weighted_reduction(loss) is not None
    padding = steps_per_epoch * batch_size - n_samples if padded else 0
    # [N + padding]: 1 for real samples, 0 for the padding of the last batch (XLA path only).
    sample_weights = tf.constant(np.r_[np.ones(n_samples), np.zeros(padding)].astype(np.float32))
    variables = model.trainable_variables
    if not optimizer.built:
        optimizer.build(variables)

    # Running sums of the epoch (sample-weighted, like Keras' Mean trackers).
    loss_total = tf.Variable(0.0, trainable=False, dtype=tf.float32)
    metric_totals = {name: tf.Variable(0.0, trainable=False, dtype=tf.float32) for name in metrics}
    seen = tf.Variable(0.0, trainable=False, dtype=tf.float32)

    def train_step(x_batch, y_batch, weights):
        # weights None: a real (possibly smaller) batch, reduced by the loss object itself exactly
        # as model.fit does; weights [B]: a fixed-size batch whose padding has weight 0.
        with tf.GradientTape() as tape:
            y_pred = model(x_batch, training=True)
            if weights is None:
                value = loss(y_batch, y_pred)
                count = tf.cast(tf.shape(y_batch)[0], tf.float32)
            else:
                count = tf.reduce_sum(weights)
                value = tf.reduce_sum(loss.call(y_batch, y_pred) * weights)
                if _weighted_reduction(loss) == "mean":
                    value = value / count
            if model.losses:
                value = value + tf.add_n(model.losses)
        gradients = tape.gradient(value, variables)
        optimizer.apply(gradients, variables)
        loss_total.assign_add(tf.cast(value, tf.float32) * count)
        for name, metric in metrics.items():
            per_sample = tf.cast(metric(y_batch, y_pred), tf.float32)
            if weights is not None:
                per_sample = per_sample * weights
            metric_totals[name].assign_add(tf.reduce_sum(per_sample))
        seen.assign_add(count)

    def run_steps(x, y, order, first_step, last_step):
        # One optimizer step per batch, entirely inside the graph: no Python between steps. A plain
        # while loop, not ``for .. in tf.range``: XLA would treat a range's length as a compile-time
        # constant and recompile for every new chunk size.
        step = first_step
        while step < last_step:
            start = step * batch_size
            if padded:
                batch = tf.slice(order, [start], [batch_size])  # fixed size [B] for XLA
                weights = tf.slice(sample_weights, [start], [batch_size])
            else:
                stop = tf.minimum(start + batch_size, n_samples)  # the last batch may be smaller
                batch = order[start:stop]
                weights = None
            train_step(tf.gather(x, batch), tf.gather(y, batch), weights)
            step += 1
        return seen

    run_steps = tf.function(run_steps, jit_compile=padded, reduce_retracing=True)

    has_val = x_val is not None and y_val is not None
    x_val_t = _as_tensor(x_val) if has_val else None
    y_val_t = _as_tensor(y_val) if has_val else None

    def evaluate(x, y):
        y_pred = model(x, training=False)
        values = [tf.cast(loss(y, y_pred), tf.float32)]
        values += [tf.reduce_sum(tf.cast(metric(y, y_pred), tf.float32)) for metric in metrics.values()]
        return tf.stack(values)

    if has_val:  # one graph for every chunk size (the last chunk is usually shorter): traced once
        evaluate = tf.function(evaluate, input_signature=[
            tf.TensorSpec([None, *x_val_t.shape[1:]], x_val_t.dtype),
            tf.TensorSpec([None, *y_val_t.shape[1:]], y_val_t.dtype)])

    history: dict[str, list[float]] = {"loss": []}
    if has_val:
        history["val_loss"] = []
    for name in metrics:
        history[name] = []
        if has_val:
            history[f"val_{name}"] = []

    # Steps per graph call: start small (the first call also traces the graph), then size the calls
    # from the measured speed so each takes about ``chunk_seconds`` (at most a whole epoch).
    steps_per_call = min(steps_per_epoch, 16)
    traced = False
    for epoch in range(epochs):
        _check_stop(should_stop)
        order = epoch_order(n_samples, epoch, shuffle_seed)
        order = tf.constant(np.r_[order, np.zeros(padding, dtype=np.int64)])  # [N + padding]
        loss_total.assign(0.0)
        seen.assign(0.0)
        for total in metric_totals.values():
            total.assign(0.0)
        done = 0
        while done < steps_per_epoch:
            count = min(steps_per_call, steps_per_epoch - done)
            started = time.perf_counter()
            run_steps(x_all, y_all, order, tf.constant(done, tf.int32), tf.constant(done + count, tf.int32))
            elapsed = time.perf_counter() - started
            done += count
            if traced:
                per_step = max(elapsed / count, 1e-7)
                steps_per_call = int(min(steps_per_epoch, max(1, chunk_seconds / per_step)))
            traced = True
            if done < steps_per_epoch:
                _check_stop(should_stop)
        n_seen = float(seen.numpy())
        logs = {"loss": float(loss_total.numpy()) / n_seen}
        for name, total in metric_totals.items():
            logs[name] = float(total.numpy()) / n_seen
        if has_val:
            logs.update(_evaluate_batched(evaluate, x_val_t, y_val_t, list(metrics)))
        for key, value in logs.items():
            history[key].append(value)
        if on_epoch_end is not None:
            on_epoch_end(epoch, logs)
    _check_stop(should_stop)
    return history


def _evaluate_batched(evaluate, x, y, metric_names: list[str], rows: int = 4096) -> dict[str, float]:
    """Validation loss and metrics in chunks of ``rows`` samples (mean loss, sample-weighted)."""
    n_samples = int(x.shape[0])
    sums = np.zeros(1 + len(metric_names))
    for start in range(0, n_samples, rows):
        stop = min(start + rows, n_samples)
        values = evaluate(x[start:stop], y[start:stop]).numpy().astype(np.float64)
        sums[0] += values[0] * (stop - start)  # loss: mean over the chunk -> sum
        sums[1:] += values[1:]  # metrics: already sums over the chunk
    logs = {"val_loss": float(sums[0] / n_samples)}
    for index, name in enumerate(metric_names):
        logs[f"val_{name}"] = float(sums[1 + index] / n_samples)
    return logs


def _weighted_reduction(loss) -> str | None:
    """ "mean" or "sum" when the loss can be re-reduced with sample weights (the XLA path), else None."""
    reduction = getattr(loss, "reduction", None)
    if not hasattr(loss, "call"):
        return None
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        return "mean"
    return "sum" if reduction == "sum" else None


def _as_tensor(values) -> tf.Tensor:
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float32, copy=False)
    return tf.convert_to_tensor(array)


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TrainingCancelled("Training was cancelled.")
