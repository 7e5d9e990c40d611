"""Every score column and every setting a page shows has help in plain words: the declarations, and
every input widget of every page walked in AppTest."""

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


INPUTS = ("number_input", "slider", "select_slider", "selectbox", "multiselect", "radio", "toggle",
          "checkbox", "text_input", "text_area", "segmented_control")


@pytest.mark.parametrize("page", ["app_pages/home.py", "app_pages/forecast.py", "app_pages/digits.py",
                                  "app_pages/learn.py", "app_pages/runs.py"])
def test_every_input_on_every_page_has_help(lab_app, page):
    at = lab_app(page, f"glossary-walk-{page.split('/')[-1][:-3]}-0123456789")
    missing = [f"{kind} {widget.label!r}" for kind in INPUTS for widget in at.get(kind)
               if len((getattr(widget, "help", None) or "").split()) < 4]
    assert not missing, missing


def test_every_transform_has_a_name_in_words_and_a_description():
    from app.components.forecast_settings import TRANSFORM_NAMES
    from models.config import TRANSFORMS
    from models.forecast.transforms import DESCRIPTIONS

    assert set(TRANSFORM_NAMES) == set(TRANSFORMS) == set(DESCRIPTIONS)
