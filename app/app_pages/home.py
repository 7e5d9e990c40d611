"""Home: what LSTM Lab is in two sentences, and the three journeys as one-click demos.

Each demo queues a real run with the page's quick settings and opens the page that shows it, so one
click leads to a result being trained (the pages keep their own addresses: /forecast, /digits,
/learn, /runs).
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components import current_run, digits_results
from app.components.messages import show_error
from app.identity import current_owner
from models.config import DIGITS_PRESETS, ForecastConfig
from models.data import bundled_samples
from models.errors import LabError
from models.lessons.tasks import LEARN_PRESETS

# Demo settings: the page defaults with fewer epochs, so a class sees a result within a minute.
# One network, not the five of the defaults: the demo answers within seconds of the click.
# Watching a network learn, briefly: its settings are the demo's own, never the page's defaults.
FORECAST_DEMO = ForecastConfig(mode="local", epochs=60, ensemble=1, preset="demo")
DEMO_SAMPLE = "airline-passengers"
DIGITS_DEMO = DIGITS_PRESETS["quick"].replace(source="bundled")  # offline, no download to wait for
LEARN_DEMO = LEARN_PRESETS["roommate"]

# The session keys the Forecast, Digits and Learn pages keep their current run under.
PAGE_RUN_KEYS = {"forecast": "forecast_run_id", "digits": digits_results.SESSION_RUN, "learn": "room-run"}
PAGES = {"forecast": "app_pages/forecast.py", "digits": "app_pages/digits.py", "learn": "app_pages/learn.py"}


def start_demo(page: str, owner: str) -> None:
    """Queue the demo run of ``page`` and open that page on it (one plain error line if refused)."""
    engine = runtime.engine()
    try:
        if page == "forecast":
            sample = bundled_samples()[DEMO_SAMPLE].path
            run_id = engine.submit(FORECAST_DEMO.to_dict(), sample.read_bytes(), sample.name, owner)
        elif page == "digits":
            run_id = engine.submit(DIGITS_DEMO.to_dict(), None, None, owner)
        else:
            run_id = engine.submit(LEARN_DEMO.to_dict(), None, "the roommate's dinners", owner)
    except LabError as error:
        show_error(error, icon=":material/block:")
        return
    current_run.remember(PAGE_RUN_KEYS[page], run_id)
    st.switch_page(PAGES[page], query_params={"run": run_id})


owner = current_owner()
st.title("LSTM Lab")
st.markdown(
    "Train recurrent neural networks (LSTM, GRU, simple RNN) on your own time series or on handwritten "
    "digits, watch them learn, and see **honestly** whether they beat the simple methods a statistician "
    "would use instead. Everything runs on this machine; every run is kept.")

st.subheader("Try it in one click", anchor=False)
columns = st.columns(3)
demos = (
    ("forecast", ":material/show_chart:", "Forecast airline passengers",
     "The seed article's monthly airline data, 1949–1960. The network learns the first two thirds and "
     "forecasts the rest, next to ARIMA, exponential smoothing and repeating last year's value. About "
     "a minute."),
    ("digits", ":material/draw:", "Read handwritten digits",
     "An LSTM reads each 28×28 digit row by row, like a sentence. Then draw your own digit and watch it "
     "read it. About half a minute."),
    ("learn", ":material/school:", "See how an LSTM remembers",
     "The roommate who cooks on rainy days: a small network learns her rule from the dinners alone, and "
     "you can look inside its gates. A few seconds."),
)
for column, (page, icon, title, text) in zip(columns, demos, strict=True):
    with column.container(border=True):
        st.markdown(f"**{title}**")
        st.caption(text)
        if st.button("Start", key=f"home-demo-{page}", icon=icon, type="primary", width="stretch"):
            start_demo(page, owner)

st.subheader("What a finished forecast shows", anchor=False)
st.markdown(
    "- **A verdict in one sentence**: better or worse than the strongest simple method, by how much, and "
    "what to try next. An honest loss is shown as plainly as a win.\n"
    "- **The series with every forecast on it**: the network's and the baselines' on the part it never "
    "saw, and its forecast past the end with 80% and 95% bands.\n"
    "- **Scores side by side**, one step ahead and over a season ahead, each explained on hover, and a "
    "zip with a script that repeats the run on your own machine.")

st.subheader("Or bring your own", anchor=False)
st.markdown(
    "- **Forecast**: upload a CSV or spreadsheet with a time column and a column of numbers; LSTM Lab finds "
    "both, says what it read, and scores the network on the part it never saw.\n"
    "- **Runs**: every run you trained, to compare, export with a script that reproduces it, or share "
    "by link.")
left, right = st.columns(2)
left.page_link("app_pages/forecast.py", label="Open Forecast", icon=":material/upload_file:")
right.page_link("app_pages/runs.py", label="Open Runs", icon=":material/table_rows:")
