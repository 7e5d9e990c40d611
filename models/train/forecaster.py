"""Train a recurrent forecaster on a series and score it against the baselines (imports Keras).

Only worker processes and the CLI import this module. ``train_forecaster`` is the one entry point,
in three steps:

    prepare_run  series ─ transform, split, train-only scaler, windows
    fit_network  seeded Keras ensemble ─ fit_fast (graph loop, progress + cancel every epoch)
    report_run   one-step predictions ─ forecast past the end ─ baselines on the same targets
                 ─ backtest, intervals, verdict ─ ForecastReport
    then packed as a RunResult (metrics, summary, history, predictions.csv, model.keras, config.json)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from models.config import FINE_TUNE_LEARNING_RATE, ForecastConfig  # noqa: E402
from models.errors import ConfigError, TrainingCancelled  # noqa: E402
from models.forecast import pipeline as forecast  # noqa: E402
from models.forecast import transforms  # noqa: E402
from models.forecast.backtest import default_horizon  # noqa: E402
from models.forecast.evaluation import evaluate  # noqa: E402
from models.forecast.predictions import PREDICTIONS_FILE, Predictions  # noqa: E402
from models.forecast.report import ForecastReport  # noqa: E402
from models.forecast.repro import PRETRAINED_FILE  # noqa: E402
from models.forecast.split import (  # noqa: E402
    MIN_TRAIN_WINDOWS,  # noqa: E402
    MinMaxScaler,
    Split,
    make_windows,
)
from models.results import EpochReport, ProgressFn, RunResult, StopFn, make_report  # noqa: E402
from models.summaries import ForecastSummary  # noqa: E402
from models.train import pretrained  # noqa: E402
from models.train.fastfit import fit_fast, predictor, seed_everything  # noqa: E402
from models.train.keras_models import MemberSum, build_forecaster, make_optimizer  # noqa: E402
from models.train.pretrained import GlobalForecaster  # noqa: E402
from models.vocabulary import RunKind  # noqa: E402

if TYPE_CHECKING:
    from models.data import Series

# Unrolling the recurrence is the same mathematics and much faster for short windows; long windows
# would make a graph too big to build quickly.
UNROLL_MAX_LOOK_BACK = 32
# XLA compiles the step loop in about a second for the smallest graphs (then each step is ~10x
# cheaper) but takes ten seconds and more for a 12-step unrolled window: use it only for tiny
# graphs trained for many steps, such as the seed preset (look-back 1, batch 1, 100 epochs).
XLA_MIN_STEPS = 5000
XLA_MAX_GRAPH = 4  # look_back * layers
# Windows per prediction call: one call over the 67,000 training windows of a 100,000-point series
# took 5 GB, in calls of 4,096 about 1 GB (bench/long_series.py); shorter series make a single call.
PREDICT_BATCH = 4096


def use_xla(config: ForecastConfig, n_windows: int) -> bool:
    """Whether compiling the training loop with XLA pays off for this configuration. Never with
    dropout: XLA draws the dropout masks with another random-number algorithm than model.fit."""
    steps = config.epochs * -(-n_windows // config.batch_size)
    return (steps >= XLA_MIN_STEPS and config.look_back * config.layers <= XLA_MAX_GRAPH
            and config.dropout == 0)


def train_forecaster(
    config: ForecastConfig, series: Series, progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> RunResult:
    """Fit the configured network on ``series`` (a models.data.Series) and score it honestly:
    ``prepare_run`` → ``fit_network`` → ``report_run``, packed with the run's files.

    Calls ``progress(EpochReport)`` after every epoch and checks ``should_stop()`` at least once per
    epoch, raising TrainingCancelled when it turns true. Raises ConfigError / DataError (one plain
    sentence) when the settings do not fit the data.
    """
    report, fitted = forecast_run(config, series, progress, should_stop)
    fitted.model.compile(optimizer=fitted.optimizer, loss=fitted.loss)  # reloads ready to train further
    artifacts = {
        PREDICTIONS_FILE: report.predictions.to_csv(),
        "model.keras": _model_bytes(fitted.model),
        "config.json": json.dumps(config.to_dict(), indent=2, sort_keys=True).encode("utf-8"),
    }
    if report.summary.mode != "local":  # the weights it started from, for the exported script
        kind = pretrained.kind_of_season(report.summary.season_length)
        artifacts[PRETRAINED_FILE] = pretrained.shipped_path(kind).read_bytes()
    return RunResult(kind=RunKind.FORECAST, metrics=report.metrics, summary=report.summary,
                     history=fitted.history, artifacts=artifacts, fit_seconds=round(fitted.seconds, 3))


def forecast_run(config: ForecastConfig, series: Series, progress: ProgressFn | None = None,
                 should_stop: StopFn | None = None) -> tuple[ForecastReport, FittedNetwork]:
    """The run's report and its fitted network, unpacked (what ``train_forecaster`` packs)."""
    config, notes = forecast.network_settings(config, series.values,
                                              forecast.resolve_season(config, series.season_length))
    if config.pretrained:  # its cell is an LSTM whatever the local network's setting says
        config = config.replace(cell="lstm")
    prepared = prepare_run(config, series)
    prepared.notes.extend(notes)
    if should_stop is not None and should_stop():
        raise TrainingCancelled("Training was cancelled before it started.")
    fit = fit_pretrained if config.pretrained else fit_network
    fitted = fit(config, prepared, progress, should_stop)
    return report_run(config, series, prepared, fitted), fitted


