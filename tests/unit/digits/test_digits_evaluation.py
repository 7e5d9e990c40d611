"""models.digits.evaluation by hand: accuracy, loss, confusion matrix and the most confident mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from models.digits.evaluation import confident_mistakes, confusion_matrix, evaluation_metrics


def test_metrics_confusion_and_mistakes_by_hand():
    probabilities = np.array([[0.9, 0.1] + [0.0] * 8,  # true 0, says 0 (right)
                              [0.2, 0.8] + [0.0] * 8,  # true 0, says 1 with 0.8 (wrong)
                              [0.4, 0.6] + [0.0] * 8,  # true 1, says 1 (right)
                              [0.7, 0.3] + [0.0] * 8])  # true 1, says 0 with 0.7 (wrong)
    y = np.array([0, 0, 1, 1])
    metrics = evaluation_metrics(y, probabilities, np.array([0]), probabilities[:1])
    assert metrics.test_accuracy == 0.5 and metrics.train_accuracy == 1.0
    assert metrics.test_loss == pytest.approx(-np.mean(np.log([0.9, 0.2, 0.6, 0.3])))
    assert metrics.per_class_accuracy == [0.5, 0.5] + [None] * 8
    confusion = confusion_matrix(y, probabilities.argmax(axis=1))
    assert confusion[0][:2] == [1, 1] and confusion[1][:2] == [1, 1] and sum(map(sum, confusion)) == 4
    assert confident_mistakes(y, probabilities) == [
        {"index": 1, "true": 0, "predicted": 1, "confidence": pytest.approx(0.8)},
        {"index": 3, "true": 1, "predicted": 0, "confidence": pytest.approx(0.7)},
    ]
    assert len(confident_mistakes(y, probabilities, limit=1)) == 1
