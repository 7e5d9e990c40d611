"""Baselines by hand on tiny arrays, and scored on exactly the network's targets (airline check)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from models.config import FORECAST_PRESETS, ForecastConfig
from models.forecast.baselines import Drift, Mean, Persistence, SeasonalNaive, make_baselines
from models.forecast.pipeline import baseline_predictions, prepare, score_predictions

AIRLINE = Path(__file__).resolve().parents[3] / "data" / "airline-passengers.csv"
VALUES = np.array([10.0, 12.0, 11.0, 15.0, 14.0, 18.0])


def airline_values() -> np.ndarray:
    """The raw passenger numbers, read without any of the project's code."""
    with AIRLINE.open(newline="") as handle:
        return np.array([float(row["Passengers"]) for row in csv.DictReader(handle)])


def test_persistence_by_hand():
    baseline = Persistence().fit(VALUES[:4])
    np.testing.assert_array_equal(baseline.predict(VALUES, np.array([0, 1, 4, 5])), [np.nan, 10, 15, 14])
    np.testing.assert_array_equal(baseline.forecast(VALUES, 3), [18, 18, 18])


def test_seasonal_naive_by_hand():
    baseline = SeasonalNaive(2).fit(VALUES[:4])
    np.testing.assert_array_equal(baseline.predict(VALUES, np.array([1, 2, 5])), [np.nan, 10, 15])
    np.testing.assert_array_equal(baseline.forecast(VALUES, 5), [14, 18, 14, 18, 14])


def test_drift_uses_the_training_slope():
    baseline = Drift().fit(VALUES[:4])  # (15 - 10) / 3
    np.testing.assert_allclose(baseline.predict(VALUES, np.array([4, 5])), [15 + 5 / 3, 14 + 5 / 3])
    np.testing.assert_allclose(baseline.forecast(VALUES, 2), [18 + 5 / 3, 18 + 10 / 3])


def test_mean_is_the_training_average():
    baseline = Mean().fit(VALUES[:4])
    np.testing.assert_allclose(baseline.predict(VALUES, np.array([4, 5])), [12.0, 12.0])
    np.testing.assert_allclose(baseline.forecast(VALUES, 1), [12.0])


def test_seasonal_naive_is_skipped_with_a_note_without_a_season():
    baselines, notes = make_baselines(VALUES[:4], None)
    assert "seasonal_naive" not in baselines and len(notes) == 1 and "season" in notes[0]
    baselines, notes = make_baselines(VALUES[:4], 4)  # training part not longer than one season
    assert "seasonal_naive" not in baselines and notes
    baselines, notes = make_baselines(VALUES[:4], 2)
    assert set(baselines) == {"persistence", "seasonal_naive", "drift", "mean"} and notes == []


def _airline_scores(config: ForecastConfig):
    values = airline_values()
    prepared = prepare(config, values, 12)
    predictions, _, _ = baseline_predictions(prepared, forecast_steps=0)
    return values, prepared, score_predictions(prepared, predictions).to_dict()


@pytest.mark.parametrize("config", [FORECAST_PRESETS["seed"], ForecastConfig()], ids=["seed", "default"])
def test_airline_baselines_match_a_hand_computation_on_all_48_test_months(config):
    values, prepared, scores = _airline_scores(config)
    n_train = int(len(values) * 0.67)  # the seed program's split
    test = np.arange(n_train, len(values))
    assert prepared.split.n_train == n_train and np.array_equal(prepared.split.test_targets, test)
    expected_persistence = np.sqrt(np.mean((values[test] - values[test - 1]) ** 2))
    expected_seasonal = np.sqrt(np.mean((values[test] - values[test - 12]) ** 2))
    assert scores["persistence"]["test_rmse"] == pytest.approx(expected_persistence, rel=1e-12)
    assert scores["seasonal_naive"]["test_rmse"] == pytest.approx(expected_seasonal, rel=1e-12)
    assert scores["persistence"]["test_rmse"] == pytest.approx(48.04, abs=0.005)
    assert scores["seasonal_naive"]["test_rmse"] == pytest.approx(41.85, abs=0.005)
    assert scores["mean"]["test_rmse"] == pytest.approx(
        np.sqrt(np.mean((values[test] - values[:n_train].mean()) ** 2))
    )


def test_airline_baselines_on_the_seed_programs_46_targets():
    # The seed program drops one point at each end of its test part (create_dataset's off-by-one).
    values = airline_values()
    targets = np.arange(97, 143)
    persistence = Persistence().fit(values[:96]).predict(values, targets)
    seasonal = SeasonalNaive(12).fit(values[:96]).predict(values, targets)
    assert np.sqrt(np.mean((values[targets] - persistence) ** 2)) == pytest.approx(48.66, abs=0.005)
    assert np.sqrt(np.mean((values[targets] - seasonal) ** 2)) == pytest.approx(42.32, abs=0.005)


def test_train_scores_use_the_networks_training_targets():
    values, prepared, scores = _airline_scores(ForecastConfig(mode="local", look_back=12, transform="none"))
    train = np.arange(12, 96)
    expected = np.sqrt(np.mean((values[train] - values[train - 1]) ** 2))
    assert scores["persistence"]["train_rmse"] == pytest.approx(expected, rel=1e-12)
    assert scores["seasonal_naive"]["test_mase"] == pytest.approx(
        np.mean(np.abs(values[96:] - values[84:132])) / np.mean(np.abs(values[12:96] - values[:84]))
    )
