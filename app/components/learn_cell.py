"""Learn, part 3: inside the cell — gates and cell state of a trained network over one input.

Pick one of your finished runs that kept its weights (digits, forecast, or a Learn run), pick one
input, and see the LSTM's input, forget and output gates and its cell state step by step, computed
with models.networks.numpy_rnn from the exported weights (no Keras in the server).
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import streamlit as st

from app import learn_charts, runtime
from app.components.messages import show_error
from models.config import ForecastConfig, LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError
from models.lessons import tasks as toy_tasks
from models.networks import numpy_rnn
from models.summaries import RoommateSummary
from models.vocabulary import CELLS, RunKind, RunState, cell_name

WEIGHTS = "weights.npz"
_MEMORY_WEIGHTS = re.compile(r"^weights-(lstm|gru|rnn)-(\d+)\.npz$")
LSTM_PARTS = ("input", "forget", "output", "cell")


def weight_files(record: RunRecord) -> list[str]:
    """The weights files of a run: ``weights.npz`` or the memory task's ``weights-<cell>-<N>.npz``."""
    return [name for name in record.artifacts if name == WEIGHTS or _MEMORY_WEIGHTS.match(name)]


def candidates(owner: str) -> list[RunRecord]:
    """The owner's succeeded runs of any kind: the roommate networks first (the lesson's own, a cell
    small enough to follow), then the rest, newest first within each."""
    runs = [record for record in runtime.store().list_runs(owner)
            if record.mine and record.state == RunState.SUCCEEDED]
    return sorted(runs, key=lambda record: not _is_roommate(record))  # stable: newest first kept


def _is_roommate(record: RunRecord) -> bool:
    return isinstance(record.config, LearnConfig) and record.config.task == "roommate"


def show(owner: str) -> None:
    """The whole section."""
    st.markdown(
        "An LSTM cell carries a **conveyor belt** (its cell state) from step to step. At every step three "
        "gates decide: what to **forget** from the belt, what new information to **input** onto it, and "
        "how much of it to **output**. Pick one of your finished runs and one input to watch them work.")
    runs = candidates(owner)
    if not runs:
        st.info("You have no finished runs yet. Train a digit reader, a forecast or one of the networks "
                "above, then come back.")
        return
    by_id = {record.id: record for record in runs}
    record = by_id[st.selectbox("Run", list(by_id), key="cell-run", format_func=lambda i: _label(by_id[i]))]
    files = weight_files(record)
    if not files:
        st.warning(_no_weights_sentence(record))
        return
    name = files[0] if len(files) == 1 else st.selectbox(
        "Network", sorted(files, key=_network_order), key="cell-network", format_func=_network_label)
    try:
        weights = numpy_rnn.load_weights(runtime.store().read_artifact(record.id, name, owner))
        facts = numpy_rnn.describe(weights)
        sequence, labels, note = _input(record, owner, name, facts)
    except LabError as error:
        show_error(error)
        return
    cell = facts["cell"]
    if cell != "lstm":
        st.info(f"This network uses a {cell_name(cell)} cell, not an LSTM: it has no conveyor "
                "belt (cell state) and no input, forget and output gates to show. Below is its hidden state, "
                "the only memory it has.")
    layer = 1
    if facts["layers"] > 1:
        layer = st.slider("Layer", 1, facts["layers"], 1, key="cell-layer",
                          help="Layer 1 reads the input; each next layer reads the one below it.")
    gates = numpy_rnn.gate_activations(weights, sequence, layer=layer)
    st.caption(note)
    for part in (LSTM_PARTS if cell == "lstm" else ("hidden",)):
        st.markdown(learn_charts.GATE_SENTENCES[part])
        st.plotly_chart(learn_charts.gate_heatmap(gates[part], part, labels), key=f"cell-{part}")