def prepare_run(config: ForecastConfig, series: Series) -> forecast.Prepared:
    """The series transformed, split and scaled for ``config`` (its season: the configured one, else
    the detected one)."""
    values = np.asarray(series.values, dtype=np.float64)
    return forecast.prepare(config, values, forecast.resolve_season(config, series.season_length))


@dataclass(frozen=True)
class FittedNetwork:
    """The run's network in the forecaster contract, the Keras model ``model.keras`` holds and what to
    compile it with (so the file reloads ready to train further), its epochs' reports and the fit's
    duration."""

    network: NetworkForecaster | GlobalForecaster
    model: keras.Model
    optimizer: keras.optimizers.Optimizer
    loss: keras.losses.Loss | str | Callable[..., Any]
    history: list[dict[str, Any]]
    seconds: float  # measured as the seed program measures model.fit
    windows: int  # training windows


def fit_network(config: ForecastConfig, prepared: forecast.Prepared, progress: ProgressFn | None = None,
                should_stop: StopFn | None = None) -> FittedNetwork:
    """Train the configured ensemble on the training part's windows (the test part's loss is reported,
    never used)."""
    split = prepared.split
    history: list[dict[str, Any]] = []
    started = time.perf_counter()

    def on_epoch_end(epoch: int, logs: dict[str, float]) -> None:
        report = make_report(
            epoch + 1,
            config.epochs,
            logs["loss"] / config.ensemble,  # an ensemble's loss is its members' sum: report their mean
            started,
            time.perf_counter(),
            val_loss=None if logs.get("val_loss") is None else logs["val_loss"] / config.ensemble,
            first=history[0] if history else None,
        )
        report = _finite_report(report)
        history.append(report.to_dict())
        if progress is not None:
            progress(report)

    steps = output_steps(config, prepared.season_length)
    x_train, y_train = _training_pairs(prepared.scaled, split.train_targets, split.n_train, config.look_back,
                                       steps)
    x_val, y_val = _training_pairs(prepared.scaled, split.test_targets, split.n_points, config.look_back,
                                   steps, required=False)
    model, optimizer, loss = _train_network(config, x_train, y_train, should_stop, x_val=x_val, y_val=y_val,
                                            on_epoch_end=on_epoch_end)
    network = NetworkForecaster(MemberPredictor(model, config.ensemble, steps), config, prepared.transform,
                                prepared.season_length, prepared.scaler, should_stop)
    # An ensemble's own loss is saved as plain mean squared error, which Keras knows without LSTM Lab
    # (the same minimum, 1/members the step).
    return FittedNetwork(network=network, model=model, optimizer=optimizer,
                         loss=loss if config.ensemble == 1 else "mse", history=history,
                         seconds=time.perf_counter() - started, windows=len(y_train))


