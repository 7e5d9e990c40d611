"""A fast training loop for small Keras models: many optimizer steps per TensorFlow graph call.

``model.fit`` pays a fixed Python/dispatch cost on every step. For the small recurrent models of
this lab (a few units, batch size 1 in the seed program) that cost dominates: the arithmetic is
tiny. ``fit_fast`` runs many steps (up to many whole epochs) inside one ``tf.function`` while-loop
with the same Keras layers, loss object and optimizer, so the mathematics is exactly that of
``model.fit`` at the same batch size and epochs:

- one optimizer step per batch of ``batch_size`` samples, the last batch of an epoch being the
  remaining (smaller) one, as in ``model.fit``;
- the loss object's own reduction (``"sum_over_batch_size"`` for MSE: mean over the batch), plus
  any layer regularisation losses;
- the reported epoch loss is the sample-weighted mean of the batch losses (Keras' loss tracker);
- the validation loss is computed after the epoch with ``training=False`` and never used for any
  decision here;
- shuffling: a new permutation per epoch from a seeded NumPy generator (``epoch_order``), or no
  shuffling when ``shuffle_seed`` is None (``model.fit(shuffle=False)``).

Progress and cancel: each graph call takes about ``chunk_seconds``, however many epochs that is
(short epochs share a call, a long epoch is split into several); ``on_epoch_end(epoch, logs)`` runs
after the call for every epoch it finished, and ``should_stop()`` is checked between calls, so a
cancel is noticed within about a second. Measured on the seed airline configuration (100 epochs of
95 steps): one call per epoch cost 0.5 s of host round trips, more than the 0.13 s of arithmetic.

Warm processes: the traced graph is kept per architecture (``_trainer``), so a worker's next fit of
the same network shape starts training at once instead of tracing again (seconds for an ensemble).

This module imports TensorFlow: only workers and the CLI load it.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _keep_compiled_loops(folder: Path) -> None:
    """Let XLA keep the loops it compiles in ``folder``: a fresh worker or command-line process then
    loads the seed preset's compiled loop instead of compiling it again (measured: the cold fit went
    from 1.45 to 0.75 s). Per machine and user on purpose: compiled code is specific to the CPU, and
    an unwritable folder would fail the compile. TensorFlow reads the flag at its first XLA compile,
    so setting it before any is enough; a TF_XLA_FLAGS that names a cache folder is left as it is."""
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if "tf_xla_persistent_cache_directory" in flags:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK):
        os.environ["TF_XLA_FLAGS"] = (f"{flags} --tf_xla_persistent_cache_directory={folder} "
                                      "--tf_xla_persistent_cache_device_types=CPU").strip()


COMPILE_CACHE = Path(tempfile.gettempdir()) / f"lstmlab-xla-cache-{getattr(os, 'getuid', lambda: 0)()}"
_keep_compiled_loops(COMPILE_CACHE)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from numpy.typing import ArrayLike  # noqa: E402
from tensorflow.python.eager import context  # noqa: E402

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


def seed_everything(seed: int) -> None:
    """Same seed and settings -> same numbers on the same machine (Python, NumPy, TF, Keras).

    Every random part of the lab's networks has its own seed (``keras_models.layer_seed``) and the
    epochs' orders come from ``epoch_order``: the global seeds are a safety net. Setting TensorFlow's
    global seed clears its kernel caches, and for the default ensemble rebuilding them cost 3.3 s at
    the start of every fit: a process already seeded with ``seed`` keeps them.
    """
    random.seed(seed)
    np.random.seed(seed)
    if context.global_seed() != seed:
        keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def fit_fast(
    model: Any,
    loss: Any,
    optimizer: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    epochs: int,
    batch_size: int,
    shuffle_seed: int | None = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    on_epoch_end: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    metrics: dict[str, SampleMetric] | None = None,
    jit_compile: bool = False,
    chunk_seconds: float = 0.25,
    max_epochs_per_call: int | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` like ``model.fit`` would, with as few graph calls as the progress reports allow.

    ``loss``: a Keras loss object (e.g. ``keras.losses.MeanSquaredError()``); ``optimizer``: a Keras
    optimizer (built here if needed). ``x_train`` [N, ...], ``y_train`` [N, ...] (cast to float32
    unless integer labels). ``metrics``: optional per-sample metric functions averaged over each
    epoch (name) and over the validation data (``val_`` + name); give module-level functions, so
    later fits find the traced graph again.

    ``jit_compile``: compile the step loop with XLA. Compiling costs a second or two, after which a
    step of a small model is about ten times cheaper: worth it for runs of thousands of steps. XLA
    needs fixed shapes, so the last partial batch is padded and its padding weighted zero (the same
    mean loss; only for losses reduced by mean or sum).

    ``max_epochs_per_call``: at most this many epochs per graph call (default: as many as take about
    ``chunk_seconds``). Give 1 when ``on_epoch_end`` may end the fit by raising and the model must
    then hold that epoch's weights.

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
    width = steps_per_epoch * batch_size if padded else n_samples  # one epoch's order, padded for XLA
    # [width]: 1 for real samples, 0 for the padding of the last batch (XLA path only).
    sample_weights = tf.constant((np.arange(width) < n_samples).astype(np.float32))
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    has_val = x_val is not None and y_val is not None
    if x_val is not None and y_val is not None:  # (has_val, spelt out for the type checker)
        x_val_t, y_val_t = _as_tensor(x_val), _as_tensor(y_val)
    else:  # empty without validation data: never read
        x_val_t, y_val_t = x_all[:0], y_all[:0]
    columns = ["loss", *metrics]
    history: dict[str, list[float]] = {name: [] for name in columns}
    if has_val:
        history.update({f"val_{name}": [] for name in columns})
    # Epochs are laid out in blocks of a fixed shape (one trace and one compile per fit), each block
    # at most ORDER_BLOCK sample indices.
    block = max(1, min(epochs, ORDER_BLOCK // width))
    # Steps per graph call: start small (the first call may also trace the graph), then size the calls
    # from the measured speed so each takes about ``chunk_seconds``; a call never leaves its block.
    steps_per_call = min(steps_per_epoch, 16)
    measured = False
    signature = [_any_length(x_all), _any_length(y_all), tf.TensorSpec([None, None], tf.int64),
                 tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32),
                 _any_length(x_val_t), _any_length(y_val_t)]
    with _trainer(model, loss, optimizer, batch_size, padded, metrics, signature) as trainer:
        _copy_state(model, optimizer, trainer.model, trainer.optimizer)
        for block_start in range(0, epochs, block):
            n_epochs = min(block, epochs - block_start)
            orders = np.zeros((block, width), dtype=np.int64)
            for row in range(n_epochs):
                orders[row, :n_samples] = epoch_order(n_samples, block_start + row, shuffle_seed)
            orders = tf.constant(orders)
            sums = np.zeros((block, len(columns)))  # per epoch: sample-weighted loss and metric sums
            done, total = 0, n_epochs * steps_per_epoch
            while done < total:
                _check_stop(should_stop)
                count = min(steps_per_call, total - done)
                if max_epochs_per_call:
                    last_end = (done // steps_per_epoch + max_epochs_per_call) * steps_per_epoch
                    count = min(count, last_end - done)
                started = time.perf_counter()
                call_sums, val = trainer.run(x_all, y_all, orders, sample_weights,
                                             tf.constant(done, tf.int32), tf.constant(done + count, tf.int32),
                                             x_val_t, y_val_t)
                sums += call_sums.numpy()  # waits for the call to end: then the clock is honest
                val = val.numpy()
                elapsed = time.perf_counter() - started
                if measured:
                    steps_per_call = int(max(1, chunk_seconds / max(elapsed / count, 1e-7)))
                measured = True
                _copy_state(trainer.model, trainer.optimizer, model, optimizer)
                finished = range(done // steps_per_epoch, (done + count) // steps_per_epoch)
                done += count
                for row in finished:
                    logs = {name: float(sums[row, index]) / n_samples for index, name in enumerate(columns)}
                    if has_val:
                        logs.update(_validation_logs(val[row], columns, int(x_val_t.shape[0])))
                    for key, value in logs.items():
                        history[key].append(value)
                    if on_epoch_end is not None:
                        on_epoch_end(block_start + row, logs)
    _check_stop(should_stop)
    return history


# At most this many sample indices per block of epoch orders (int64: 32 MB).
ORDER_BLOCK = 4_000_000
# Trainers kept per process, most recently used last (see ``_trainer``).
TRAINERS_KEPT = 8
# Seconds a fit waits for another thread's fit of the same architecture before tracing its own twin.
WAIT_FOR_TRAINER = 15.0


@dataclass
class _Trainer:
    """A private twin of a model and its optimizer with the graph function that trains them."""

    model: Any  # Keras objects: Keras ships no type hints
    optimizer: Any
    run: Callable[..., Any]  # the traced graph function (see _training_function)
    lock: threading.Lock = field(default_factory=threading.Lock)


_trainers: OrderedDict[str, _Trainer] = OrderedDict()
_graphs_lock = threading.Lock()


@contextmanager
def _trainer(model: Any, loss: Any, optimizer: Any, batch_size: int, padded: bool,
             metrics: dict[str, SampleMetric], signature: list[tf.TensorSpec]) -> Iterator[_Trainer]:
    """A trainer for ``model``'s architecture, traced once per process and shape, while in use.

    Tracing a 12-step unrolled ensemble takes seconds: a later fit of another model with the same
    architecture, loss, optimizer kind and batch size reuses the twin and its traced (and compiled)
    graph, so a warm worker pays the tracing once. The twin is private: callers keep their own model.
    A trainer in use by another thread is waited for up to WAIT_FOR_TRAINER seconds, then this fit
    traces a twin of its own.

    The key is everything the graph depends on: a loss's ``get_config`` must hold all its settings,
    and metric functions count by identity (the cache keeps them alive, so an id is never reused).
    """
    optimizer_settings = {key: value for key, value in optimizer.get_config().items()
                          if key not in ("learning_rate", "name")}  # the rate is one of its variables
    key = json.dumps([_architecture(model.get_config()), type(loss).__qualname__, loss.get_config(),
                      type(optimizer).__qualname__, optimizer_settings, batch_size, padded,
                      {name: id(metric) for name, metric in metrics.items()}, str(signature)],
                     sort_keys=True, default=str)
    with _graphs_lock:
        trainer = _trainers.get(key)
    # Another thread's fit (a worker's warm-up) usually ends soon: wait for it rather than trace again.
    if trainer is None or not trainer.lock.acquire(timeout=WAIT_FOR_TRAINER):
        trainer = _new_trainer(model, loss, optimizer, batch_size, padded, metrics, signature)
        trainer.lock.acquire()
        with _graphs_lock:
            _trainers[key] = trainer
            while len(_trainers) > TRAINERS_KEPT:
                _trainers.popitem(last=False)
    with _graphs_lock:
        if key in _trainers:
            _trainers.move_to_end(key)
    try:
        yield trainer
    finally:
        trainer.lock.release()


def _new_trainer(model: Any, loss: Any, optimizer: Any, batch_size: int, padded: bool,
                 metrics: dict[str, SampleMetric], signature: list[tf.TensorSpec]) -> _Trainer:
    twin = keras.models.clone_model(model)
    twin_optimizer = type(optimizer)(**optimizer.get_config())  # our own settings, not a file's
    twin_optimizer.build(twin.trainable_variables)
    run = _training_function(twin, loss, twin_optimizer, batch_size, padded, metrics)
    # Any number of samples and epochs: one trace per trainer (XLA still compiles once per shape).
    return _Trainer(twin, twin_optimizer, tf.function(run, input_signature=signature, jit_compile=padded))


def _training_function(model: Any, loss: Any, optimizer: Any, batch_size: int, padded: bool,
                       metrics: dict[str, SampleMetric]) -> Callable[..., Any]:
    """run(x [N, ...], y [N, ...], orders [E, W], weights [W], first, last, x_val, y_val) ->
    (sums [E, 1 + metrics], val [E, 1 + metrics]): the optimizer steps ``first`` to ``last`` (counted
    from the block's first epoch; one step per batch of an epoch's order) on ``model``'s variables.
    ``sums`` holds each epoch's sample-weighted loss and metric sums of these steps, ``val`` the
    validation loss (mean) and metric sums after each epoch the steps finish (zeros when ``x_val`` is
    empty: one graph serves fits with and without validation data)."""
    reduction = _weighted_reduction(loss)
    variables = model.trainable_variables

    def train_step(x_batch: tf.Tensor, y_batch: tf.Tensor, weights: tf.Tensor | None) -> tf.Tensor:
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
                if reduction == "mean":
                    value = value / count
            if model.losses:
                value = value + tf.add_n(model.losses)
        gradients = tape.gradient(value, variables)
        optimizer.apply(gradients, variables)
        row = [tf.cast(value, tf.float32) * count]
        for metric in metrics.values():
            per_sample = tf.cast(metric(y_batch, y_pred), tf.float32)
            if weights is not None:
                per_sample = per_sample * weights
            row.append(tf.reduce_sum(per_sample))
        return tf.stack(row)

    def evaluate(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        y_pred = model(x, training=False)
        values = [tf.cast(loss(y, y_pred), tf.float32)]
        values += [tf.reduce_sum(tf.cast(metric(y, y_pred), tf.float32)) for metric in metrics.values()]
        return tf.stack(values)

    def run(x: tf.Tensor, y: tf.Tensor, orders: tf.Tensor, weights: tf.Tensor, first: tf.Tensor,
            last: tf.Tensor, x_val: tf.Tensor, y_val: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # Entirely inside the graph: no Python between steps. A plain while loop, not ``for .. in
        # tf.range``: XLA would treat a range's length as a compile-time constant and recompile for
        # every new chunk size.
        n_samples = tf.shape(x)[0]
        steps_per_epoch = (n_samples + batch_size - 1) // batch_size
        sums = tf.zeros([tf.shape(orders)[0], 1 + len(metrics)])
        val = tf.zeros_like(sums)
        step = first
        while step < last:
            epoch = step // steps_per_epoch
            start = (step % steps_per_epoch) * batch_size
            if padded:
                batch = tf.slice(orders[epoch], [start], [batch_size])  # fixed size [B] for XLA
                batch_weights = tf.slice(weights, [start], [batch_size])
            else:  # the last batch may be smaller
                batch = orders[epoch, start:tf.minimum(start + batch_size, n_samples)]
                batch_weights = None
            row = train_step(tf.gather(x, batch), tf.gather(y, batch), batch_weights)
            sums = tf.tensor_scatter_nd_add(sums, [[epoch]], [row])
            if (step + 1) % steps_per_epoch == 0 and tf.shape(x_val)[0] > 0:  # an epoch ends: score it
                val = tf.tensor_scatter_nd_update(val, [[epoch]], [evaluate(x_val, y_val)])
            step += 1
        return sums, val

    return run


_predictors: OrderedDict[str, Callable[..., Any]] = OrderedDict()


def predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``model``'s forward pass (``training=False``) as NumPy [B, ...] -> NumPy [B, ...], through a
    graph traced once per process and architecture: each run's networks predict hundreds of times
    (backtest, calibration, the forecast past the end), and tracing the default ensemble's forward
    pass cost 0.8 s per network."""
    key = json.dumps(_architecture(model.get_config()), sort_keys=True, default=str)
    with _graphs_lock:
        call = _predictors.get(key)
        if call is None:
            twin = keras.models.clone_model(model)  # its structure only: the weights come as inputs
            signature = [[tf.TensorSpec(v.shape, v.dtype) for v in variables]
                         for variables in (twin.trainable_variables, twin.non_trainable_variables)]
            signature.append(_any_length(twin.inputs[0]))
            call = tf.function(lambda weights, state, x: twin.stateless_call(weights, state, x)[0],
                               input_signature=signature)
            _predictors[key] = call
            while len(_predictors) > TRAINERS_KEPT:
                _predictors.popitem(last=False)
        _predictors.move_to_end(key)

    def predict(x: np.ndarray) -> np.ndarray:
        weights = [variable.value for variable in model.trainable_variables]
        state = [variable.value for variable in model.non_trainable_variables]
        return call(weights, state, tf.constant(np.asarray(x, dtype=np.float32))).numpy()

    return predict


