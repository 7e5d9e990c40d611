"""The forecast report's typed parts: stored and read back whole, runs of earlier versions included."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.forecast.predictions import Predictions
from models.summaries import (
    BacktestScores,
    Bands,
    ForecastSummary,
    HorizonScores,
    IntervalSummary,
    VerdictFacts,
)

SUMMARY = ForecastSummary(
    target="y", n_points=5, n_train=3, n_test=2, horizon=2, verdict="The LSTM is 10% better.",
    one_step=VerdictFacts(verdict="One step: 5% better.", verdict_kind="better", best_baseline="ets",
                          improvement_percent=5.0),
    backtest=BacktestScores(horizon=2, origins=[3], metrics={"network": HorizonScores(rmse=1.5, mase=0.5),
                                                             "ets": HorizonScores(rmse=2.0)},
                            by_step={"network": [1.0, None], "ets": [2.0, 2.0]}),
    intervals=IntervalSummary(levels=[80], test_coverage={"network": {"80": 0.5}},
                              bands={"network": Bands(levels=[80], lower={"80": [1.0]}, upper={"80": [3.0]},
                                                      extrapolated=[False], calibrated_horizon=2)}),
)


def test_a_summary_goes_through_json_and_back_unchanged():
    stored = json.loads(json.dumps(SUMMARY.to_dict()))
    assert ForecastSummary.from_dict(stored) == SUMMARY
    # Readers of the old network key find the backtest under it too.
    assert stored["backtest"]["metrics"]["lstm"] == stored["backtest"]["metrics"]["network"]
    assert ForecastSummary.from_dict(stored).backtest.metrics["network"].rmse == 1.5


def test_a_summary_stored_by_an_earlier_version_reads_typed():
    old = {"target": "y", "one_step": {}, "backtest": {"horizon": 2, "origins": [3],
                                                       "metrics": {"lstm": {"rmse": 1.5}},
                                                       "by_step": {"lstm": [1.0, 2.0]}},
           "intervals": {"levels": [80], "test_coverage": {}, "bands": {}}, "retired_field": 1}
    summary = ForecastSummary.from_dict(old)
    assert summary.one_step == VerdictFacts()
    assert summary.backtest.metrics == {"network": HorizonScores(rmse=1.5)}
    assert summary.backtest.by_step == {"network": [1.0, 2.0]}
    assert summary.intervals == IntervalSummary(levels=[80])
    assert ForecastSummary.from_dict({}).backtest is None


def _predictions() -> Predictions:
    bands = {"network": Bands(levels=[80], lower={"80": [0.5, 0.0]}, upper={"80": [9.5, 9.0]})}
    return Predictions.build(["+1", "b", "c", "d"], ["e", "f"], (3, 1), np.array([1.0, 2.0, 3.0, 4.0]),
                             {"network": np.array([np.nan, 2.1, 2.9, 4.2, 5.0, 6.0, 7.0]),
                              "mean": np.full(6, 2.0)}, bands)


def test_predictions_go_through_the_csv_and_back_unchanged():
    predictions = _predictions()
    back = Predictions.from_csv(predictions.to_csv())
    assert back.time == ["+1", "b", "c", "d", "e", "f"]  # the spreadsheet-safe label is read as written
    assert back.part == ["train"] * 3 + ["test"] + ["forecast"] * 2
    np.testing.assert_array_equal(back.actual, [1, 2, 3, 4, np.nan, np.nan])
    assert list(back.models) == ["network", "mean"]  # the old network column is read as the network
    np.testing.assert_array_equal(back.network, [np.nan, 2.1, 2.9, 4.2, 5.0, 6.0])
    lower, upper = back.band("network", "80")
    np.testing.assert_array_equal(lower, [np.nan] * 4 + [0.5, 0.0])
    np.testing.assert_array_equal(upper[-2:], [9.5, 9.0])
    assert back.band("mean", "80") is None
    assert back.forecast() == [("e", 5.0), ("f", 6.0)]
    assert back.observed()["value"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_predictions_of_an_earlier_version_and_other_files():
    old = b"time,actual,part,lstm,persistence\n1,1.0,train,,\n2,2.0,test,1.5,1.0\n3,,forecast,2.5,\n"
    predictions = Predictions.from_csv(old)
    np.testing.assert_array_equal(predictions.network, [np.nan, 1.5, 2.5])
    assert predictions.forecast() == [("3", 2.5)] and predictions.forecast("persistence") == [("3", None)]
    with pytest.raises(ValueError, match="not a predictions table"):
        Predictions.from_csv(b"a,b\n1,2\n")