def fit_pretrained(config: ForecastConfig, prepared: forecast.Prepared, progress: ProgressFn | None = None,
                   should_stop: StopFn | None = None) -> FittedNetwork:
    """The shipped network for the series' kind of season (models/train/pretrained.py): as it is, or
    fine-tuned on the training part's windows. Its history reports the masked absolute error of its
    forecasts from every training and test origin (after each fine-tune epoch, or once)."""
    split, values = prepared.split, prepared.values
    shipped = pretrained.load_shipped(pretrained.kind_of_season(prepared.season_length))
    train_values = values[: split.n_train]
    test_origins = np.arange(split.n_train, split.n_points)
    history: list[dict[str, Any]] = []
    started = time.perf_counter()

    def report(epoch: int, epochs: int, loss: float, val_loss: float | None) -> None:
        entry = _finite_report(make_report(epoch, epochs, loss, started, time.perf_counter(),
                                           val_loss=val_loss, first=history[0] if history else None))
        history.append(entry.to_dict())
        if progress is not None:
            progress(entry)
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"Training was cancelled after epoch {epoch} of {epochs}.")

    validation = pretrained.examples_at(values, test_origins, shipped.shape)
    if config.mode == "fine-tuned":
        tune = pretrained.FineTune(seed=config.seed)
        epochs = tune.epochs * len(shipped.models)

        def on_epoch_end(epoch: int, logs: dict[str, float]) -> None:
            report(len(history) + 1, epochs, logs["loss"], logs.get("val_loss"))

        network = shipped.fine_tuned(train_values, tune, on_epoch_end=on_epoch_end, validation=validation)
        network.should_stop = should_stop  # the interval calibration fine-tunes again: cancellable too
    else:  # one report: how the network as it is does on the series' own windows
        network = shipped
        origins = np.arange(pretrained.MIN_HISTORY, split.n_train)
        loss = network.loss(pretrained.examples_at(train_values, origins, shipped.shape))
        report(1, 1, float("nan") if loss is None else loss, network.loss(validation))
    windows = max(split.n_train - pretrained.MIN_HISTORY, 0)
    # Saved with Keras' own absolute error (the same loss on a full horizon), so model.keras reloads
    # anywhere without LSTM Lab's masked one.
    return FittedNetwork(network=network, model=network.models[0],
                         optimizer=keras.optimizers.Adam(FINE_TUNE_LEARNING_RATE), loss="mae",
                         history=history,
                         seconds=time.perf_counter() - started, windows=windows)


def report_run(config: ForecastConfig, series: Series, prepared: forecast.Prepared,
               fitted: FittedNetwork) -> ForecastReport:
    """The fitted network's one-step predictions and forecast past the end, scored with every baseline
    on the same targets (models/forecast/evaluation.py)."""
    split, network = prepared.split, fitted.network
    n_future = config.forecast_steps
    if isinstance(network, NetworkForecaster):
        network_path = _window_path(config, prepared, network.predict, n_future)
    else:
        network_path = _history_path(network, prepared.values, split, n_future)
    evaluation = evaluate(prepared, config, network_path, network, frequency=series.frequency)
    verdict = evaluation.verdict
    future = forecast.future_labels(list(series.time_labels), series.times, n_future)
    predictions = Predictions.build(list(series.time_labels), future, (split.n_train, split.n_test),
                                    prepared.values, {name: evaluation.predictions[name]
                                                      for name in forecast.PREDICTION_COLUMNS},
                                    evaluation.bands)
    summary = ForecastSummary(
        target=series.target,
        time_column=series.time_column,  # the reproduction script names both columns
        name=series.name,
        n_points=split.n_points,
        n_train=split.n_train,
        n_test=split.n_test,
        season_length=prepared.season_length,
        frequency=series.frequency,
        look_back=network.shape.look_back if isinstance(network, GlobalForecaster) else config.look_back,
        cell="lstm" if isinstance(network, GlobalForecaster) else config.cell,
        transform=prepared.transform,
        mode=config.mode,
        forecast_steps=n_future,
        verdict=verdict.text,
        verdict_kind=verdict.kind,
        best_baseline=verdict.best_baseline,
        improvement_percent=verdict.rounded_percent,
        horizon=evaluation.horizon,
        one_step=evaluation.one_step_verdict.facts(),
        backtest=None if evaluation.backtest is None else evaluation.backtest.scores(),
        intervals=evaluation.intervals(),
        fingerprint=series.fingerprint,
        notes=list(series.notes) + prepared.notes + _network_notes(config, network, fitted.windows)
        + evaluation.notes,
    )
    return ForecastReport(metrics=evaluation.metrics, summary=summary, predictions=predictions)