def _any_length(tensor: tf.Tensor) -> tf.TensorSpec:
    return tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype)


def _validation_logs(values: np.ndarray, columns: list[str], n_val: int) -> dict[str, float]:
    """``val_loss`` (the loss is already a mean) and ``val_`` + each metric (sums, averaged here)."""
    return {f"val_{name}": float(value) / (1 if index == 0 else n_val)
            for index, (name, value) in enumerate(zip(columns, values, strict=True))}


def _architecture(config: Any) -> Any:
    """A model's configuration without what only its initial weights depend on (initializers, seeds)."""
    if isinstance(config, dict):
        return {key: _architecture(value) for key, value in config.items()
                if key != "seed" and not key.endswith("_initializer")}
    if isinstance(config, list):
        return [_architecture(value) for value in config]
    return config


def _copy_state(model: Any, optimizer: Any, to_model: Any, to_optimizer: Any) -> None:
    """Weights, other layer state (dropout seeds) and optimizer slots of one model into its twin."""
    pairs = ((model.variables, to_model.variables), (optimizer.variables, to_optimizer.variables))
    for source, target in pairs:
        for variable, twin in zip(source, target, strict=True):
            twin.assign(variable.value)


def _weighted_reduction(loss: Any) -> str | None:
    """ "mean" or "sum" when the loss can be re-reduced with sample weights (the XLA path), else None."""
    reduction = getattr(loss, "reduction", None)
    if not hasattr(loss, "call"):
        return None
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        return "mean"
    return "sum" if reduction == "sum" else None


def _as_tensor(values: ArrayLike) -> tf.Tensor:
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float32, copy=False)
    return tf.convert_to_tensor(array)


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TrainingCancelled("Training was cancelled.")
