"""Digits page: see MNIST, train a network that reads digits row by row, then draw and watch it read.

Recipe: what MNIST is → settings → train in the background → results → draw a digit → watch it read.
Training runs in the job engine's workers; drawn digits are read here with the NumPy forward pass.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from app import digits_charts, runtime
from app.components import digit_canvas, digits_results, digits_settings, run_panel, watch_it_read
from app.components.messages import show_error, show_warning
from app.identity import current_owner
from models.digits.data import bundled_arrays
from models.engine.store import RunRecord
from models.errors import LabError
from models.vocabulary import RunState

SAMPLES_PER_DIGIT = 2


@st.cache_data(show_spinner=False)
def bundled_samples() -> tuple[np.ndarray, np.ndarray]:
    """A few bundled digits of every class, 0-9 in order, then again: images [20, 28, 28], labels [20]."""
    images, labels = bundled_arrays()  # never downloads: the 5,000 digits shipped in data/
    rng = np.random.default_rng(3)
    picks = [rng.choice(np.flatnonzero(labels == digit), SAMPLES_PER_DIGIT, replace=False)
             for digit in range(10)]
    order = np.array(picks).T.ravel()  # [0, 1, ..., 9, 0, 1, ..., 9]
    return images[order], labels[order]


def what_is_mnist() -> None:
    st.subheader("1 · What is MNIST?")
    images, labels = bundled_samples()
    st.plotly_chart(digits_charts.digit_grid(images, [str(label) for label in labels]), key="mnist-grid")
    st.caption("MNIST: 70,000 handwritten digits (60,000 to learn from, 10,000 to test on), each 28 × 28 "
               "grey pixels with its true label. Shown here: digits from the 5,000 real MNIST digits "
               "bundled with LSTM Lab, so this page never downloads anything.")
    st.markdown("**Each row of pixels is one time step.** The network does not see the picture at once: "
                "it reads it like a sequence, one row of 28 pixels at a time, top to bottom, updating its "
                "memory after each row. After row 28 it gives its answer.")
    st.plotly_chart(digits_charts.rows_as_steps(images[7]), key="mnist-rows")


def train_section(owner: str, busy: bool) -> bool:
    """Settings and the Train button (disabled while this person's shown run is still going);
    True when a run was just queued."""
    st.subheader("2 · Train a digit reader")
    config = digits_settings.show("digits")
    if st.button("Train", key="digits-train", type="primary", icon=":material/play_arrow:",
                 disabled=config is None or busy,
                 help="Starts training in the background: you can switch pages or reload meanwhile."
                 if not busy else "A run is in progress: wait for it or cancel it.") and config is not None:
        try:
            run_id = runtime.engine().submit(config, None, "mnist", owner)
        except LabError as error:
            show_error(error)
        else:
            digits_results.remember(run_id)
            return True
    return False


def progress_section(record: RunRecord, owner: str) -> RunRecord:
    st.subheader("3 · Training")
    latest = run_panel.show(record.id, owner, key="digits-run") or record

    @st.fragment(run_every=run_panel.POLL_SECONDS if latest.active else None)
    def accuracy() -> None:
        history = runtime.store().history(record.id, owner)
        if any("val_accuracy" in report.metrics for report in history):
            st.plotly_chart(digits_charts.accuracy_curves(history), key="digits-accuracy")

    accuracy()
    return latest


def try_it(record: RunRecord, owner: str) -> None:
    try:
        weights = digits_results.run_weights(record.id, owner)
        samples = digits_results.run_arrays(record.id, "samples.npz", owner)
        mistakes = digits_results.run_arrays(record.id, "mistakes.npz", owner)
    except LabError as error:
        show_warning(error)
        return

    @st.fragment
    def draw_and_read() -> None:
        # A fragment: a new stroke reruns only this part of the page.
        st.subheader("5 · Draw a digit")
        reading = digit_canvas.show(weights, key="digits-draw")
        drawing = None if reading is None else reading.digit
        fingerprint = None if drawing is None else hashlib.sha1(drawing.tobytes()).hexdigest()
        changed = fingerprint is not None and fingerprint != st.session_state.get("digits-drawing-seen")
        st.session_state["digits-drawing-seen"] = fingerprint
        st.subheader("6 · Watch it read")
        choices = watch_it_read.examples(drawing, samples, mistakes)
        watch_it_read.show(weights, choices, key="digits-watch", drawing_changed=changed)

    draw_and_read()


owner = current_owner()
st.title("Digits")
st.caption("Teach a recurrent network to read handwritten digits row by row, as in the seed article, "
           "then test it on your own handwriting.")
what_is_mnist()
record = digits_results.current_run(owner)
if train_section(owner, busy=record is not None and record.active and record.mine):
    st.rerun()  # draw the page again at once: Train disabled, saying why, and the new run's panel
if record is not None:
    record = progress_section(record, owner)
    if record.state == RunState.SUCCEEDED:
        st.subheader("4 · Results")
        digits_results.show(record, owner, key="digits-results")
        try_it(record, owner)