def _input(record: RunRecord, owner: str, name: str,
           facts: dict[str, Any]) -> tuple[np.ndarray, list[str], str]:
    """One input sequence for this run [T, F], step labels, and a sentence saying what it is."""
    store = runtime.store()
    if record.kind == RunKind.DIGITS:
        data = store.read_artifact(record.id, "samples.npz", owner)
        with np.load(io.BytesIO(data), allow_pickle=False) as samples:
            images, labels = samples["images"], samples["labels"]
        index = st.selectbox("Digit", range(len(images)), key="cell-digit",
                             format_func=lambda i: f"a test image of a {int(labels[i])} (#{i + 1})")
        st.image(images[index], width=84, caption="The network reads this image row by row, top to bottom.")
        return images[index].astype(np.float64) / 255.0, [f"row {row}" for row in range(1, 29)], (
            "Time steps are the 28 rows of the image; each step feeds 28 pixels.")
    if record.kind == RunKind.FORECAST:
        return _forecast_window(record, owner)
    summary, config = record.summary, record.config
    if isinstance(config, LearnConfig) and config.task == "memory":
        match = _MEMORY_WEIGHTS.match(name)
        if match is None:  # a memory run keeps only weights-<cell>-<N>.npz files (weight_files)
            raise LabError(f"{name} is not one of the memory task's networks.")
        cell, length = match.groups()
        seed = st.number_input("Example", 0, 999, 0, key="cell-example", help="Another random sequence.")
        symbols = config.symbols
        x, y = toy_tasks.memory_task(1, int(length), symbols, 50_000 + int(seed))
        tokens = x[0, :, :symbols].argmax(axis=1)
        labels = [f"{step + 1}: {token}" for step, token in enumerate(tokens)]
        return x[0], labels, (f"A sequence of {length} symbols whose answer is its first symbol, "
                              f"{int(y[0])}. Watch whether the belt holds it until the end.")
    summary = summary if isinstance(summary, RoommateSummary) else RoommateSummary()
    dinners = np.array(summary.dinners)
    weather = toy_tasks.parse_weather(summary.weather or "S")
    window = summary.window
    steps = toy_tasks.encode_days(dinners[len(dinners) - window - 1:-1], weather[len(weather) - window:])
    labels = [f"day {day}" for day in range(len(weather) - window + 1, len(weather) + 1)]
    return steps, labels, (f"The last {window} days of the roommate's weather: each step reads yesterday's "
                           "dinner and the day's weather.")


def _forecast_window(record: RunRecord, owner: str) -> tuple[np.ndarray, list[str], str]:
    """The last test window of a forecast run, scaled exactly as in training (models.forecast.pipeline)."""
    from models.data import load_series
    from models.forecast import (
        pipeline as forecast,  # pandas-based, imported only when a forecast run is chosen
    )

    config = record.config
    if not isinstance(config, ForecastConfig):  # a forecast run's stored settings always read as one
        raise LabError("This run's settings cannot be read.")
    data = runtime.store().read_artifact(record.id, "data.csv", owner)
    series = load_series(data, time_column=config.time_column, target_column=config.target_column,
                         name=record.data_name)
    prepared = forecast.prepare(config, series.values, forecast.resolve_season(config, series.season_length))
    window = prepared.x_test[-1]  # [look_back, 1]
    last = prepared.split.n_points - 1
    labels = [series.time_labels[index] for index in range(last - config.look_back, last)]
    sentence = (f"The last window of the test part: the {config.look_back} scaled values before "
                f"{series.time_labels[last]}.")
    if config.look_back == 1:
        sentence += " With a look-back of 1 there is only one step, so the gates have little to do."
    return window, labels, sentence


def _no_weights_sentence(record: RunRecord) -> str:
    if record.kind == RunKind.FORECAST:
        return ("This forecast run did not keep its weights (weights.npz), so its gates cannot be shown "
                "without Keras. Runs trained by a newer version keep them.")
    return "This run did not keep its weights, so its gates cannot be shown."


def _label(record: RunRecord) -> str:
    config = record.config
    if isinstance(config, LearnConfig):
        what = "the roommate network" if config.task == "roommate" else f"learn · {config.task}"
    else:
        size = f" of {config.units} units" if config is not None else ""
        network = f"{cell_name(getattr(config, 'cell', None))}{size}"
        what = f"{record.kind} · {network} · {record.data_name or ''}".rstrip(" ·")
    return f"{what} · {record.id[:6]}"


def _network_order(name: str) -> tuple[int, int, str]:
    match = _MEMORY_WEIGHTS.match(name)
    if not match:
        return (0, 0, name)
    return (CELLS.index(match.group(1)), -int(match.group(2)), name)


def _network_label(name: str) -> str:
    match = _MEMORY_WEIGHTS.match(name)
    if not match:
        return name
    return f"{cell_name(match.group(1))}, N = {match.group(2)}"
