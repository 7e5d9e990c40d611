"""Learn page in AppTest with tiny real runs on the shared job engine.

AppTest does not tick ``run_every`` fragments, so each test calls ``at.run()`` in a loop until the
run store says the run ended.
"""

from __future__ import annotations

import io
import time
import uuid

import numpy as np
import pytest
from page_helpers import plotly_keys

from models.config import DigitsConfig, ForecastConfig, LearnConfig
from models.engine.store import FINAL_STATES
from models.lessons import tasks as toy_tasks
from models.networks import numpy_rnn
from models.results import RunResult

pytestmark = pytest.mark.slow

PAGE = "app_pages/learn.py"
DEADLINE = 240.0  # seconds; a cold worker imports TensorFlow first


def new_owner() -> str:
    return f"learn-test-{uuid.uuid4().hex}"


def run_until_done(at, store, run_id: str, owner: str):
    deadline = time.monotonic() + DEADLINE
    while store.get_run(run_id, owner).state not in FINAL_STATES:
        assert time.monotonic() < deadline, "the run did not finish in time"
        time.sleep(0.3)
        at.run()
        assert not at.exception, at.exception
    at.run()  # the page as it looks once the run has ended
    assert not at.exception, at.exception
    return store.get_run(run_id, owner)


def metric(at, label_start: str):
    return next(item for item in at.metric if item.label.startswith(label_start))


def test_the_roommate_network_trains_and_answers_next_to_the_rule(lab_app, lab_engine):
    owner = new_owner()
    at = lab_app(PAGE, owner)
    assert [tab.label for tab in at.tabs][:3] == ["1 · The roommate's dinners", "2 · Long memory",
                                                  "3 · Inside the cell"]
    assert any("no finished runs" in info.value for info in at.info)
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["day", "weather", "dinner"] and preview["dinner"][0] == "apple pie"

    at.radio(key="room-mode").set_value("Write my own").run()
    at.text_area(key="room-weather").set_value("SRX").run()
    assert any("S (sunny) and R (rainy) only" in error.value for error in at.error)
    at.text_area(key="room-weather").set_value("RSRRSSRSRRSRSSRRSRSR" * 4).run()
    at.slider(key="room-units").set_value(8)
    at.slider(key="room-epochs").set_value(20).run()
    at.button(key="room-train").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state["room-run"]
    record = run_until_done(at, lab_engine.store, run_id, owner)
    assert record.state == "succeeded", record.error
    assert record.config.weather == "RSRRSSRSRRSRSSRRSRSR" * 4 and record.config.epochs == 20

    assert metric(at, "Test accuracy").value.endswith("%")
    table = next(frame.value for frame in at.dataframe if "☀️ sunny" in frame.value.columns)
    assert table.shape == (3, 2) and list(table.index) == [f"yesterday {dish}" for dish in toy_tasks.DISHES]
    assert all(cell.split(" ✓")[0].split(" ✗")[0] in toy_tasks.DISHES for cell in table.to_numpy().ravel())
    today = record.summary.dinners[-1]
    for weather in toy_tasks.WEATHERS:
        at.radio(key="room-tomorrow").set_value(weather).run()
        rule = toy_tasks.roommate_rule(today, toy_tasks.WEATHERS.index(weather))
        assert metric(at, "The rule says").value == toy_tasks.DISHES[rule]
        assert metric(at, f"Today we ate {toy_tasks.DISHES[today]}").value.split(" (")[0] in toy_tasks.DISHES

    # Inside the cell: the roommate's LSTM, gate by gate.
    assert {"cell-input", "cell-forget", "cell-output", "cell-cell"} <= set(plotly_keys(at))

    # A link to the run works for someone else only once it is shared.
    other = lab_app(PAGE, new_owner(), run=run_id)
    assert any("not shared" in warning.value for warning in other.warning)
    lab_engine.store.set_shared(run_id, owner, True)
    other = lab_app(PAGE, new_owner(), run=run_id)
    assert not other.warning and metric(other, "Test accuracy").value == metric(at, "Test accuracy").value


