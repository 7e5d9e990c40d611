"""Digits page in AppTest: samples, a real tiny training run, results, drawing, watch it read.

One job engine (one warm Dask worker) serves the whole module, and one tiny run is trained once and
looked at by several tests. AppTest cannot drive the canvas component, so tests put image data in
the canvas' widget state, which is exactly what the browser component sends after a stroke.
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app.components.digit_canvas import classify_drawing
from app.components.watch_it_read import story
from models.config import DIGITS_PRESETS
from models.digits.preprocess import ALL_INK_MESSAGE, EMPTY_MESSAGE
from models.errors import DataError
from models.networks import numpy_rnn

ENTRY = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")
PAGE = "app_pages/digits.py"
# The quick demo with tiny numbers: what the page sends after these four settings are changed.
TINY = DIGITS_PRESETS["quick"].replace(units=8, epochs=1, limit=500, source="bundled", preset=None)
TRAIN_TIMEOUT = 300.0  # seconds: a cold worker imports TensorFlow first (~15 s alone, more when busy)
CANVAS_KEY = "digits-draw-canvas-0"


# ---------------------------------------------------------------- fixtures and helpers


def new_owner() -> str:
    return f"digits-test-{uuid.uuid4().hex}"


def open_page(owner: str, run_id: str | None = None) -> AppTest:
    """The Digits page as ``owner`` (optionally with ``?run=<id>``), run once."""
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["owner_token"] = owner
    if run_id:
        at.query_params["run"] = run_id
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by their title text (or element id when untitled)."""
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec.get("layout", {}).get("title", {})
        found[title.get("text") if isinstance(title, dict) and title.get("text") else element.proto.id] = spec
    return found


def values(data) -> np.ndarray:
    """A plotly array from a figure's JSON: a plain list, or plotly's typed array {dtype, bdata, shape}."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = [int(size) for size in str(data.get("shape", len(array))).split(",")]
        return array.reshape(shape)
    return np.asarray(data)


def metric(at: AppTest, label: str) -> str:
    return next(item.value for item in at.metric if item.label == label)


def canvas_state(image: np.ndarray, objects: int = 1) -> dict:
    """What the canvas component sends after a stroke: the Fabric.js JSON and a PNG data URL."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"drawing": {"raw": {"objects": [{"type": "path"}] * objects}, "data": url}}


def drawn_one() -> np.ndarray:
    """A 280x280 RGBA canvas as the browser returns it: white vertical stroke on black."""
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[:, :, 3] = 255
    canvas[50:230, 130:150, :3] = 255
    return canvas


@pytest.fixture(scope="module")
def trained(engine):
    """Train TINY through the page, as a person would; returns (owner, run id, the AppTest)."""
    owner = new_owner()
    at = open_page(owner)
    at.number_input(key="digits-units").set_value(TINY.units)
    at.number_input(key="digits-epochs").set_value(TINY.epochs)
    at.selectbox(key="digits-limit").set_value(TINY.limit)
    at.selectbox(key="digits-source").set_value(TINY.source)
    at.button(key="digits-train").click()
    at.run()
    assert not at.exception, at.exception
    run_id = at.session_state["digits_run_id"]
    at.run()
    if engine.store.get_run(run_id, owner).state == "queued":  # surely still going during that rerun
        assert at.button(key="digits-train").disabled, "one run at a time from the page"
    deadline = time.monotonic() + TRAIN_TIMEOUT
    while engine.store.get_run(run_id, owner).active:  # AppTest does not tick run_every fragments
        assert time.monotonic() < deadline, "the tiny run did not finish in time"
        time.sleep(1.0)
        at.run()
        assert not at.exception, at.exception
    at.run()
    assert not at.exception, at.exception
    assert not at.button(key="digits-train").disabled
    return owner, run_id, at


# ---------------------------------------------------------------- tests


def test_samples_and_default_settings_render(engine):
    at = open_page(new_owner())
    assert at.title[0].value == "Digits"
    grid = next(spec for spec in figures(at).values()
                if len(spec["layout"].get("annotations", [])) == 20)
    labels = [note["text"] for note in grid["layout"]["annotations"]]
    assert labels == [str(digit) for digit in range(10)] * 2
    assert any("bundled" in caption.value for caption in at.caption)
    assert any("Training will" in caption.value for caption in at.caption)
    quick = DIGITS_PRESETS["quick"]
    assert at.number_input(key="digits-units").value == quick.units
    assert at.number_input(key="digits-epochs").value == quick.epochs
    assert at.radio(key="digits-preset").value == "quick"
    assert not at.metric  # no run yet: no results


def test_seed_preset_fills_the_settings(engine):
    at = open_page(new_owner())
    at.radio(key="digits-preset").set_value("seed").run()
    seed = DIGITS_PRESETS["seed"]
    assert at.number_input(key="digits-units").value == seed.units
    assert at.selectbox(key="digits-optimizer").value == seed.optimizer
    assert at.selectbox(key="digits-limit").value is None


