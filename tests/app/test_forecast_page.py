"""Forecast page in AppTest: data in, settings, a real tiny background run, result, reload, bad files.

One job engine (one warm Dask worker, its own data folder) serves the whole module; its cache is not
cleared between tests. AppTest does not tick ``run_every`` fragments, so a test of a background run
calls ``at.run()`` in a loop until the run store says the run ended.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from page_helpers import plotly_keys
from streamlit.testing.v1 import AppTest

from app.components.messages import escape_markdown
from models.config import ForecastConfig
from models.data import load_series
from models.engine.store import FINAL_STATES
from models.forecast.predictions import Predictions
from models.forecast.verdict import baseline_phrase
from models.summaries import Bands, IntervalSummary
from models.vocabulary import baseline_name

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "app" / "streamlit_app.py")
CORPUS = ROOT / "tests" / "data"
TRAIN_TIMEOUT = 300.0  # seconds: a cold worker imports TensorFlow first, slower on a busy machine
SETTING = "forecast-setting-"

# Bad files and the start of the one sentence each must produce (tests/data/README.md).
BAD_FILES = {
    "empty.csv": "The file is empty",
    "random-bytes.csv": "This file holds binary data",
    "header-only.csv": "The file has a header row but no data rows",
    "web-page.csv": "This looks like a web page",
    "compressed.csv": "This file is compressed",
    "too-short.csv": "Only 8 points",
    "all-missing.csv": "No column holds numbers",
}


# ---------------------------------------------------------------- fixtures and helpers


def new_owner() -> str:
    return f"forecast-test-{uuid.uuid4().hex}"


def open_page(owner: str, run_id: str | None = None) -> AppTest:
    """The Forecast page (``/forecast``) as ``owner``, optionally with ``?run=<id>``."""
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["owner_token"] = owner
    if run_id:
        at.query_params["run"] = run_id
    at.switch_page("app_pages/forecast.py")
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> None:
    at.segmented_control(key="forecast-data-source").set_value("upload").run()
    at.file_uploader(key="forecast-data-upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception


def set_settings(at: AppTest, **values) -> None:
    for field, value in values.items():
        widget = next(w for w in at.main.get(_widget_type(field)) if w.key == SETTING + field)
        widget.set_value(value)
    at.run()
    assert not at.exception, at.exception


def _widget_type(field: str) -> str:
    return {"cell": "selectbox", "transform": "selectbox", "optimizer": "selectbox",
            "dropout": "slider", "test_percent": "slider", "learning_rate": "select_slider"}.get(field,
                                                                                                "number_input")


def wait_until_ended(at: AppTest, engine, owner: str, run_id: str) -> str:
    """Rerun the page until the run has ended (AppTest does not tick fragments); its final state."""
    deadline = time.monotonic() + TRAIN_TIMEOUT
    while time.monotonic() < deadline:
        state = engine.store.get_run(run_id, owner).state
        if state in FINAL_STATES:
            at.run()  # the page as a person sees it after the panel's final rerun
            assert not at.exception, at.exception
            return state
        at.run()
        assert not at.exception, at.exception
        time.sleep(0.5)
    pytest.fail(f"run {run_id} did not end within {TRAIN_TIMEOUT:.0f} s")


def figure_titles(at: AppTest) -> list[str]:
    titles = []
    for element in at.get("plotly_chart"):
        title = json.loads(element.proto.spec).get("layout", {}).get("title", {})
        titles.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return titles


def facts(at: AppTest) -> dict[str, str]:
    """The "what was detected" table as {what: detected} (dataframes have no key in AppTest)."""
    for frame in at.dataframe:
        if list(frame.value.columns) == ["What", "Detected"]:
            return dict(frame.value.values.tolist())
    raise AssertionError("no table of detected facts")


def metrics(at: AppTest):
    for frame in at.dataframe:
        if frame.value.index.name == "Model":
            return frame.value
    raise AssertionError("no metrics table")


def train_button(at: AppTest):
    return at.button(key="forecast-train")


def alert_texts(at: AppTest) -> list[str]:
    return [alert.value for kind in ("error", "warning", "success", "info") for alert in getattr(at, kind)]


# ---------------------------------------------------------------- data in (no training)


def test_opens_with_the_airline_sample_its_chart_and_what_was_detected(engine):
    at = open_page(new_owner())
    assert at.title[0].value == "Forecast"
    assert "Airline passengers" in " ".join(caption.value for caption in at.caption)
    assert any("Passengers" in title for title in figure_titles(at))
    found = facts(at)
    assert found["Time column"] == "Month" and found["Column to forecast"] == "Passengers"
    assert found["Frequency"] == "monthly" and found["Season length"] == "12 steps"
    assert found["Points"].startswith("144 (1949-01 to 1960-12)")
    preview = next(frame.value for frame in at.dataframe if "Month" in frame.value.columns)
    assert list(preview.columns) == ["Month", "Passengers"] and preview.iloc[0].tolist() == ["1949-01", "112"]
    assert not train_button(at).disabled
    # Every control of the settings explains itself.
    for widget in [*at.number_input, *at.selectbox, *at.slider, *at.select_slider]:
        assert widget.help, f"{widget.label} has no help text"


def test_picking_another_sample_and_overriding_the_target(engine):
    at = open_page(new_owner())
    at.selectbox(key="forecast-data-sample").set_value("nile-flow").run()
    assert "Nile" in " ".join(caption.value for caption in at.caption)
    found = facts(at)
    assert found["Column to forecast"] == "Flow" and found["Frequency"] == "yearly"

    upload(at, "two-value-columns.csv", (CORPUS / "two-value-columns.csv").read_bytes())
    at.selectbox(key="forecast-data-target").set_value("Revenue").run()
    found = facts(at)
    assert found["Column to forecast"] == "Revenue"
    at.selectbox(key="forecast-data-target").set_value("Month").run()  # the time column: refused plainly
    assert any("is the time column" in text for text in alert_texts(at))
    assert train_button(at).disabled and not at.exception


@pytest.mark.parametrize("file_name", sorted(BAD_FILES))
def test_a_bad_file_gives_one_plain_sentence_and_the_page_keeps_working(engine, file_name):
    at = open_page(new_owner())
    upload(at, file_name, (CORPUS / file_name).read_bytes())
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and errors[0].startswith(escape_markdown(BAD_FILES[file_name])), errors
    assert train_button(at).disabled
    # A good file afterwards replaces the message with the data.
    upload(at, "gaps.csv", (CORPUS / "gaps.csv").read_bytes())
    assert not at.error and not train_button(at).disabled
    assert "• Filled 3 missing months by linear interpolation." in [text.value for text in at.text]


def test_markup_in_column_names_is_shown_as_text(engine):
    at = open_page(new_owner())
    upload(at, "markup-in-names.csv", (CORPUS / "markup-in-names.csv").read_bytes())
    found = facts(at)
    assert found["Column to forecast"] == "<script>alert(1)</script>"
    assert found["Time column"] == "<b>Month</b>"
    for element in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info]:
        assert "<script>" not in element.value and "<b>" not in element.value, element.value
    # Figures show the names escaped (plotly renders a little HTML in titles).
    assert any("&lt;script&gt;" in title for title in figure_titles(at))


def test_settings_validate_against_the_data_and_presets_apply(engine):
    at = open_page(new_owner())
    upload(at, "short-for-look-back.csv", (CORPUS / "short-for-look-back.csv").read_bytes())
    assert not at.error and not train_button(at).disabled  # the defaults forecast it (pretrained)
    at.segmented_control(key=SETTING + "mode").set_value("local").run()
    assert [error.value for error in at.error] == [escape_markdown(
        "Only 20 points: with a look-back of 12 and a 33% test part the network would have "
        "1 training window; use a shorter look-back or more data.")]
    assert train_button(at).disabled

    at.button(key="forecast-preset-seed").click().run()
    assert at.number_input(key=SETTING + "look_back").value == 1
    assert at.number_input(key=SETTING + "batch_size").value == 1
    assert at.selectbox(key=SETTING + "transform").value == "none"
    assert not at.error and not train_button(at).disabled

    at.button(key="forecast-preset-reset").click().run()
    assert at.segmented_control(key=SETTING + "mode").value == "auto"
    assert at.number_input(key=SETTING + "look_back").value == 12
    assert at.selectbox(key=SETTING + "transform").value == ForecastConfig().transform

    set_settings(at, epochs=3000)  # the widget refuses values above its maximum
    assert at.number_input(key=SETTING + "epochs").value <= 2000


def test_settings_and_the_uploaded_file_survive_a_page_switch(engine):
    at = open_page(new_owner())
    upload(at, "gaps.csv", (CORPUS / "gaps.csv").read_bytes())
    set_settings(at, epochs=7, units=5, transform="diff", test_percent=25)
    at.switch_page("app_pages/learn.py").run()
    at.switch_page("app_pages/forecast.py").run()
    assert not at.exception, at.exception
    assert at.number_input(key=SETTING + "epochs").value == 7
    assert at.number_input(key=SETTING + "units").value == 5
    assert at.selectbox(key=SETTING + "transform").value == "diff"
    assert at.slider(key=SETTING + "test_percent").value == 25
    assert "Using gaps.csv (uploaded earlier)." in [text.value for text in at.text]
    found = facts(at)
    assert found["Points"].startswith("36 ")


# ---------------------------------------------------------------- training in the background


def _hand_persistence_rmse(path: Path, test_fraction: float) -> float:
    values = load_series(path).values
    n_train = int(round(len(values) * (1 - test_fraction), 6))
    return float(np.sqrt(np.mean((values[n_train:] - values[n_train - 1:-1]) ** 2)))


@pytest.mark.slow
def test_train_tiny_run_see_chart_metrics_downloads_and_share_by_link(engine):
    owner = new_owner()
    at = open_page(owner)
    at.selectbox(key="forecast-data-sample").set_value("sunspots-yearly").run()
    at.selectbox(key="forecast-data-sample").set_value("airline-passengers").run()
    set_settings(at, epochs=2, units=4, look_back=6, ensemble=1)
    started = time.monotonic()
    train_button(at).click().run()
    assert time.monotonic() - started < 5, "the Train button must return at once"
    assert not at.exception, at.exception
    # Disabled at once, saying why: a second click cannot seem to do nothing.
    assert train_button(at).disabled and "in progress" in train_button(at).help
    run_id = at.session_state["forecast_run_id"]
    assert at.query_params["run"] == run_id
    record = engine.store.get_run(run_id, owner)
    assert record.config.epochs == 2 and record.config.units == 4 and record.config.look_back == 6
    assert record.data_name == "airline-passengers.csv"

    assert wait_until_ended(at, engine, owner, run_id) == "succeeded"
    verdict = [*at.success, *at.warning]
    assert verdict and ("better than" in verdict[0].value or "worse than" in verdict[0].value)
    assert any("actual values, LSTM predictions and baselines" in title for title in figure_titles(at))
    table = metrics(at)
    assert list(table.index)[:4] == ["LSTM (network)", "exponential smoothing (ETS)", "Theta method",
                                     "ARIMA (automatic orders)"]
    assert table.loc["persistence (last value)", "Test RMSE"] == pytest.approx(
        _hand_persistence_rmse(ROOT / "data" / "airline-passengers.csv", 0.33), rel=1e-9)
    assert np.isfinite(table.loc["LSTM (network)", "Test RMSE"])
    # The multi-step score the verdict speaks of, with every model, the intervals' coverage and the
    # error by step ahead, as stored with the run.
    backtest = next(frame.value for frame in at.dataframe if "80% interval coverage" in frame.value.columns)
    stored = engine.store.get_run(run_id, owner).summary
    network_rmse = stored.backtest.metrics["network"].rmse
    assert backtest.loc["LSTM (network)", "RMSE"] == pytest.approx(network_rmse)
    assert stored.best_baseline in stored.backtest.metrics
    assert baseline_phrase(stored.best_baseline) in verdict[0].value and "ahead" in verdict[0].value
    assert {"forecast-result-by-step", "forecast-result-chart"} <= set(plotly_keys(at))
    labels = [button.label for button in at.get("download_button")]
    assert labels == ["Predictions (CSV)", "Trained model (.keras)", "Settings (JSON)",
                      "Run with script (.zip)"]

    # Every score column of the result's tables explains itself on hover (app/glossary.py).
    score_tables = [frame for frame in at.dataframe
                    if {"Test RMSE", "80% interval coverage"} & set(frame.value.columns)]
    assert len(score_tables) == 2
    for frame in score_tables:
        config = json.loads(frame.proto.columns)
        assert all(len(config[column].get("help", "").split()) >= 8 for column in frame.value.columns), (
            {column: config.get(column, {}).get("help") for column in frame.value.columns})

    # Other data on the page: the result is said to belong to the earlier data, and folded away.
    upload(at, "nile.csv", (ROOT / "data" / "nile-flow.csv").read_bytes())
    stale = [alert.value for alert in at.warning if "belongs to earlier data" in alert.value]
    assert stale and "the data is now nile.csv" in stale[0], [alert.value for alert in at.warning]
    assert [expander.label for expander in at.expander if expander.label == "The earlier result"]

    # Someone else with the link sees nothing until the owner shares the run.
    stranger = new_owner()
    other = open_page(stranger, run_id=run_id)
    assert any("No run with that id" in text for text in alert_texts(other))
    assert not other.get("download_button")
    engine.store.set_shared(run_id, owner, True)
    other = open_page(stranger, run_id=run_id)
    assert any("Another user shared this run" in text for text in alert_texts(other))
    assert len(other.get("download_button")) == 4

    # "Use these settings" copies the run's configuration into the controls.
    at.button(key="forecast-preset-reset").click().run()
    at.button(key="forecast-result-reuse").click().run()
    assert at.number_input(key=SETTING + "epochs").value == 2
    assert at.number_input(key=SETTING + "look_back").value == 6


@pytest.mark.slow
def test_the_pretrained_network_forecasts_a_short_yearly_upload_a_local_network_refuses(engine):
    owner = new_owner()
    at = open_page(owner)
    rows = "".join(f"{1990 + year},{120 + 6 * year + (year % 3) * 5}\n" for year in range(15))
    upload(at, "short yearly.csv", ("year,sales\n" + rows).encode())
    at.segmented_control(key=SETTING + "mode").set_value("local").run()
    assert any("Only 15 points" in alert.value for alert in at.error), alert_texts(at)
    assert train_button(at).disabled
    at.segmented_control(key=SETTING + "mode").set_value("auto").run()  # the default
    assert not at.error, alert_texts(at)
    assert any("Auto chose the pretrained network for this series" in caption.value for caption in at.caption)
    train_button(at).click().run()
    run_id = at.session_state["forecast_run_id"]
    assert engine.store.get_run(run_id, owner).config.mode == "auto"
    assert wait_until_ended(at, engine, owner, run_id) == "succeeded"
    assert any("network: pretrained, not trained on this series" in caption.value for caption in at.caption)
    assert np.isfinite(metrics(at).loc["LSTM (network)", "Test RMSE"])
    # A row left empty says why (a yearly series has no season), and only such a row.
    said = [caption.value for caption in at.caption if ": no score." in caption.value]
    assert len(said) == 1 and said[0].startswith(escape_markdown(baseline_name("seasonal_naive"))), said
    assert "No seasonal pattern is known" in said[0]
    # Reopened in a new session (its link), the page starts on the airline sample: the result is marked
    # as another file's and folded away, never shown under the sample as if it were its own.
    reopened = open_page(owner, run_id=run_id)
    stale = [alert.value for alert in reopened.warning if "belongs to earlier data" in alert.value]
    assert stale and escape_markdown("(the run used short yearly.csv)") in stale[0], alert_texts(reopened)
    assert [expander.label for expander in reopened.expander if expander.label == "The earlier result"]


def test_reload_mid_run_finds_the_run_and_cancel_stops_it(engine):
    owner = new_owner()
    at = open_page(owner)
    # Long enough to still be running when the page is reloaded; the cancel ends it early.
    set_settings(at, epochs=2000, units=64, batch_size=1)
    train_button(at).click().run()
    run_id = at.session_state["forecast_run_id"]

    reloaded = open_page(owner)  # a reload or a new tab: a new session with the same owner token
    assert reloaded.session_state["forecast_run_id"] == run_id
    assert reloaded.get("progress"), "the live panel of the running run is shown"
    assert train_button(reloaded).disabled
    shown = {field: next(w for w in reloaded.main.get(_widget_type(field)) if w.key == SETTING + field).value
             for field in ("epochs", "units", "batch_size")}
    assert shown == {"epochs": 2000, "units": 64, "batch_size": 1}  # the run's settings, not the defaults

    deadline = time.monotonic() + TRAIN_TIMEOUT
    while engine.store.get_run(run_id, owner).state == "queued" and time.monotonic() < deadline:
        time.sleep(0.5)
    reloaded.run()
    reloaded.button(key="forecast-run-cancel").click().run()
    assert wait_until_ended(reloaded, engine, owner, run_id) == "cancelled"
    assert any("cancelled" in text for text in alert_texts(reloaded))
    assert not train_button(reloaded).disabled


# ---------------------------------------------------------------- the chart builders (pure, no engine)


def _predictions_table(n_train: int, n_test: int, n_future: int, labels: list[str]) -> Predictions:
    n = n_train + n_test
    rows = n + n_future
    return Predictions.build(labels[:n], labels[n:], (n_train, n_test), np.arange(1.0, n + 1), {
        "network": np.r_[np.nan, np.arange(2.0, rows + 1)],
        "persistence": np.r_[np.nan, np.arange(1.0, rows)],
        "seasonal_naive": np.full(rows, np.nan),  # skipped: no season
        "drift": np.arange(rows, dtype=float), "mean": np.full(rows, 5.0),
    })


def test_axis_kinds_follow_the_time_labels():
    from app.forecast_charts import axis_kind

    assert axis_kind(["1949-01", "1949-02"]) == ("date", "%Y-%m")
    assert axis_kind(["2020-01-01 07:13", "2020-01-01 08:02"]) == ("date", "%Y-%m-%d %H:%M")
    assert axis_kind(["1700", "1701"]) == ("linear", None)
    assert axis_kind(["1970 Q1", "1970 Q2"]) == ("category", None)
    assert axis_kind(["2020-01-01 07:13", "+1"]) == ("category", None)  # irregular series: "+k" steps


def test_forecast_figure_has_every_line_the_boundary_and_escaped_names():
    from app.forecast_charts import forecast_figure

    labels = [str(1900 + year) for year in range(13)]
    figure = forecast_figure(_predictions_table(8, 3, 2, labels), "<b>Sales</b>", "GRU")
    names = {trace.name: trace for trace in figure.data}
    # Seasonal naive has no values (no season): it is left out.
    assert set(names) == {"actual &lt;b&gt;Sales&lt;/b&gt;", "GRU on the training part",
                          "GRU on the test part", "GRU forecast", "persistence (last value)",
                          "drift (last value + average trend)", "mean (training average)"}
    assert list(names["GRU on the test part"].x) == [1908, 1909, 1910]
    assert list(names["GRU forecast"].x) == [1910, 1911, 1912]  # starts at the last actual point
    assert list(names["GRU forecast"].y) == [11.0, 12.0, 13.0]
    assert names["mean (training average)"].visible == "legendonly"
    assert figure.layout.xaxis.type == "linear"
    shaded = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert [(shape.x0, shape.x1) for shape in shaded] == [(1908, 1910), (1911, 1912)]
    assert "<b>" not in figure.layout.title.text


def test_the_verdicts_best_baseline_is_always_drawn():
    from app.forecast_charts import forecast_figure

    labels = [str(1900 + year) for year in range(13)]
    table = _predictions_table(8, 3, 2, labels)
    hidden = forecast_figure(table, "y")
    shown = forecast_figure(table, "y", best_baseline="drift")
    drift = "drift (last value + average trend)"
    assert next(trace for trace in hidden.data if trace.name == drift).visible == "legendonly"
    assert next(trace for trace in shown.data if trace.name == drift).visible is True


def test_extrapolated_bands_are_said_in_words():
    from app.components.forecast_results import _extrapolation_note

    calibrated = IntervalSummary(bands={"network": Bands(calibrated_horizon=12, extrapolated=[False] * 12)})
    longer = IntervalSummary(bands={"network": Bands(calibrated_horizon=12,
                                                     extrapolated=[False] * 12 + [True] * 6)})
    assert _extrapolation_note(None) == _extrapolation_note(IntervalSummary()) == ""
    assert _extrapolation_note(calibrated) == ""
    note = _extrapolation_note(longer)
    assert "calibrated for 12 steps ahead; the 6 steps after that are extrapolated" in note


def test_long_series_are_thinned_but_keep_the_boundary_and_forecast():
    from app.forecast_charts import MAX_POINTS, forecast_figure, series_figure

    n_train, n_test, n_future = 15_001, 5_000, 10
    labels = [str(i) for i in range(1, n_train + n_test + n_future + 1)]
    figure = forecast_figure(_predictions_table(n_train, n_test, n_future, labels), "y")
    test_line = next(trace for trace in figure.data if trace.name == "LSTM on the test part")
    assert test_line.x[0] == n_train + 1  # the first test point is always drawn
    assert len(figure.data[0].x) <= MAX_POINTS + 1  # the actual values: thinned, plus the first test point
    assert "points shown" in figure.layout.title.text
    small = series_figure(["1", "2", "3"], np.array([1.0, 2.0, 3.0]), "y", "f")
    assert list(small.data[0].y) == [1.0, 2.0, 3.0] and "shown" not in small.layout.title.text
