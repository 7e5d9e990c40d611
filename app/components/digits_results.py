"""Which digits run the page shows, its files, and its results (metrics, per class, confusion, mistakes).

A finished run's files never change, so they are cached by run id (bounded). Weights are read with
``models.networks.numpy_rnn``: the app process never imports Keras.
"""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from app import digits_charts, runtime
from app.components import current_run as current
from app.components.messages import show_warning
from models.engine.store import RunRecord
from models.errors import LabError
from models.networks import numpy_rnn
from models.summaries import DigitsMetrics, DigitsSummary
from models.vocabulary import RunKind

SESSION_RUN = "digits_run_id"  # the run this session is looking at (survives page switches)


def is_digits(record: RunRecord) -> bool:
    return record.kind == RunKind.DIGITS


def current_run(owner: str) -> RunRecord | None:
    """The run to show: ``?run=<id>``, else this session's run, else the owner's latest digits run."""
    return current.current_run(owner, SESSION_RUN, is_digits)


def remember(run_id: str) -> None:
    """Make ``run_id`` the page's current run (session and URL, so a reload finds it)."""
    current.remember(SESSION_RUN, run_id)


# ---------------------------------------------------------------- files of a finished run


@st.cache_data(max_entries=16, show_spinner=False)
def run_weights(run_id: str, owner: str) -> numpy_rnn.Weights:
    """The run's network weights (``weights.npz``) for the NumPy forward pass."""
    return numpy_rnn.load_weights(runtime.store().read_artifact(run_id, "weights.npz", owner))


@st.cache_data(max_entries=32, show_spinner=False)
def run_arrays(run_id: str, name: str, owner: str) -> dict[str, np.ndarray]:
    """The arrays of one ``.npz`` file of the run (``mistakes.npz``, ``samples.npz``)."""
    data = runtime.store().read_artifact(run_id, name, owner)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


# ---------------------------------------------------------------- results


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def data_line(summary: DigitsSummary) -> str:
    """One line: which digits the run trained and was tested on."""
    name = "full MNIST" if summary.source == "keras" else "the bundled MNIST sample"
    return (f"Trained on {summary.n_train:,} digits of {name}, "
            f"tested on {summary.n_test:,} digits it never saw.")


def show(record: RunRecord, owner: str, key: str) -> None:
    """Results of a finished digits run: headline numbers, per-class accuracy, confusion, mistakes."""
    # The store types a run's results by its kind: a digits run's (None until it succeeded).
    metrics = record.metrics if isinstance(record.metrics, DigitsMetrics) else DigitsMetrics()
    summary = record.summary if isinstance(record.summary, DigitsSummary) else DigitsSummary()
    st.caption(data_line(summary))
    accuracy, loss, train, seconds = st.columns(4)
    accuracy.metric("Test accuracy", _percent(metrics.test_accuracy),
                    help="Share of the test digits (never used for training) read correctly.")
    loss.metric("Test loss", "—" if metrics.test_loss is None else f"{metrics.test_loss:.3f}",
                help="Average cross-entropy on the test digits: lower means more confident right answers.")
    train.metric("Training accuracy", _percent(metrics.train_accuracy),
                 help="The same on the training digits. Much higher than test accuracy means it "
                      "memorised rather than learned.")
    seconds.metric("Training time", f"{record.fit_seconds or 0:.0f} s",
                   help=f"{summary.parameters or 0:,} numbers (weights) were learned.")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(digits_charts.per_class_bars(metrics.per_class_accuracy or [None] * 10),
                        key=f"{key}-per-class")
    with right:
        if summary.confusion:
            st.plotly_chart(digits_charts.confusion_heatmap(summary.confusion), key=f"{key}-confusion")
    show_mistakes(record, owner, key)


def show_mistakes(record: RunRecord, owner: str, key: str) -> None:
    """The wrong answers given with the most confidence, as images with both labels."""
    if "mistakes.npz" not in record.artifacts:
        return
    try:
        mistakes = run_arrays(record.id, "mistakes.npz", owner)
    except LabError as error:
        show_warning(error)
        return
    st.markdown("**Its most confident mistakes**")
    if not len(mistakes["labels"]):
        st.caption("It read every test digit correctly.")
        return
    captions = [f"said {said} · was {true}" for said, true in zip(mistakes["predicted"], mistakes["labels"],
                                                                    strict=True)]
    st.plotly_chart(digits_charts.digit_grid(mistakes["images"][:20], captions[:20], columns=10),
                    key=f"{key}-mistakes")
    st.caption("Above each digit: what the network answered, then the true label. Pick one under "
               "*Watch it read* to see where it went wrong.")
