"""One policy for runs written by other versions: configurations and results alike open, unknown
fields are dropped with a log line, missing ones take their defaults."""

from __future__ import annotations

import logging

from models.config import DigitsConfig, ForecastConfig, stored_config
from models.summaries import DigitsSummary, ModelScores


def test_a_stored_configuration_drops_unknown_settings_with_a_note(caplog):
    data = {**ForecastConfig(mode="local", epochs=7).to_dict(), "kind": "forecast", "warp_drive": True}
    with caplog.at_level(logging.INFO, logger="models.stored"):
        config = stored_config(data)
    assert config == ForecastConfig(mode="local", epochs=7)
    assert "ForecastConfig: ignored stored fields from another version: warp_drive" in caplog.text
    assert "kind" not in caplog.text  # the discriminator is expected, not news


def test_a_setting_that_no_longer_validates_takes_its_default():
    config = stored_config({"kind": "digits", "units": 0, "epochs": 3})
    assert config == DigitsConfig(epochs=3)
    assert stored_config({"kind": "teleport"}) is None


def test_results_follow_the_same_policy(caplog):
    with caplog.at_level(logging.INFO, logger="models.stored"):
        scores = ModelScores.from_dict({"test_rmse": 2.5, "test_wape": 1.0})
        summary = DigitsSummary.from_dict({})
    assert scores == ModelScores(test_rmse=2.5)
    assert "ModelScores: ignored stored fields from another version: test_wape" in caplog.text
    assert summary == DigitsSummary()