def _window_path(config: ForecastConfig, prepared: forecast.Prepared, predict: MemberPredictor,
                 n_future: int) -> np.ndarray:
    """A local network's one-step predictions of every target from the prepared windows, then its
    forecast past the end: [N + K] original units (NaN before the first target)."""
    split = prepared.split
    path = np.full(split.n_points + n_future, np.nan)
    for targets, x in ((split.train_targets, prepared.x_train), (split.test_targets, prepared.x_test)):
        scaled = predict(x)[:, :, 0]  # [M, members]: each member's next value
        path[targets] = np.median([forecast.one_step_to_original(prepared, scaled[:, member], targets)
                                   for member in range(config.ensemble)], axis=0)
    if n_future:
        window = prepared.scaled[None, -config.look_back :]  # [1, L]
        paths = _forecast_paths(predict, window, n_future)[0]  # [K, members]
        path[split.n_points :] = np.median([forecast.path_to_original(prepared, member_path)
                                            for member_path in paths.T], axis=0)
    return path


def _history_path(network: GlobalForecaster, values: np.ndarray, split: Split, n_future: int) -> np.ndarray:
    """The same path from a forecaster that reads histories: each target forecast from the values
    before it, the forecast past the end from the whole series."""
    path = np.full(split.n_points + n_future, np.nan)
    targets = np.concatenate([split.train_targets, split.test_targets])
    path[targets] = np.concatenate(network.forecast_many([values[:target] for target in targets],
                                                         [1] * targets.size))
    if n_future:
        path[split.n_points :] = network.forecast_many([values], [n_future])[0]
    return path


def warm_up(config: ForecastConfig | None = None) -> None:
    """Trace the training and prediction graphs of ``config``'s network (the defaults) on made-up
    windows, so a fresh worker's first such run starts training at once: tracing the default
    ensemble takes seconds, and later fits of the same shape reuse the graphs (``fastfit``)."""
    config = (config or ForecastConfig()).replace(epochs=1)
    windows = config.batch_size + 1  # two batches, the last one smaller, as in real data
    x = np.zeros((windows, config.look_back, 1), dtype=np.float32)
    y = np.zeros((windows, output_steps(config, None)))
    model = _train_network(config, x, y, None, x_val=x[:2], y_val=y[:2])[0]
    MemberPredictor(model, config.ensemble, y.shape[1])(x)


def member_seeds(config: ForecastConfig) -> list[int]:
    """The seed of each network of the run's ensemble: the run's seed, then the next ones (an
    ensemble of one is exactly the single network)."""
    return [config.seed + member for member in range(config.ensemble)]


def output_steps(config: ForecastConfig, season_length: int | None) -> int:
    """Values the network forecasts per call: 1 (recursive), or the whole backtest horizon (direct)."""
    if config.strategy == "recursive":
        return 1
    return config.horizon or default_horizon(season_length)


def _network_notes(config: ForecastConfig, network: NetworkForecaster | GlobalForecaster,
                   n_windows: int) -> list[str]:
    if isinstance(network, GlobalForecaster):
        shape = network.shape
        tuned = (f", then trained {network.tune.epochs} more epochs on the {n_windows} windows of the "
                 "training part" if network.tune else "; it was not trained on this series")
        return [f"The network is the one pretrained across the competition series ({network.describe()}): "
                f"it reads up to {shape.look_back} values, each window scaled by its own level, and "
                f"forecasts {shape.horizon} steps at once{tuned}."]
    notes = []
    steps = network.predict.steps
    if steps > 1:
        notes.append(f"The network forecasts all {steps} steps of the horizon at once (direct), trained on "
                     f"the {n_windows} windows whose next {steps} values lie inside the training part.")
    if config.ensemble > 1:
        seeds = member_seeds(config)
        listed = ", ".join(map(str, seeds)) if len(seeds) <= 3 else f"{seeds[0]} to {seeds[-1]}"
        notes.append(f"The network's forecasts are the median of {config.ensemble} networks started from "
                     f"seeds {listed} and trained side by side on the same batches; model.keras holds them "
                     "all, one output each.")
    return notes


@overload
def _training_pairs(scaled: np.ndarray, targets: np.ndarray, end: int, look_back: int, steps: int,
                    required: Literal[True] = ...) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def _training_pairs(scaled: np.ndarray, targets: np.ndarray, end: int, look_back: int, steps: int,
                    required: bool) -> tuple[np.ndarray | None, np.ndarray | None]: ...