def test_settings_survive_a_page_switch(engine):
    at = open_page(new_owner())
    at.number_input(key="digits-units").set_value(12).run()
    at.switch_page("app_pages/forecast.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.number_input(key="digits-units").value == 12


@pytest.mark.slow
def test_tiny_run_trains_and_shows_results(engine, trained):
    owner, run_id, at = trained
    record = engine.store.get_run(run_id, owner)
    assert record.state == "succeeded", record.error
    assert record.config == TINY  # the page sent exactly the chosen settings
    assert metric(at, "Test accuracy") == f"{record.metrics.test_accuracy:.1%}"
    charts = figures(at)
    confusion = values(charts["Confusion matrix (test digits)"]["data"][0]["text"])  # [10, 10] counts
    assert confusion.sum() == record.summary.n_test
    assert np.trace(confusion) / confusion.sum() == pytest.approx(record.metrics.test_accuracy)
    names = [trace["name"] for trace in charts["Accuracy per epoch"]["data"]]
    assert names == ["training digits", "test digits"]
    assert "Accuracy for each digit" in charts


@pytest.mark.slow
def test_watch_it_read_gives_28_steps_ending_in_the_prediction(engine, trained):
    owner, run_id, at = trained
    samples = np.load(io.BytesIO(engine.store.read_artifact(run_id, "samples.npz", owner)))
    label = f"Test digit {samples['labels'][0]} (example 1)"
    at.selectbox(key="digits-watch-choice").set_value(label).run()
    assert not at.exception, at.exception
    reading = next(spec for spec in figures(at).values() if spec.get("frames"))
    assert [frame["name"] for frame in reading["frames"]] == [str(row) for row in range(1, 29)]
    last = values(reading["frames"][-1]["data"][1]["y"])  # bars after all 28 rows
    # The worker's Keras model gave these probabilities for the same digit: the NumPy reading agrees.
    np.testing.assert_allclose(last, samples["probabilities"][0], atol=1e-4)
    first = values(reading["frames"][0]["data"][1]["y"])
    assert first.sum() == pytest.approx(1.0)


@pytest.mark.slow
def test_drawing_is_read_and_watched(engine, trained):
    owner, run_id, _ = trained
    at = open_page(owner, run_id)
    at.session_state[CANVAS_KEY] = canvas_state(drawn_one())
    at.run()
    assert not at.exception, at.exception
    weights = numpy_rnn.load_weights(engine.store.read_artifact(run_id, "weights.npz", owner))
    expected = classify_drawing(weights, drawn_one())
    assert any(f"It reads a **{expected.answer}**" in item.value for item in at.markdown)
    bars = values(figures(at)["How sure is it?"]["data"][0]["y"])
    np.testing.assert_allclose(bars, expected.probabilities, atol=1e-9)
    assert at.selectbox(key="digits-watch-choice").value == "Your drawing"


@pytest.mark.slow
@pytest.mark.parametrize(("pixels", "message"), [(0, EMPTY_MESSAGE), (255, ALL_INK_MESSAGE)])
def test_bad_drawings_give_a_plain_message(engine, trained, pixels, message):
    owner, run_id, _ = trained
    at = open_page(owner, run_id)
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[:, :, 3] = 255  # the canvas is opaque black
    canvas[5:275, 5:275, :3] = pixels  # nothing drawn (0), or white over 93% of it (255)
    at.session_state[CANVAS_KEY] = canvas_state(canvas)
    at.run()
    assert not at.exception, at.exception
    assert [item.value for item in at.warning] == [message]
    assert "How sure is it?" not in figures(at)


def test_classify_drawing_refuses_bad_pictures():
    no_weights: dict = {}  # never used: a bad picture is refused before the network runs
    for picture, message in ((None, EMPTY_MESSAGE), (np.zeros((280, 280, 4), np.uint8), EMPTY_MESSAGE),
                             (np.full((280, 280), 255, np.uint8), ALL_INK_MESSAGE)):
        with pytest.raises(DataError, match=message[:20]):
            classify_drawing(no_weights, picture)


def test_story_tells_when_the_answer_settled():
    steps = np.full((28, 10), 0.05)
    steps[:5, 1] = 0.55  # rows 1-5: "1" leads
    steps[5:, 7] = 0.55  # rows 6-28: "7" leads
    assert story(steps) == "It changed its mind once; **7** has led since row 6 of 28, ending 55% sure."
    steps[:5, 1] = 0.05
    steps[:5, 7] = 0.55
    assert story(steps).startswith("It leaned towards **7** from the first row")


@pytest.mark.slow
def test_reload_shows_the_owners_latest_run(engine, trained):
    owner, run_id, _ = trained
    at = open_page(owner)  # a new session: nothing in session state, no ?run=
    assert at.session_state["digits_run_id"] == run_id
    assert at.metric  # results shown again


@pytest.mark.slow
def test_someone_elses_run_link_shows_nothing(engine, trained):
    _, run_id, _ = trained
    at = open_page(new_owner(), run_id)
    assert not at.metric
    assert "digits_run_id" not in at.session_state
