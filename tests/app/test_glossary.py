"""Every score column and every setting a page shows has help in plain words."""

from __future__ import annotations

import pytest

from app.components.forecast_results import BACKTEST_COLUMNS, METRIC_COLUMNS
from app.glossary import score_help
from models.knobs import DIGITS_KNOBS, FORECAST_KNOBS, LEARN_KNOBS

# The Learn settings the pages show as widgets (the others are fixed by the lesson's preset).
LEARN_WIDGETS = ("days", "rain_chance", "window", "cell", "units", "epochs", "seed")


@pytest.mark.parametrize("title", [*METRIC_COLUMNS.values(), *BACKTEST_COLUMNS.values(),
                                   "80% interval coverage", "95% interval coverage"])
def test_every_score_column_is_explained(title):
    text = score_help(title)
    assert len(text.split()) >= 8, title
    assert ("test part" in text) == title.startswith("Test")


def test_each_score_gets_its_own_words():
    assert score_help("sMAPE %") != score_help("MAPE %") and "Symmetric" in score_help("sMAPE %")
    assert score_help("Test MAE") != score_help("Test MASE")
    assert score_help("dataset") == ""


def test_every_setting_on_a_page_has_help():
    knobs = [*FORECAST_KNOBS.values(), *DIGITS_KNOBS.values(), *(LEARN_KNOBS[name] for name in LEARN_WIDGETS)]
    missing = [knob.name for knob in knobs if len(knob.help.split()) < 4]
    assert not missing, missing
