"""Learn, part 1: the roommate's dinners (the seed article's example), trained in the background.

Input (weather, random or typed) -> the rule's dinners -> a "learn" run on the job engine -> the
network's answer for tomorrow next to the rule, its accuracy by weather, and its 3 x 2 table.
The trained network is queried with models.networks.numpy_rnn (never Keras in the server).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app import runtime
from app.components import learn_live, run_panel
from app.components.knob_widgets import knob_input
from app.components.messages import show_error
from models.config import CELLS, LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError
from models.knobs import LEARN_KNOBS
from models.lessons import tasks as toy_tasks
from models.networks import numpy_rnn
from models.summaries import RoommateMetrics, RoommateSummary
from models.vocabulary import RunState, cell_name

ICONS = {"sunny": "☀️ sunny", "rainy": "🌧️ rainy"}
DEFAULT_PATTERN = "SRSSRRSRSSSRRSRSRRSS" * 4
PREVIEW_DAYS = 10
PRESET = toy_tasks.LEARN_PRESETS["roommate"]


def show(owner: str, shared_run: RunRecord | None = None) -> None:
    """The whole roommate section; ``shared_run``: a run opened by link (``?run=``)."""
    st.markdown(
        "Our roommate cooks three dishes in turn: **apple pie → burger → chicken → apple pie …**. "
        "On a **sunny** day she spends the day on the balcony with a beer and doesn't cook, so we eat "
        "the same as yesterday. On a **rainy** day she stays in and cooks the next dish. A small "
        "recurrent network reads the last few days (yesterday's dinner and the day's weather) and "
        "learns to predict the dinner — nobody tells it the rule.")
    config = _settings()
    if config is None:
        return
    clicked = st.button("Train the roommate network", key="room-train", type="primary",
                        icon=":material/school:")
    if clicked and learn_live.start_run(config, "roommate dinners", owner, "room-run"):
        shared_run = None  # the new run replaces a run opened by link
    record = shared_run or learn_live.current_run(owner, "room-run", "roommate")
    if record is None:
        st.caption("Train the network to see what it learned.")
        return
    record = run_panel.show(record.id, owner, key="room-live", loss_chart=False)
    if record is not None and record.state == RunState.SUCCEEDED:
        _results(record, owner)


def _settings() -> LearnConfig | None:
    """Weather and network settings -> a validated configuration (None after showing an error)."""
    mode = st.radio("Weather", ["Random", "Write my own"], horizontal=True, key="room-mode",
                    help="Random: each day rains with the chance you choose. Your own: type S and R.")
    seed = st.session_state.setdefault("room-seed", 7)
    days, rain, text = 160, 0.5, ""
    try:
        if mode == "Random":
            left, right, button = st.columns([3, 3, 2], vertical_alignment="bottom")
            days = knob_input(left.slider, LEARN_KNOBS["days"], PRESET.days, "room-days")
            rain = knob_input(right.slider, LEARN_KNOBS["rain_chance"], PRESET.rain_chance, "room-rain")
            if button.button("New weather", key="room-shuffle", icon=":material/casino:"):
                st.session_state["room-seed"] = seed = seed + 1
            weather = toy_tasks.random_weather(days, rain, seed)
        else:
            text = st.text_area("Weather, one letter per day: S sunny, R rainy", value=DEFAULT_PATTERN,
                                key="room-weather", height=90)
            weather = toy_tasks.parse_weather(text)
            text = toy_tasks.weather_text(weather)
        with st.expander("Network settings"):
            cell_column, units_column, epochs_column, window_column = st.columns(4)
            cell = cell_column.selectbox("Cell", CELLS, index=CELLS.index(PRESET.cell), key="room-cell",
                                         format_func=cell_name, help=LEARN_KNOBS["cell"].help)
            units = knob_input(units_column.slider, LEARN_KNOBS["units"], PRESET.units, "room-units")
            epochs = knob_input(epochs_column.slider, LEARN_KNOBS["epochs"], PRESET.epochs, "room-epochs")
            window = knob_input(window_column.slider, LEARN_KNOBS["window"], PRESET.window, "room-window")
        config = PRESET.replace(weather=text, days=days, rain_chance=rain, seed=seed, cell=cell, units=units,
                                epochs=epochs, window=window)
    except LabError as error:
        show_error(error)
        return None
    dinners = toy_tasks.roommate_dinners(weather)
    preview = _days_table(weather[:PREVIEW_DAYS], dinners[:PREVIEW_DAYS + 1])
    st.dataframe(preview, hide_index=True, key="room-preview", height=35 * (len(preview) + 1) + 3)
    st.caption(f"The first {min(PREVIEW_DAYS, len(weather))} of {len(weather)} days, following the rule. "
               f"{int((weather == toy_tasks.RAINY).sum())} rainy days in all.")
    return config


def _days_table(weather: np.ndarray, dinners: np.ndarray) -> pd.DataFrame:
    """Day, weather and dinner (day 0: the first dinner, before any weather)."""
    return pd.DataFrame({
        "day": range(len(dinners)),
        "weather": ["—", *(ICONS[toy_tasks.WEATHERS[day]] for day in weather)],
        "dinner": [toy_tasks.DISHES[dish] for dish in dinners],
    })


def _results(record: RunRecord, owner: str) -> None:
    """Tomorrow's dinner (network vs rule), accuracy by weather and the yesterday x weather table."""
    # The store types a run's results by its kind and task: a roommate run's (None until it succeeded).
    metrics = record.metrics if isinstance(record.metrics, RoommateMetrics) else RoommateMetrics()
    summary = record.summary if isinstance(record.summary, RoommateSummary) else RoommateSummary()
    try:
        weights = numpy_rnn.load_weights(runtime.store().read_artifact(record.id, "weights.npz", owner))
    except LabError as error:
        show_error(error)
        return
    st.markdown("#### What the network learned")
    columns = st.columns(4)
    columns[0].metric("Test accuracy", _percent(metrics.test_accuracy),
                      help=f"On the last {summary.n_test} days, which it never trained on.")
    columns[1].metric("On sunny days", _percent(metrics.sunny_accuracy),
                      help=f"{summary.test_sunny_days} sunny test days.")
    columns[2].metric("On rainy days", _percent(metrics.rainy_accuracy),
                      help=f"{summary.test_rainy_days} rainy test days.")
    columns[3].metric("The rule", _percent(metrics.rule_accuracy), help="Right by construction.")
    if not summary.test_rainy_days:
        st.info("There were no rainy days in the test part, so we cannot tell whether it learned to "
                "expect cooking on rainy days.")

    dinners = np.array(summary.dinners or [0])
    weather = toy_tasks.parse_weather(summary.weather or "S")
    window = summary.window
    today = int(dinners[-1])
    tomorrow = st.radio("Tomorrow's weather", toy_tasks.WEATHERS, horizontal=True, key="room-tomorrow",
                        format_func=ICONS.get)
    tomorrow_weather = toy_tasks.WEATHERS.index(tomorrow)
    # The last window-1 real days, then (today's dinner, tomorrow's weather): [window, 5].
    steps = toy_tasks.encode_days(np.r_[dinners[len(dinners) - window:-1], today],
                                  np.r_[weather[len(weather) - window + 1:], tomorrow_weather])
    probabilities = numpy_rnn.predict(weights, steps)[0]  # [3]
    guess = int(probabilities.argmax())
    rule = toy_tasks.roommate_rule(today, tomorrow_weather)
    left, right = st.columns(2)
    left.metric(f"Today we ate {toy_tasks.DISHES[today]}. Network says tomorrow:",
                f"{toy_tasks.DISHES[guess]} ({probabilities[guess]:.0%})")
    right.metric("The rule says:", toy_tasks.DISHES[rule])
    if guess == rule:
        st.success("The network agrees with the rule.", icon=":material/check:")
    else:
        st.warning("The network disagrees with the rule here: it has not learned this case.")

    st.markdown("**Its answer for every yesterday × weather pair** (✓ where it matches the rule)")
    table, confidence = summary.network_table, summary.network_confidence
    if not table:  # a run stored before the summary kept its answers
        table, confidence = toy_tasks.pair_predictions(weights, window)
    st.dataframe(pair_table(table, confidence), key="room-table")


def pair_table(table: list[list[int]], confidence: list[list[float]]) -> pd.DataFrame:
    """3 x 2 table: rows yesterday's dish, columns the weather, cells "burger ✓ 98%".

    ``table`` and ``confidence`` are the run's stored answers (``RoommateSummary.network_table``).
    """
    rows = {}
    for dish, name in enumerate(toy_tasks.DISHES):
        cells = []
        for weather, (answer, probability) in enumerate(zip(table[dish], confidence[dish], strict=True)):
            mark = "✓" if answer == toy_tasks.roommate_rule(dish, weather) else "✗"
            cells.append(f"{toy_tasks.DISHES[answer]} {mark} {probability:.0%}")
        rows[f"yesterday {name}"] = cells
    return pd.DataFrame.from_dict(rows, orient="index", columns=[ICONS[name] for name in toy_tasks.WEATHERS])


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
