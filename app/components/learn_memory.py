"""Learn, part 2: why an LSTM beats a plain RNN on long memory.

The user picks distances N; one "learn" run trains a plain RNN, a GRU and an LSTM for each N in the
background, and the chart of accuracy against N fills in as the networks finish.
"""

from __future__ import annotations

import streamlit as st

from app import learn_charts
from app.components import learn_live, run_panel
from app.components.knob_widgets import knob_input
from app.components.messages import show_error
from models.config import CELLS, LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError
from models.knobs import LEARN_KNOBS
from models.lessons import tasks as toy_tasks
from models.results import EpochReport
from models.summaries import MemoryMetrics, MemorySummary
from models.vocabulary import RunState, cell_name

LENGTH_CHOICES = (2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100)
PRESET = toy_tasks.LEARN_PRESETS["memory"]


def show(owner: str, shared_run: RunRecord | None = None) -> None:
    """The whole long-memory section; ``shared_run``: a run opened by link (``?run=``)."""
    st.markdown(
        "Each training example is a sequence of N symbols (out of "
        f"{PRESET.symbols}). The **answer is the first symbol**; everything after it is noise. "
        "A perfect rule (look at the first step) is always right, but a network reads one step at a "
        "time and has to *carry* the first symbol past all the noise. A plain RNN squeezes its memory "
        "through the same weights at every step and loses it as N grows; an LSTM can keep it on its "
        "conveyor belt, closing the input gate to the noise and keeping the forget gate open.")
    config = _settings()
    clicked = config is not None and st.button("Train them side by side", key="memory-train", type="primary",
                                               icon=":material/compare_arrows:")
    if (clicked and config is not None
            and learn_live.start_run(config, "long-memory task", owner, "memory-run")):
        shared_run = None  # the new run replaces a run opened by link
    record = shared_run or learn_live.current_run(owner, "memory-run", "memory")
    if record is None:
        st.caption(f"One run trains {len(PRESET.cells) * len(PRESET.lengths)} small networks; "
                   "about 30-60 seconds with the default settings.")
        return
    record = run_panel.show(record.id, owner, key="memory-live", live_view=_live_chart, loss_chart=False)
    if record is not None and record.state == RunState.SUCCEEDED:
        _results(record)


def _settings() -> LearnConfig | None:
    left, right = st.columns(2)
    lengths = left.multiselect("Distances N", LENGTH_CHOICES, default=list(PRESET.lengths),
                               key="memory-lengths", max_selections=6,
                               help="Sequence lengths to try; longer takes more time.")
    cells = right.multiselect("Cells", CELLS, default=list(PRESET.cells), key="memory-cells",
                              format_func=cell_name,
                              help="The kinds of network to compare: a simple RNN has no gates, GRU and "
                                   "LSTM decide with gates what to keep.")
    with st.expander("Training settings"):
        columns = st.columns(3)
        units = knob_input(columns[0].slider, LEARN_KNOBS["units"], PRESET.units, "memory-units")
        epochs = knob_input(columns[1].slider, LEARN_KNOBS["epochs"], PRESET.epochs, "memory-epochs",
                            label="Epochs (at most)",
                            help="A network stops early once it gets its training sequences right.")
        seed = knob_input(columns[2].number_input, LEARN_KNOBS["seed"], PRESET.seed, "memory-seed")
        gate_open = st.checkbox(
            "Start the gated cells remembering (gate bias 3)", value=PRESET.gate_bias is not None,
            key="memory-gate-bias",
            help="The LSTM starts with its forget gate mostly open and its input gate mostly closed (the "
                 "GRU's update gate likewise), so what it stores survives many steps before any training. "
                 "That lets the gated cells learn long memory in seconds; with Keras' default start they "
                 "need far more training. A plain RNN has no gate to set.")
    if not lengths or not cells:
        st.info("Choose at least one distance and one cell.")
        return None
    try:
        return PRESET.replace(lengths=tuple(sorted(lengths)), cells=tuple(cells), units=units, epochs=epochs,
                              seed=int(seed), gate_bias=PRESET.gate_bias if gate_open else None)
    except LabError as error:
        show_error(error)
        return None


def accuracy_so_far(record: RunRecord, history: list[EpochReport]) -> dict[str, dict[str, float]]:
    """{cell: {length: latest test accuracy}} from the epoch reports of a running memory run."""
    config = record.config
    cells = list(config.cells) if isinstance(config, LearnConfig) else []  # a memory run's is a LearnConfig
    accuracy: dict[str, dict[str, float]] = {cell: {} for cell in cells}
    for report in history:
        index, length = report.metrics.get("cell"), report.metrics.get("length")
        value = report.metrics.get("val_accuracy")
        if index is None or length is None or value is None or not 0 <= int(index) < len(cells):
            continue
        accuracy[cells[int(index)]][str(int(length))] = value
    return accuracy


def _live_chart(record: RunRecord, history: list[EpochReport]) -> None:
    if history and isinstance(record.config, LearnConfig):  # a memory run's settings are a LearnConfig
        chance = toy_tasks.chance_accuracy(record.config.symbols)
        figure = learn_charts.memory_accuracy(accuracy_so_far(record, history), chance,
                                              title="Accuracy so far (the networks are still training)")
        st.plotly_chart(figure, key="memory-live-chart")


def _results(record: RunRecord) -> None:
    # The store types a run's results by its kind and task: a memory run's (None until it succeeded).
    metrics = record.metrics if isinstance(record.metrics, MemoryMetrics) else MemoryMetrics()
    summary = record.summary if isinstance(record.summary, MemorySummary) else MemorySummary()
    accuracy = metrics.accuracy
    st.plotly_chart(learn_charts.memory_accuracy(accuracy, metrics.chance), key="memory-chart")
    lengths = [str(length) for length in summary.lengths]
    table = {"cell": [cell_name(cell) for cell in accuracy]}
    for length in lengths:
        table[f"N = {length}"] = [_percent(by_length.get(length)) for by_length in accuracy.values()]
    st.dataframe(table, hide_index=True, key="memory-table")
    seconds = sum(value for by_length in summary.seconds.values() for value in by_length.values())
    st.caption(f"Test accuracy on {summary.n_test} new sequences per N; guessing scores "
               f"{metrics.chance:.0%}, the perfect rule 100%. {len(lengths) * len(accuracy)} "
               f"networks trained in {seconds:.0f} s. The *Inside the cell* tab shows an LSTM's gates on "
               "one of these sequences.")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