def test_long_memory_side_by_side_then_inside_the_cell(lab_app, lab_engine):
    owner = new_owner()
    at = lab_app(PAGE, owner)
    at.multiselect(key="memory-lengths").set_value([2, 5])
    at.multiselect(key="memory-cells").set_value(["gru", "lstm"])
    at.slider(key="memory-units").set_value(4)
    at.slider(key="memory-epochs").set_value(2).run()
    at.button(key="memory-train").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state["memory-run"]
    record = run_until_done(at, lab_engine.store, run_id, owner)
    assert record.state == "succeeded", record.error
    assert list(record.config.lengths) == [2, 5] and list(record.config.cells) == ["gru", "lstm"]

    assert "memory-chart" in plotly_keys(at)
    table = next(frame.value for frame in at.dataframe if "N = 5" in frame.value.columns)
    assert list(table.columns) == ["cell", "N = 2", "N = 5"] and list(table["cell"]) == ["GRU", "LSTM"]
    accuracy = record.metrics.accuracy
    assert table["N = 5"][1] == f"{accuracy['lstm']['5']:.0%}"

    # Inside the cell: the LSTM at the longest distance first, then the GRU, which has no gates to show.
    assert at.selectbox(key="cell-network").value == "weights-lstm-5.npz"
    assert {"cell-input", "cell-forget", "cell-output", "cell-cell"} <= set(plotly_keys(at))
    at.selectbox(key="cell-network").set_value("weights-gru-5.npz").run()
    assert any("not an LSTM" in info.value for info in at.info)
    keys = plotly_keys(at)
    assert "cell-hidden" in keys and "cell-forget" not in keys


def _random_weights(cell: str, features: int, units: int, outputs: int, head: str) -> bytes:
    """A valid models.networks.numpy_rnn weights file with random values (the page only needs the format)."""
    rng = np.random.default_rng(0)
    blocks = numpy_rnn.GATE_BLOCKS[cell]
    return numpy_rnn.weights_to_bytes({
        "format": np.array(numpy_rnn.FORMAT), "cell": np.array(cell), "n_layers": np.array(1),
        "reset_after": np.array(True), "head_activation": np.array(head),
        "layer1.kernel": rng.normal(size=(features, blocks * units)),
        "layer1.recurrent_kernel": rng.normal(size=(units, blocks * units)),
        "layer1.bias": rng.normal(size=(blocks * units,)),
        "dense.kernel": rng.normal(size=(units, outputs)), "dense.bias": np.zeros(outputs)})


def _stored_run(store, owner: str, config, data: bytes | None, artifacts: dict[str, bytes]) -> str:
    run_id = store.create_run(config=config.to_dict(), owner=owner, data_name="airline-passengers.csv",
                              data_bytes=data)
    assert store.finish_success(run_id, RunResult(kind=config.kind, metrics={}, artifacts=artifacts))
    return run_id


def test_inside_the_cell_reads_digit_images_and_forecast_windows(lab_app, lab_engine, airline_csv):
    owner, store = new_owner(), lab_engine.store
    images = np.random.default_rng(1).integers(0, 255, size=(2, 28, 28), dtype=np.uint8)
    samples = io.BytesIO()
    np.savez_compressed(samples, images=images, labels=np.array([3, 7], dtype=np.uint8))
    _stored_run(store, owner, DigitsConfig(units=5), None, {
        "weights.npz": _random_weights("lstm", 28, 5, 10, "softmax"), "samples.npz": samples.getvalue()})
    at = lab_app(PAGE, owner)
    assert {"cell-input", "cell-forget", "cell-output", "cell-cell"} <= set(plotly_keys(at))
    assert "28 rows of the image" in " ".join(caption.value for caption in at.caption)
    at.selectbox(key="cell-digit").set_value(1).run()
    assert not at.exception, at.exception

    config = ForecastConfig(mode="local", look_back=4, units=3, transform="none")
    without = _stored_run(store, owner, config, airline_csv, {"predictions.csv": b"time,actual\n"})
    at = lab_app(PAGE, owner)
    at.selectbox(key="cell-run").set_value(without).run()
    assert any("did not keep its weights" in warning.value for warning in at.warning)
    with_weights = _stored_run(store, owner, config, airline_csv,
                               {"weights.npz": _random_weights("gru", 1, 3, 1, "linear")})
    at = lab_app(PAGE, owner)
    at.selectbox(key="cell-run").set_value(with_weights).run()
    assert not at.exception, at.exception
    assert any("not an LSTM" in info.value for info in at.info)
    assert "last window of the test part: the 4 scaled values" in " ".join(c.value for c in at.caption)
    assert "cell-hidden" in plotly_keys(at)


def test_inside_the_cell_opens_on_the_roommate_network_with_runs_named_by_their_network(lab_app, lab_engine):
    owner, store = new_owner(), lab_engine.store
    roommate = _stored_run(store, owner, LearnConfig(task="roommate"), None, {})
    digits = _stored_run(store, owner, DigitsConfig(units=96), None, {})  # the newest run
    at = lab_app(PAGE, owner)
    runs = at.selectbox(key="cell-run")
    assert runs.value == roommate and runs.options[0] == "the roommate network · " + roommate[:6]
    assert f"digits · LSTM of 96 units · airline-passengers.csv · {digits[:6]}" in runs.options
