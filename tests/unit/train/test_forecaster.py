"""train_forecaster really trains (tiny settings), scores honestly, is reproducible and cancellable."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from models.config import ForecastConfig
from models.data import load_series
from models.errors import ConfigError, TrainingCancelled
from models.forecast import pipeline as forecast
from models.forecast.predictions import PREDICTIONS_FILE, Predictions
from models.results import EpochReport
from models.train.forecaster import train_forecaster

DATA = Path(__file__).resolve().parents[3] / "data"
TINY = ForecastConfig(mode="local", look_back=12, units=4, epochs=3, batch_size=16, forecast_steps=6, seed=3)


@pytest.fixture(scope="module")
def airline():
    return load_series(DATA / "airline-passengers.csv")


@pytest.fixture(scope="module")
def tiny_result(airline):
    reports: list[EpochReport] = []
    result = train_forecaster(TINY, airline, progress=reports.append)
    return result, reports


def test_other_threads_drawing_random_numbers_change_nothing(airline, tiny_result):
    """A Dask worker's own threads use Python's ``random`` while a run builds its network: the
    network's every seed comes from the run's seed, so the numbers stay the run's own."""
    stop = threading.Event()

    def draw() -> None:
        while not stop.is_set():
            random.random()
            time.sleep(0.0001)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        random.seed(12345)  # whatever state the process is in
        busy = train_forecaster(TINY.replace(forecast_steps=0), airline)
    finally:
        stop.set()
        thread.join()
    quiet = train_forecaster(TINY.replace(forecast_steps=0), airline)
    assert busy.metrics.network.test_rmse == quiet.metrics.network.test_rmse
    assert busy.metrics.network.test_rmse == tiny_result[0].metrics.network.test_rmse
    assert busy.history[0]["loss"] == quiet.history[0]["loss"]


def test_building_a_seeded_network_draws_nothing_from_pythons_random(monkeypatch):
    """Every layer's seed comes from the run's seed: not one is drawn from the shared ``random``
    (which other threads move), for every cell, with dropout, and for the Learn networks too."""
    from keras.src.random import seed_generator

    from models.train.keras_models import build_forecaster
    from models.train.lessons import build_network

    drawn = []
    original = seed_generator.make_default_seed
    monkeypatch.setattr(seed_generator, "make_default_seed", lambda: drawn.append(1) or original())
    for cell in ("lstm", "gru", "rnn"):
        build_forecaster(6, 1, cell, 4, layers=2, dropout=0.2, seed=7)
        build_network(cell, 4, steps=3, features=2, classes=2, seed=7)
    assert drawn == []


def _rows(result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.artifacts["predictions.csv"].decode("utf-8"))))


def _rmse(rows, column):
    errors = [float(row[column]) - float(row["actual"]) for row in rows]
    return math.sqrt(sum(error * error for error in errors) / len(errors))


def test_a_short_fit_gives_finite_metrics_for_every_model(tiny_result):
    result, _ = tiny_result
    assert result.kind == "forecast"
    assert set(result.metrics.models) == {"network", "persistence", "seasonal_naive", "drift", "mean", "ets",
                                          "theta", "arima"}
    assert set(result.metrics.to_dict()) == {"lstm", *result.metrics.models}  # the old key as an alias
    for name, scores in result.metrics.to_dict().items():
        assert {"train_rmse", "test_rmse", "test_mae", "test_mape", "test_smape", "test_mase"} <= set(scores)
        assert all(value is None or math.isfinite(value) for value in scores.values()), name
        assert scores["test_rmse"] is not None, name
    summary = result.summary
    assert (summary.n_points, summary.n_train, summary.n_test) == (144, 96, 48)
    assert (summary.target, summary.time_column) == ("Passengers", "Month")
    assert summary.season_length == 12 and summary.verdict_kind in ("better", "worse")
    assert summary.verdict.startswith("The LSTM is ") and summary.best_baseline in result.metrics.baselines
    assert summary.fingerprint == load_series(DATA / "airline-passengers.csv").fingerprint
    assert json.loads(result.artifacts["config.json"]) == TINY.to_dict()
    json.dumps(result.metrics.to_dict())
    json.dumps(result.summary.to_dict())


