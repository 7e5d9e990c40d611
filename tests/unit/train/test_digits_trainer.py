"""train_classifier on the bundled digits: result contents, artifacts, progress, cancel; helpers by hand."""

from __future__ import annotations

import io
import tempfile
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from models.config import DigitsConfig
from models.digits.data import Digits, load_digits
from models.errors import TrainingCancelled
from models.networks import numpy_rnn
from models.train.digits import train_classifier

TINY = DigitsConfig(source="bundled", units=12, epochs=2, batch_size=64, optimizer="adam",
                    learning_rate=0.01, limit=1000, seed=5)


@pytest.fixture(scope="module")
def digits() -> Digits:
    return load_digits("bundled", limit=TINY.limit, seed=TINY.seed)


@pytest.fixture(scope="module")
def run(digits):
    """One tiny training run, with every progress report kept."""
    reports = []
    result = train_classifier(TINY, progress=reports.append, digits=digits)
    return result, reports


def _npz(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def test_result_reports_data_metrics_and_history(run, digits):
    result, reports = run
    assert result.kind == "digits"
    assert result.summary.source == "bundled"
    assert (result.summary.n_train, result.summary.n_test) == (1000, 1000)
    metrics = result.metrics
    assert set(metrics.to_dict()) == {"test_loss", "test_accuracy", "train_accuracy", "per_class_accuracy"}
    assert len(metrics.per_class_accuracy) == 10
    assert 0.2 < metrics.test_accuracy <= 1.0  # two epochs on 1,000 digits: clearly above chance (0.1)
    assert metrics.test_loss > 0 and result.fit_seconds > 0
    # Progress after every epoch, and the same numbers in the history.
    assert [report.epoch for report in reports] == [1, 2] and reports[-1].epochs == 2
    assert [entry["loss"] for entry in result.history] == [report.loss for report in reports]
    assert set(result.history[0]["metrics"]) == {"accuracy", "val_accuracy"}
    assert result.history[-1]["val_loss"] == pytest.approx(metrics.test_loss, rel=1e-4)
    assert result.history[-1]["metrics"]["val_accuracy"] == pytest.approx(metrics.test_accuracy)


def test_confusion_matrix_and_mistakes_agree_with_the_metrics(run, digits):
    result, _ = run
    confusion = np.array(result.summary.confusion)
    assert confusion.shape == (10, 10) and confusion.sum() == digits.n_test
    assert confusion.sum(axis=1).tolist() == np.bincount(digits.y_test, minlength=10).tolist()
    assert np.trace(confusion) / digits.n_test == pytest.approx(result.metrics.test_accuracy)
    per_class = np.diag(confusion) / confusion.sum(axis=1)
    np.testing.assert_allclose(per_class, result.metrics.per_class_accuracy)
    mistakes = result.summary.mistakes
    assert 0 < len(mistakes) <= 24
    confidences = [item["confidence"] for item in mistakes]
    assert confidences == sorted(confidences, reverse=True)
    assert all(item["true"] != item["predicted"] for item in mistakes)
    assert all(digits.y_test[item["index"]] == item["true"] for item in mistakes)


def test_artifacts_hold_the_model_its_numpy_weights_and_the_mistake_images(run, digits):
    result, _ = run
    assert set(result.artifacts) == {"model.keras", "weights.npz", "mistakes.npz", "samples.npz"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(result.artifacts["model.keras"])
        model = keras.saving.load_model(path)
    images = digits.x_test[:50]
    expected = model.predict(images.astype(np.float32) / 255.0, verbose=0)  # [50, 10]
    weights = numpy_rnn.load_weights(result.artifacts["weights.npz"])
    np.testing.assert_allclose(numpy_rnn.predict_proba(weights, images), expected, atol=1e-5)
    # The reported accuracy is what the exported weights give on the test set.
    answers = numpy_rnn.predict_proba(weights, digits.x_test).argmax(axis=1)
    assert np.mean(answers == digits.y_test) == pytest.approx(result.metrics.test_accuracy, abs=0.002)
    mistakes = _npz(result.artifacts["mistakes.npz"])
    listed = result.summary.mistakes
    assert mistakes["images"].shape == (len(listed), 28, 28) and mistakes["images"].dtype == np.uint8
    np.testing.assert_array_equal(mistakes["images"], digits.x_test[[item["index"] for item in listed]])
    assert mistakes["labels"].tolist() == [item["true"] for item in listed]
    assert mistakes["predicted"].tolist() == [item["predicted"] for item in listed]
    samples = _npz(result.artifacts["samples.npz"])
    assert sorted(set(samples["labels"].tolist())) == list(range(10))
    np.testing.assert_array_equal(samples["images"], digits.x_test[samples["index"]])


def test_watching_it_read_ends_on_the_final_prediction(run, digits):
    weights = numpy_rnn.load_weights(run[0].artifacts["weights.npz"])
    for image in digits.x_test[:5]:
        rows = numpy_rnn.probabilities_by_row(weights, image)
        assert rows.shape == (28, 10)
        np.testing.assert_allclose(rows[-1], numpy_rnn.predict_proba(weights, image)[0], atol=1e-12)


@pytest.mark.slow
def test_cancel_is_noticed_within_about_a_second_inside_an_epoch():
    digits = load_digits("bundled", seed=1)  # 4,000 digits; an epoch of batch 16 takes several seconds
    config = DigitsConfig(source="bundled", units=32, epochs=20, batch_size=16, seed=1)
    cancel = threading.Event()
    asked = {}

    def should_stop() -> bool:
        if cancel.is_set():
            asked.setdefault("at", time.perf_counter())
            return True
        return False

    timer = threading.Timer(6.0, cancel.set)  # after tracing, in the middle of an epoch
    timer.start()
    try:
        with pytest.raises(TrainingCancelled):
            train_classifier(config, should_stop=should_stop, digits=digits)
    finally:
        timer.cancel()
    assert time.perf_counter() - asked["at"] < 1.5
