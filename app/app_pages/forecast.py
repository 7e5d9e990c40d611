"""Forecast page: bring a series → choose settings → train in the background → see the honest result.

The page keeps only the id of its current run (a non-widget session key, mirrored in the ``run``
query parameter). On a fresh session it shows the owner's latest forecast run, so a reload or a new
tab of the same browser (its owner cookie) finds it; ``?run=<id>`` opens that run (the Runs page
links here so).
Training happens in the job engine's workers; this script never imports TensorFlow.
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components import (
    current_run,
    data_input,
    forecast_results,
    forecast_settings,
    run_panel,
    stale_result,
)
from app.components.messages import escape_markdown, show_error, show_warning
from app.identity import current_owner
from models.config import ForecastConfig
from models.engine.store import RunRecord
from models.errors import LabError
from models.vocabulary import RunKind, RunState

RUN_KEY = "forecast_run_id"  # the page's current run (non-widget: survives page switches)


def is_forecast(record: RunRecord) -> bool:
    return record.kind == RunKind.FORECAST


def train(config: ForecastConfig, choice: data_input.DataChoice, owner: str) -> bool:
    """Queue a run and make it the page's current run; returns at once (False after an error)."""
    try:
        run_id = runtime.engine().submit(config, choice.data, choice.name, owner,
                                         values=choice.series.values,
                                         season_length=choice.series.season_length)
    except LabError as error:
        show_error(error, icon=":material/block:")
        return False
    current_run.remember(RUN_KEY, run_id)
    stale_result.remember(run_id, choice, config)
    return True


owner = current_owner()
st.title("Forecast")
st.caption("Train a recurrent network (LSTM, GRU or simple RNN) on a time series and see, on data it "
           "never saw, whether it beats simple forecasts such as repeating last year's value.")
record = current_run.current_run(owner, RUN_KEY, is_forecast)

st.header("1. Data", anchor=False)
choice = data_input.show()

st.header("2. Settings", anchor=False)
if (record is not None and record.mine and isinstance(record.config, ForecastConfig)
        and forecast_settings.SETTINGS_KEY not in st.session_state and record.config.preset != "demo"):
    # A reload or a new tab starts a new session: show the settings of the run it shows, not the defaults
    # (a Home demo's reduced settings are the demo's only). A forecast run's stored settings always read
    # as a ForecastConfig.
    forecast_settings.apply(record.config)
config = forecast_settings.show(choice)

st.header("3. Train", anchor=False)
busy = record is not None and record.active and record.mine
train_row = st.container(horizontal=True, vertical_alignment="center")
clicked = train_row.button(
    "Train", type="primary", icon=":material/play_arrow:", disabled=config is None or busy,
    key="forecast-train",
    help="Start training in the background. You can leave the page: the run keeps going and is "
         "shown again when you come back." if not busy else "A run is in progress: wait for it or cancel it.")
with train_row:
    st.page_link("app_pages/runs.py", label="All your runs", icon=":material/table_rows:")
if clicked and config is not None and choice is not None and not busy and train(config, choice, owner):
    st.rerun()  # draw the page again at once: Train disabled, saying why, and the new run's panel
engine_error = runtime.engine().error
if engine_error:
    show_error(engine_error, icon=":material/error:")

if record is not None:
    if record.data_name and (choice is None or record.data_name != choice.name):
        st.caption(escape_markdown(f"Showing the run on {record.data_name}."))
    record = run_panel.show(record.id, owner, key="forecast-run")
    if record is not None and record.state == RunState.SUCCEEDED:
        st.header("4. Result", anchor=False)
        changed = stale_result.changes(record.id, choice, config, record.data_fingerprint, record.data_name)
        if changed:
            show_warning("This result belongs to earlier data or settings: " + "; ".join(changed)
                         + ". Click Train for a result on what the page shows now.",
                         icon=":material/history:")
            with st.expander("The earlier result", expanded=False):
                forecast_results.show(record, owner)
        else:
            forecast_results.show(record, owner)