def test_predictions_csv_holds_every_model_on_the_same_test_targets(tiny_result):
    result, _ = tiny_result
    rows = _rows(result)
    assert list(rows[0]) == [
        "time",
        "actual",
        "part",
        "network",
        "persistence",
        "seasonal_naive",
        "drift",
        "mean",
        "ets",
        "theta",
        "arima",
        *(f"{model}_{side}_{level}" for model in ("network", "ets", "theta", "arima")
          for side in ("lower", "upper") for level in ("80", "95")),
        "lstm",  # the network's column under its old name, for one release
    ]
    parts = [row["part"] for row in rows]
    assert parts == ["train"] * 96 + ["test"] * 48 + ["forecast"] * 6
    assert [row["time"] for row in rows[-6:]] == [
        "1961-01",
        "1961-02",
        "1961-03",
        "1961-04",
        "1961-05",
        "1961-06",
    ]
    test_rows = [row for row in rows if row["part"] == "test"]
    for column in ("lstm", *forecast.PREDICTION_COLUMNS):
        assert all(row[column] for row in test_rows), column
        # The stored metric is the RMSE of exactly these rows: same targets for every model.
        stored = result.metrics.to_dict()[column]["test_rmse"]
        assert _rmse(test_rows, column) == pytest.approx(stored, rel=1e-9)
    assert all(row["lstm"] and not row["actual"] for row in rows[-6:])
    assert not rows[0]["lstm"]  # no window before the first look-back points


def test_progress_and_history_every_epoch(tiny_result):
    result, reports = tiny_result
    assert [report.epoch for report in reports] == [1, 2, 3]
    assert all(report.epochs == 3 and math.isfinite(report.loss) for report in reports)
    assert all(report.val_loss is not None for report in reports)
    assert [entry["epoch"] for entry in result.history] == [1, 2, 3]
    assert result.fit_seconds > 0


def test_saved_model_reloads_and_gives_the_stored_predictions(tiny_result, airline, tmp_path):
    result, _ = tiny_result
    path = tmp_path / "model.keras"
    path.write_bytes(result.artifacts["model.keras"])
    model = keras.saving.load_model(path)
    prepared = forecast.prepare(TINY, airline.values, 12)
    scaled = model.predict(prepared.x_test, verbose=0)  # [T, members]: the defaults' ensemble of 5
    assert scaled.shape[1] == TINY.ensemble == 5
    restored = np.median([forecast.one_step_to_original(prepared, column, prepared.split.test_targets)
                          for column in scaled.T], axis=0)
    stored = [float(row["lstm"]) for row in _rows(result) if row["part"] == "test"]
    np.testing.assert_allclose(restored, stored, rtol=1e-5)


def test_same_seed_gives_identical_numbers_and_another_seed_does_not(airline):
    config = ForecastConfig(mode="local",
        look_back=4, units=3, layers=2, dropout=0.2, epochs=2, batch_size=8, forecast_steps=3, seed=11
    )
    first = train_forecaster(config, airline)
    second = train_forecaster(config, airline)
    assert first.metrics == second.metrics
    assert first.artifacts["predictions.csv"] == second.artifacts["predictions.csv"]
    assert [entry["loss"] for entry in first.history] == [entry["loss"] for entry in second.history]
    other = train_forecaster(config.replace(seed=12), airline)
    assert other.metrics.network.test_rmse != first.metrics.network.test_rmse


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_other_cells_train(cell, airline):
    result = train_forecaster(
        ForecastConfig(mode="local", cell=cell, look_back=3, units=3, epochs=1, transform="diff"), airline
    )
    assert math.isfinite(result.metrics.network.test_rmse)
    assert result.summary.verdict.startswith("The GRU" if cell == "gru" else "The simple RNN")


def test_cancel_raises_training_cancelled(airline):
    reports: list[EpochReport] = []
    with pytest.raises(TrainingCancelled):
        train_forecaster(
            ForecastConfig(mode="local", units=3, epochs=50),
            airline,
            progress=reports.append,
            should_stop=lambda: len(reports) >= 1,
        )
    assert len(reports) == 1


def test_log_transform_on_non_positive_data_is_a_plain_config_error():
    series = load_series(b"t,v\n" + b"".join(f"{i},{(i % 7) - 2}\n".encode() for i in range(1, 61)))
    with pytest.raises(ConfigError, match="above zero"):
        train_forecaster(ForecastConfig(mode="local", transform="log_diff", epochs=1), series)


