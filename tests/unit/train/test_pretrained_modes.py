"""The pretrained network as a run's network: "pretrained" (as it is) and "fine-tuned" modes score on
the same targets as the baselines, forecast series too short for a local network, and can be cancelled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.config import ForecastConfig
from models.data import load_series
from models.engine.workload import plan_run
from models.errors import ConfigError, DataError, TrainingCancelled
from models.forecast.advice import suggestion
from models.forecast.cost import run_work
from models.forecast.pipeline import SEEN_NOTE, network_settings, split_for
from models.forecast.predictions import PREDICTIONS_FILE, Predictions
from models.forecast.repro import PRETRAINED_FILE
from models.forecast.seen import seen_by_pretrained, window_hashes
from models.results import EpochReport
from models.train.forecaster import train_forecaster
from models.train.pretrained import shipped_path

DATA = Path(__file__).resolve().parents[3] / "data"
# A 14-point yearly series with a trend: what competitions ask a forecaster to continue six steps.
SHORT_YEARLY = b"year,value\n" + b"".join(f"{1990 + i},{100 + 7 * i + (i % 3) * 4}\n".encode()
                                         for i in range(14))


@pytest.fixture(scope="module")
def short_yearly():
    return load_series(SHORT_YEARLY, name="short.csv")


@pytest.fixture(scope="module")
def pretrained_run(short_yearly):
    reports: list[EpochReport] = []
    result = train_forecaster(ForecastConfig(mode="pretrained", forecast_steps=6), short_yearly,
                              progress=reports.append)
    return result, reports


def test_a_short_yearly_series_a_local_network_refuses_is_forecast_by_the_pretrained_one(short_yearly,
                                                                                         pretrained_run):
    with pytest.raises(DataError, match="Only 14 points"):
        plan_run(ForecastConfig(mode="local"), short_yearly.values, short_yearly.season_length)
    plan = plan_run(ForecastConfig(mode="pretrained"), short_yearly.values, short_yearly.season_length)
    assert plan.split is not None and plan.split.n_test >= 2
    result, _ = pretrained_run
    predictions = Predictions.from_csv(result.artifacts[PREDICTIONS_FILE])
    future = [value for _, value in predictions.forecast()]
    assert len(future) == 6 and np.isfinite(future).all()
    assert future[-1] > short_yearly.values[-1]  # the rise goes on
    assert result.summary.mode == "pretrained" and result.summary.transform == "none"
    assert any("not trained on this series" in note for note in result.summary.notes)


def test_the_pretrained_network_is_scored_on_the_baselines_test_targets(pretrained_run):
    result, reports = pretrained_run
    scores = result.metrics.models
    assert np.isfinite(scores["network"].test_rmse)
    predictions = Predictions.from_csv(result.artifacts[PREDICTIONS_FILE])
    test = predictions.is_part("test")
    assert test.sum() == result.summary.n_test
    assert np.isfinite(predictions.network[test]).all()
    assert np.isfinite(predictions.models["persistence"][test]).all()
    # From the second point on, every training target has a forecast from the values before it.
    assert np.isfinite(predictions.network[1 : result.summary.n_train]).all()
    assert len(reports) == 1 and reports[0].epochs == 1 and np.isfinite(reports[0].loss)
    # The run keeps the weights it started from, for the exported script.
    assert result.artifacts[PRETRAINED_FILE] == shipped_path("yearly").read_bytes()


def test_fine_tuning_trains_on_the_training_part_and_changes_the_forecast(short_yearly, pretrained_run):
    reports: list[EpochReport] = []
    tuned = train_forecaster(ForecastConfig(mode="fine-tuned", forecast_steps=6, seed=3), short_yearly,
                             progress=reports.append)
    assert [report.epoch for report in reports] == list(range(1, 11))
    assert all(np.isfinite(report.loss) for report in reports)
    assert reports[-1].loss < reports[0].loss  # it learned this series' windows
    before = Predictions.from_csv(pretrained_run[0].artifacts[PREDICTIONS_FILE]).network
    after = Predictions.from_csv(tuned.artifacts[PREDICTIONS_FILE]).network
    assert not np.allclose(before[np.isfinite(before)], after[np.isfinite(after)])
    again = train_forecaster(ForecastConfig(mode="fine-tuned", forecast_steps=6, seed=3), short_yearly)
    assert again.metrics.to_dict() == tuned.metrics.to_dict()  # the seed decides


def test_a_fine_tune_can_be_cancelled_between_epochs(short_yearly):
    reports: list[EpochReport] = []
    with pytest.raises(TrainingCancelled):
        train_forecaster(ForecastConfig(mode="fine-tuned"), short_yearly, progress=reports.append,
                         should_stop=lambda: len(reports) >= 2)
    assert len(reports) == 2


def test_the_work_of_a_pretrained_run_has_no_fit_and_a_fine_tune_costs_its_epochs():
    config = ForecastConfig(mode="pretrained")
    split = split_for(config, 300, 12)
    as_is, tuned = run_work(config, split, 12), run_work(config.replace(mode="fine-tuned"), split, 12)
    assert as_is.fit == as_is.calibration_fit == 0 and as_is.evaluation > 0
    assert tuned.fit > tuned.calibration_fit > 0 and tuned.evaluation == as_is.evaluation
    # Its split does not depend on the local network's look-back or transform.
    assert split == split_for(config.replace(look_back=60, transform="log_diff"), 300, 12)


def test_a_pretrained_run_is_not_given_advice_measured_for_local_networks():
    local = ForecastConfig(mode="local").to_dict()
    assert suggestion(local, 12) is not None
    assert suggestion({**local, "mode": "pretrained"}, 12) is None
    assert suggestion({**local, "mode": "fine-tuned"}, None) is None


def test_a_series_the_pretrained_network_learned_from_is_never_scored_by_it():
    """M1's monthly series MNI166 is the airline passengers: the default network there is trained on
    the series (with a note saying why), and asking for the pretrained one is one plain sentence."""
    airline = load_series(DATA / "airline-passengers.csv")
    assert seen_by_pretrained(airline.values)
    config, notes = network_settings(ForecastConfig(), airline.values, 12)
    assert config.mode == "local" and notes == [SEEN_NOTE]
    for mode in ("pretrained", "fine-tuned"):
        with pytest.raises(ConfigError, match="values the pretrained network learned from"):
            plan_run(ForecastConfig(mode=mode), airline.values, 12)
    # Another monthly series it never saw is forecast by it under "auto".
    equipment = load_series(DATA / "electrical-equipment.csv")
    assert not seen_by_pretrained(equipment.values)
    assert network_settings(ForecastConfig(), equipment.values, 12) == (ForecastConfig(mode="pretrained"), [])
    # Longer seasons get the network trained on the series.
    assert ForecastConfig().resolved(24).mode == "local"
    assert ForecastConfig().resolved(None).mode == ForecastConfig().resolved(12).mode == "pretrained"
    # So does a changed setting of that network: whoever sets a look-back wants it used.
    assert ForecastConfig(look_back=6).resolved(None).mode == "local"


def test_flat_stretches_are_not_taken_for_learned_values():
    flat = np.r_[np.zeros(30), np.ones(30), np.arange(3.0)]
    assert window_hashes(flat).size == 0 and not seen_by_pretrained(flat)


def test_a_short_learned_series_gets_a_local_network_that_fits_it_or_one_plain_sentence():
    airline = load_series(DATA / "airline-passengers.csv").values
    config, notes = network_settings(ForecastConfig(), airline[:20], 12)
    assert (config.mode, config.look_back) == ("local", 4)  # 13 training points, a step difference, 8 windows
    assert notes[0] == SEEN_NOTE and "look-back is 4 instead of 12" in notes[1]
    plan = plan_run(ForecastConfig(), airline[:20], 12)
    assert plan.config.look_back == 4 and plan.training_units == 8
    with pytest.raises(DataError, match="learned from .* only 14 points a network trained on it alone"):
        plan_run(ForecastConfig(), airline[:14], 12)
    # Settings someone chose are never changed: their own sentence says what does not fit.
    with pytest.raises(DataError, match="Only 20 points: with a look-back of 6"):
        plan_run(ForecastConfig(look_back=6), airline[:20], 12)


def test_runs_stored_before_modes_read_as_local_networks():
    from models.config import stored_config

    old = {key: value for key, value in ForecastConfig(epochs=3).to_dict().items() if key != "mode"}
    assert stored_config(old).mode == "local" and ForecastConfig.from_dict(old).mode == "local"


def test_a_pretrained_run_is_an_lstm_whatever_the_cell_setting_and_its_file_reloads_anywhere(short_yearly):
    import io
    import json
    import zipfile

    result = train_forecaster(ForecastConfig(mode="pretrained", cell="gru", forecast_steps=0), short_yearly)
    assert result.summary.cell == "lstm" and "GRU" not in result.summary.verdict
    with zipfile.ZipFile(io.BytesIO(result.artifacts["model.keras"])) as saved:
        compiled = json.loads(saved.read("config.json"))["compile_config"]
    assert compiled["loss"] == "mae"  # Keras' own: no LSTM Lab code needed to load it


def test_the_pretrained_network_reads_only_the_end_of_each_history():
    from models.train.pretrained import load_shipped

    network = load_shipped("yearly")
    long = 100 + np.cumsum(np.random.default_rng(2).normal(1, 3, 500))
    whole, cut = network.forecast_many([long, long[-network.shape.look_back:]], [9, 9])
    np.testing.assert_array_equal(whole, cut)