def _training_pairs(scaled: np.ndarray, targets: np.ndarray, end: int, look_back: int, steps: int,
                    required: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Windows [M, look_back, 1] and the ``steps`` values after each [M, steps], for the ``targets``
    whose ``steps`` values all lie before ``end``. ``required``: too few of them is a ConfigError
    (else (None, None))."""
    targets = np.asarray(targets)
    kept = targets[targets + steps <= end]
    if kept.size < (MIN_TRAIN_WINDOWS if required else 1):
        if not required:
            return None, None
        raise ConfigError(
            f"Direct forecasts of {steps} steps leave only {kept.size} training windows (each needs its next "
            f"{steps} values inside the training part): choose recursive forecasts, a shorter horizon or a "
            "shorter look-back.")
    x, _ = make_windows(scaled, kept, look_back)  # [M, L, 1]
    return x, scaled[kept[:, None] + np.arange(steps)[None, :]]  # [M, steps]


def _train_network(config: ForecastConfig, x: np.ndarray, y: np.ndarray, should_stop: StopFn | None,
                   **fit_options: Any) -> tuple[keras.Model, keras.optimizers.Optimizer, keras.losses.Loss]:
    """(model, optimizer, loss): the configured network (an ensemble of ``config.ensemble`` in one
    model), initialised from the run's seed and fitted on windows ``x`` [M, look_back, 1] and the
    values after each ``y`` [M, steps] (steps: 1, or the horizon of a direct network)."""
    steps = y.shape[1]
    seed_everything(config.seed)
    model = build_forecaster(config.look_back, 1, config.cell, config.units, config.layers, config.dropout,
                             unroll=config.look_back <= UNROLL_MAX_LOOK_BACK, seed=config.seed,
                             members=config.ensemble, steps=steps)
    optimizer = make_optimizer(config.optimizer, config.learning_rate)
    single = config.ensemble == 1 and steps == 1
    loss = keras.losses.MeanSquaredError() if single else MemberSum(steps)

    def targets(values: np.ndarray) -> np.ndarray:  # [M, steps] -> [M, members * steps]: every member's
        return np.tile(np.asarray(values), (1, config.ensemble))

    y_val = fit_options.pop("y_val", None)
    fit_fast(model, loss, optimizer, x, targets(y), epochs=config.epochs, batch_size=config.batch_size,
             shuffle_seed=config.seed, should_stop=should_stop, jit_compile=use_xla(config, len(y)),
             y_val=None if y_val is None else targets(y_val), **fit_options)
    return model, optimizer, loss


class MemberPredictor:
    """The trained ensemble's next values: NumPy [M, look_back, 1] -> [M, members, steps] scaled (each
    member's next ``steps`` values), through one traced graph, in calls of PREDICT_BATCH windows."""

    def __init__(self, model: keras.Model, members: int, steps: int) -> None:
        self.call = predictor(model)
        self.members, self.steps = members, steps

    def __call__(self, x: np.ndarray) -> np.ndarray:
        outputs = np.concatenate([self.call(x[start:start + PREDICT_BATCH])
                                  for start in range(0, max(len(x), 1), PREDICT_BATCH)]).astype(np.float64)
        return outputs.reshape(len(outputs), self.members, self.steps)


def _forecast_paths(predict: MemberPredictor, last_windows: np.ndarray, steps: int) -> np.ndarray:
    """Each member's forecast of the ``steps`` values after each of ``last_windows`` [H, look_back]
    (scaled): [H, steps, members]. A call gives every member's next values from its own window, for
    every window at once; they are fed back as its newest inputs until ``steps`` are forecast (one
    per call, or a horizon per call)."""
    start = np.asarray(last_windows, dtype=np.float64)
    n_windows, look_back = start.shape
    members, head = predict.members, predict.steps
    windows = np.repeat(start[:, None, :], members, axis=1)  # [H, members, L]: member k's own inputs
    path = np.empty((n_windows, steps, members))
    own = np.arange(members)
    done = 0
    while done < steps:
        outputs = predict(windows.reshape(n_windows * members, look_back, 1))  # [H * members, members, head]
        block = outputs.reshape(n_windows, members, members, head)[:, own, own]  # [H, members, head]
        take = min(head, steps - done)
        path[:, done : done + take] = block[:, :, :take].transpose(0, 2, 1)
        windows = np.concatenate([windows, block[:, :, :take]], axis=2)[:, :, -look_back:]
        done += take
    return path


class NetworkForecaster:
    """The trained network in the forecaster contract (models/forecast/contract.py).

    ``forecast_many`` forecasts the values after each history (original units) from that history only:
    transformed by ``transform``, scaled by ``scaler``, then forecast by every member (an ensemble: their
    median), one graph call per step for all histories at once (a backtest's origins called one by one
    made hundreds of small calls). ``fit`` trains a network the same way on other values alone (the
    interval calibration's, on the training part minus its tail: it never sees what follows);
    ``train`` one on a whole series, with no test part held out.
    """

    def __init__(self, predict: MemberPredictor, config: ForecastConfig, transform: str,
                 season_length: int | None, scaler: MinMaxScaler, should_stop: StopFn | None = None) -> None:
        self.predict, self.config, self.scaler, self.should_stop = predict, config, scaler, should_stop
        self.transform, self.season_length = transform, season_length

    @classmethod
    def train(cls, config: ForecastConfig, values: np.ndarray,
              should_stop: StopFn | None = None) -> NetworkForecaster:
        """A network with ``config``'s settings trained on all of ``values`` (the season: the configured
        one; the "auto" transform resolved for this length). ConfigError / ValueError with a plain
        sentence when the values are too few for the look-back."""
        values = np.asarray(values, dtype=np.float64)
        season = forecast.resolve_season(config, None)
        transform = transforms.resolve(config.transform, season, values.size, config.look_back)
        return cls._trained(config, transform, season, values, should_stop)

    def describe(self) -> str:
        config = self.config
        members = f"median of {config.ensemble} networks" if config.ensemble > 1 else "one network"
        return f"{config.cell.upper()}({config.units}), look-back {config.look_back}, {members}"

    def forecast_many(self, histories: Sequence[np.ndarray], counts: Sequence[int]) -> list[np.ndarray]:
        name, season, look_back = self.transform, self.season_length, self.config.look_back
        arrays = [np.asarray(history, dtype=np.float64) for history in histories]
        for history in arrays:
            if history.size < look_back + transforms.offset(name, season):
                raise ValueError(f"it needs {look_back} values before the forecast")
        windows = [self.scaler.transform(transforms.forward(name, history, season))[-look_back:]
                   for history in arrays]
        paths = _forecast_paths(self.predict, np.stack(windows), max(counts))  # [H, steps, members] scaled
        # A path's first k steps are the forecast of k steps: each step depends only on earlier ones.
        return [np.median([transforms.invert_path(name, self.scaler.inverse_transform(member_path[:count]),
                                                  history, season) for member_path in path.T], axis=0)
                for history, path, count in zip(arrays, paths, counts, strict=True)]

    def fit(self, train_values: np.ndarray) -> NetworkForecaster:
        """A network trained like this one (same transform) on ``train_values`` alone. ValueError if
        too short."""
        try:
            return self._trained(self.config, self.transform, self.season_length,
                                 np.asarray(train_values, dtype=np.float64), self.should_stop)
        except ConfigError:
            raise ValueError("too few training windows are left before the calibration tail") from None

    @classmethod
    def _trained(cls, config: ForecastConfig, transform: str, season: int | None, values: np.ndarray,
                 should_stop: StopFn | None) -> NetworkForecaster:
        offset = transforms.offset(transform, season)
        transformed = transforms.forward(transform, values, season)
        scaler = MinMaxScaler(config.headroom).fit(transformed[offset:])
        steps = output_steps(config, season)
        targets = np.arange(offset + config.look_back, values.size)
        x, y = _training_pairs(scaler.transform(transformed), targets, values.size, config.look_back, steps)
        model = _train_network(config, x, y, should_stop)[0]
        predict = MemberPredictor(model, config.ensemble, steps)
        return cls(predict, config, transform, season, scaler, should_stop)


def _finite_report(report: EpochReport) -> EpochReport:
    """A diverged loss is reported as None-free JSON: inf/NaN become a large finite marker."""
    loss = report.loss if np.isfinite(report.loss) else float(np.finfo(np.float32).max)
    val_loss = report.val_loss if report.val_loss is None or np.isfinite(report.val_loss) else None
    if loss == report.loss and val_loss == report.val_loss:
        return report
    return EpochReport(
        epoch=report.epoch,
        epochs=report.epochs,
        loss=loss,
        val_loss=val_loss,
        metrics=report.metrics,
        elapsed=report.elapsed,
        eta=report.eta,
    )


def _model_bytes(model: keras.Model) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()