def test_a_series_without_season_skips_seasonal_naive_with_a_note():
    series = load_series(DATA / "nile-flow.csv")
    result = train_forecaster(ForecastConfig(mode="local",
                                             look_back=5, units=3, epochs=1, forecast_steps=2), series)
    assert result.summary.season_length is None
    assert all(value is None for value in result.metrics.models["seasonal_naive"].to_dict().values())
    assert any("seasonal naive" in note for note in result.summary.notes)
    assert [row["time"] for row in _rows(result)[-2:]] == ["1971", "1972"]


def test_an_ensemble_trains_its_members_side_by_side_and_forecasts_their_median(airline):
    """ensemble=3 is one model of three networks seeded 3, 4 and 5: the first is the single network of
    seed 3 (same gradients, same batches), and every network forecast of the run is the median."""
    from models.train import forecaster

    single = TINY.replace(epochs=2, forecast_steps=4, ensemble=1)
    reports: list[EpochReport] = []
    ensemble = train_forecaster(single.replace(ensemble=3), airline, progress=reports.append)
    alone = train_forecaster(single, airline)
    prepared = forecast.prepare(single, np.asarray(airline.values, dtype=np.float64), 12)

    y = prepared.y_train[:, None]  # [M, 1]: the next value of each window
    model = forecaster._train_network(single.replace(ensemble=3), prepared.x_train, y, None)[0]
    members = forecaster.MemberPredictor(model, 3, 1)(prepared.x_test)[:, :, 0]  # [T, 3] scaled
    first = forecaster.MemberPredictor(
        forecaster._train_network(single, prepared.x_train, y, None)[0], 1, 1)(prepared.x_test)[:, :, 0]
    np.testing.assert_allclose(members[:, 0], first[:, 0], rtol=1e-5, atol=1e-6)
    assert np.ptp(members, axis=1).min() > 0  # three different networks

    def network(result):
        return Predictions.from_csv(result.artifacts[PREDICTIONS_FILE]).network

    test = prepared.split.test_targets
    expected = np.median([forecast.one_step_to_original(prepared, members[:, k], test) for k in range(3)],
                         axis=0)
    np.testing.assert_allclose(network(ensemble)[test], expected, rtol=1e-6)
    assert not np.allclose(network(ensemble)[test], network(alone)[test])
    assert ensemble.summary.backtest.by_step["network"] != alone.summary.backtest.by_step["network"]
    assert [report.epoch for report in reports] == [1, 2] and reports[-1].epochs == 2
    assert any("median of 3 networks" in note and "seeds 3, 4, 5" in note for note in ensemble.summary.notes)


def test_direct_forecasts_feed_back_a_whole_horizon_per_call():
    """A stand-in network whose every output is the last input plus its step number: the forecast of
    5 values with a 2-step head takes three calls, each member continuing from its own window."""
    from models.train import forecaster

    calls = []

    class StandIn:  # a MemberPredictor: [B, L, 1] -> [B, members=2, steps=2]
        members, steps = 2, 2

        def __call__(self, x):
            calls.append(x.shape[0])
            last = x[:, -1, 0]
            member = np.array([0.0, 100.0])  # member 1 adds 100 on top
            return last[:, None, None] + member[None, :, None] + np.arange(1, 3)[None, None, :]

    windows = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 12.0]])
    paths = forecaster._forecast_paths(StandIn(), windows, 5)  # [2, 5, 2]
    np.testing.assert_allclose(paths[0, :, 0], [3, 4, 5, 6, 7])
    np.testing.assert_allclose(paths[0, :, 1], [103, 104, 205, 206, 307])
    np.testing.assert_allclose(paths[1], paths[0] + 10)  # the second window, in the same calls
    assert calls == [4, 4, 4]


def test_a_direct_network_forecasts_the_horizon_at_once(airline):
    config = TINY.replace(epochs=2, strategy="direct", ensemble=2, forecast_steps=14)
    result = train_forecaster(config, airline)
    assert result.summary.backtest.horizon == 12
    assert all(value is not None for value in result.summary.backtest.by_step["network"])
    assert any("all 12 steps of the horizon at once (direct)" in note for note in result.summary.notes)
    predictions = Predictions.from_csv(result.artifacts[PREDICTIONS_FILE])
    future = predictions.network[predictions.is_part("forecast")]
    assert future.size == 14 and np.isfinite(future).all()  # 12 at once, then 2 more fed back
    assert np.isfinite(predictions.network[predictions.is_part("test")]).all()  # the first step of each


