"""Scoring a digit reader from its class probabilities, in NumPy: accuracy, confusion, mistakes.

Workers build a run's results with these; nothing here needs TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.digits.data import N_CLASSES
from models.results import finite_or_none
from models.summaries import DigitsMetrics

MAX_MISTAKES = 24
# Keras clips probabilities to [eps, 1 - eps] in its cross-entropy; the test loss here does the same.
EPSILON = 1e-7


def evaluation_metrics(y_test: np.ndarray, test_probabilities: np.ndarray, y_train: np.ndarray,
                       train_probabilities: np.ndarray) -> DigitsMetrics:
    """Test loss (mean cross-entropy), test and training accuracy, accuracy per class [10]."""
    y_test = np.asarray(y_test, dtype=np.int64)
    true_probability = np.clip(test_probabilities[np.arange(len(y_test)), y_test], EPSILON, 1 - EPSILON)
    predicted = test_probabilities.argmax(axis=1)
    per_class = []
    for digit in range(N_CLASSES):
        members = y_test == digit
        per_class.append(finite_or_none(np.mean(predicted[members] == digit)) if members.any() else None)
    return DigitsMetrics(
        test_loss=finite_or_none(-np.mean(np.log(true_probability))),
        test_accuracy=finite_or_none(np.mean(predicted == y_test)),
        train_accuracy=finite_or_none(np.mean(train_probabilities.argmax(axis=1) == y_train)),
        per_class_accuracy=per_class,
    )


def confusion_matrix(y_true: np.ndarray, y_predicted: np.ndarray) -> list[list[int]]:
    """10x10 counts: row = true digit, column = predicted digit."""
    counts = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true, np.int64), np.asarray(y_predicted, np.int64)), 1)
    return counts.tolist()


def confident_mistakes(y_true: np.ndarray, probabilities: np.ndarray,
                       limit: int = MAX_MISTAKES) -> list[dict[str, Any]]:
    """The wrong answers given with the most confidence, most confident first.

    Each item: index (in the test set), true, predicted, confidence (probability of the prediction).
    """
    y_true = np.asarray(y_true, np.int64)
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]
    return [{"index": int(i), "true": int(y_true[i]), "predicted": int(predicted[i]),
             "confidence": float(confidence[i])} for i in wrong]
