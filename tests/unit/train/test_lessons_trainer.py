"""The Learn page's networks really learn: the roommate's rule, and long memory above chance.

Tiny real Keras fits (a few seconds each), plus one "learn" run through the shared job engine to
prove the run kind is wired into the workers.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import models.train.lessons as toy_training
from models.errors import TrainingCancelled
from models.lessons import tasks as toy_tasks
from models.networks import numpy_rnn

pytestmark = pytest.mark.slow


def test_the_roommate_network_learns_the_articles_rule():
    config = toy_tasks.LEARN_PRESETS["roommate"].replace(days=120)  # 40 epochs: learned by ~15 (5 seeds)
    reports = []
    result = toy_training.train_learn(config, progress=reports.append)
    metrics, summary = result.metrics, result.summary
    assert result.kind == "learn" and [report.epoch for report in reports] == list(range(1, 41))
    assert metrics.rule_accuracy == 1.0
    assert metrics.test_accuracy >= 0.95, metrics
    assert summary.network_table == toy_tasks.rule_table()  # every yesterday x weather pair
    assert summary.test_sunny_days + summary.test_rainy_days == summary.n_test
    # The stored dinners are the rule's, and the weights answer like the network did.
    weather = toy_tasks.parse_weather(summary.weather)
    assert summary.dinners == toy_tasks.roommate_dinners(weather).tolist()
    weights = numpy_rnn.load_weights(result.artifacts["weights.npz"])
    x, y, _ = toy_tasks.roommate_windows(weather, config.window)
    n_test = summary.n_test
    accuracy = np.mean(numpy_rnn.predict(weights, x[-n_test:]).argmax(axis=1) == y[-n_test:])
    assert accuracy == pytest.approx(metrics.test_accuracy)
    assert b"day,weather,dinner,part" in result.artifacts["dinners.csv"]


def test_an_lstm_beats_chance_on_the_memory_task_and_reports_each_network():
    config = toy_tasks.LEARN_PRESETS["memory"].replace(cells=("lstm",), lengths=(8,), samples=400, epochs=6,
                                                       symbols=4)
    reports = []
    result = toy_training.train_learn(config, progress=reports.append)
    accuracy = result.metrics.accuracy["lstm"]["8"]
    assert result.metrics.chance == 0.25 and result.metrics.rule_accuracy == {"8": 1.0}
    assert accuracy > 0.6, accuracy  # chance is 0.25
    used = result.summary.epochs_used["lstm"]["8"]
    assert 1 <= used <= 6 and len(reports) == used
    assert all(report.metrics["length"] == 8 and report.metrics["cell"] == 0 for report in reports)
    weights = numpy_rnn.load_weights(result.artifacts["weights-lstm-8.npz"])
    assert numpy_rnn.describe(weights)["cell"] == "lstm"


def test_gate_bias_starts_gated_cells_remembering():
    lstm = toy_training.build_network("lstm", 4, 5, 3, 2, gate_bias=3.0)
    bias = lstm.get_layer("lstm").get_weights()[2]  # [4U]: input, forget, candidate, output
    assert np.all(bias[:4] == -3.0) and np.all(bias[4:8] == 3.0) and np.all(bias[8:] == 0.0)
    gru = toy_training.build_network("gru", 4, 5, 3, 2, gate_bias=3.0)
    bias = gru.get_layer("gru").get_weights()[2]  # [2, 3U]: update gate first
    assert np.all(bias[0, :4] == 3.0) and np.all(bias[0, 4:] == 0.0) and np.all(bias[1] == 0.0)
    default = toy_training.build_network("lstm", 4, 5, 3, 2, gate_bias=None)
    assert np.all(default.get_layer("lstm").get_weights()[2][4:8] == 1.0)  # Keras' own forget bias


def test_a_stop_request_cancels_the_memory_run():
    config = toy_tasks.LEARN_PRESETS["memory"].replace(cells=("rnn",), lengths=(3,), samples=100, epochs=3)
    with pytest.raises(TrainingCancelled):
        toy_training.train_learn(config, should_stop=lambda: True)


def test_a_learn_run_goes_through_the_job_engine(lab_engine, lab_owner):
    config = toy_tasks.LEARN_PRESETS["memory"].replace(cells=("gru",), lengths=(3,), samples=100, epochs=2)
    run_id = lab_engine.submit(config.to_dict(), None, "long-memory task", lab_owner)
    record = lab_engine.wait(run_id, lab_owner, timeout=180)
    assert record.state == "succeeded", record.error
    assert record.kind == "learn" and "weights-gru-3.npz" in record.artifacts
    assert set(record.metrics.accuracy["gru"]) == {"3"}
    weights = lab_engine.artifact(run_id, "weights-gru-3.npz", lab_owner)
    with np.load(io.BytesIO(weights)) as archive:
        assert str(archive["cell"]) == "gru"