def test_a_horizon_that_leaves_too_few_direct_windows_is_one_plain_sentence(airline):
    with pytest.raises(ConfigError) as caught:
        train_forecaster(TINY.replace(epochs=1, strategy="direct", horizon=80), airline)
    assert str(caught.value) == (
        "Direct forecasts of 80 steps leave only 0 training windows (each needs its next 80 values inside "
        "the training part): choose recursive forecasts, a shorter horizon or a shorter look-back.")


def test_a_warmed_up_process_trains_its_first_run_without_tracing_again(airline):
    """``warm_up`` (what a fresh worker does) traces the training and prediction graphs; the run that
    follows reuses both, and its numbers are those of a run in a cold process."""
    from models.train import fastfit
    from models.train.forecaster import warm_up

    config = TINY.replace(units=5, ensemble=2)  # a shape no other test trains
    warm_up(config)
    traces = {key: trainer.run.experimental_get_tracing_count() for key, trainer in fastfit._trainers.items()}
    predictions = {key: call.experimental_get_tracing_count() for key, call in fastfit._predictors.items()}
    warmed = train_forecaster(config, airline)
    assert {key: trainer.run.experimental_get_tracing_count() for key, trainer in fastfit._trainers.items()
            if key in traces} == traces
    assert {key: call.experimental_get_tracing_count() for key, call in fastfit._predictors.items()
            if key in predictions} == predictions
    assert len(fastfit._trainers) == len(traces) and len(fastfit._predictors) == len(predictions)
    fastfit._trainers.clear()
    fastfit._predictors.clear()
    cold = train_forecaster(config, airline)
    assert warmed.metrics.network.test_rmse == cold.metrics.network.test_rmse


def test_the_network_forecasts_many_histories_at_once_as_it_does_one_by_one(airline):
    """The backtest and the interval calibration ask for every origin's forecast in one go: the
    same numbers as asking origin by origin, whatever each one's number of steps."""
    from models.train import forecaster as module

    config = TINY.replace(epochs=2, ensemble=2)
    prepared = forecast.prepare(config, airline.values, 12)
    model = module._train_network(config, *module._training_pairs(
        prepared.scaled, prepared.split.train_targets, prepared.split.n_train, config.look_back, 1), None)[0]
    network = module.NetworkForecaster(module.MemberPredictor(model, 2, 1), config, prepared.transform,
                                      prepared.season_length, prepared.scaler)
    histories = [airline.values[:end] for end in (60, 96, 120, 131)]
    counts = [12, 5, 12, 1]
    together = network.forecast_many(histories, counts)
    for history, count, forecast_ in zip(histories, counts, together, strict=True):
        assert forecast_.shape == (count,) and np.isfinite(forecast_).all()
        np.testing.assert_allclose(forecast_, network.forecast_many([history], [count])[0], rtol=1e-6)
    assert not np.allclose(together[0][:5], together[1])  # different histories, different forecasts


def test_a_network_trained_on_a_whole_series_forecasts_a_trend_along_it():
    """``NetworkForecaster.train`` holds no test part back: it learns from every value and forecasts
    from the end. A straight line with noise goes on rising, neither flattened nor exploded."""
    from models.train.forecaster import NetworkForecaster

    rng = np.random.default_rng(0)
    line = 100.0 + 2.0 * np.arange(60) + rng.normal(0.0, 0.5, 60)
    config = ForecastConfig(mode="local",
                            look_back=4, units=8, epochs=40, ensemble=1, season_length=None, seed=3)
    network = NetworkForecaster.train(config, line)
    assert network.transform == "diff"  # "auto" without a season
    forecast = network.forecast_many([line], [10])[0]
    expected = 100.0 + 2.0 * np.arange(60, 70)
    np.testing.assert_allclose(forecast, expected, atol=6.0)
    assert np.all(np.diff(forecast) > 0.5)
    with pytest.raises(ConfigError, match="training windows"):
        NetworkForecaster.train(config, line[:8])
