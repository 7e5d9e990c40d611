"""The Runs table's one line of settings tells runs apart: the network's mode, the ensemble size."""

from __future__ import annotations

from app.components.runs_table import key_settings
from models.config import ForecastConfig
from models.engine.records import RunRecord
from models.summaries import ForecastSummary
from models.vocabulary import RunState


def _record(config: ForecastConfig, summary: ForecastSummary | None = None) -> RunRecord:
    return RunRecord(id="r1", owner="alice", mine=True, shared=False, kind="forecast", config=config,
                     data_name="a.csv", data_fingerprint=None, state=RunState.SUCCEEDED, error=None,
                     metrics=None, summary=summary, artifacts=(), progress=None, epochs_done=0,
                     epochs_total=None, cancel_requested=False, created=0.0, started=None, finished=None,
                     fit_seconds=None)


def test_the_settings_line_says_the_network_and_how_many_networks():
    assert key_settings(_record(ForecastConfig(mode="local"))) == "lstm 64u ×5 · look-back 12 · 100 ep · auto"
    assert key_settings(_record(ForecastConfig(mode="local", ensemble=1))) == (
        "lstm 64u · look-back 12 · 100 ep · auto")
    assert key_settings(_record(ForecastConfig(mode="fine-tuned"))) == "pretrained, fine-tuned"
    # "auto" as it was decided for the run's series, once it has a result; before, "auto".
    assert key_settings(_record(ForecastConfig(), ForecastSummary(mode="pretrained"))) == "pretrained network"
    assert key_settings(_record(ForecastConfig())) == "auto"
    assert key_settings(_record(ForecastConfig(), ForecastSummary(mode="local"))).startswith("lstm 64u ×5")
