"""Watch it read: the network's answer after each of the 28 rows of one digit.

The probabilities come from ``models.networks.numpy_rnn.probabilities_by_row`` (NumPy, in this process); the
slider and the Play button are plotly frames, so moving through the rows needs no server round trip.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import streamlit as st

from app import digits_charts
from models.networks import numpy_rnn

DRAWING = "Your drawing"


def reading_steps(weights: numpy_rnn.Weights, image: np.ndarray) -> np.ndarray:
    """Class probabilities after each row of ``image`` [28, 28] -> [28, 10]; the last row is the answer."""
    return numpy_rnn.probabilities_by_row(weights, image)


def story(steps: np.ndarray) -> str:
    """One sentence on how the answer formed: when the final answer took the lead for good."""
    answers = np.argmax(steps, axis=1)  # [28] the leading digit after each row
    final = int(answers[-1])
    changes = int(np.count_nonzero(answers[1:] != answers[:-1]))
    settled = len(answers)
    while settled > 1 and answers[settled - 2] == final:
        settled -= 1  # walk back while the final answer was already leading
    confidence = float(steps[-1, final])
    if changes == 0:
        return f"It leaned towards **{final}** from the first row and ends {confidence:.0%} sure."
    times = "once" if changes == 1 else f"{changes} times"
    return (f"It changed its mind {times}; **{final}** has led since row {settled} of {len(answers)}, "
            f"ending {confidence:.0%} sure.")


def examples(drawing: np.ndarray | None, samples: Mapping[str, np.ndarray] | None,
             mistakes: Mapping[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Digits to choose from, by label: the drawing, the run's mistakes, then test samples."""
    choices: dict[str, np.ndarray] = {}
    if drawing is not None:
        choices[DRAWING] = drawing
    if mistakes is not None:
        for number, (image, said, true) in enumerate(
                zip(mistakes["images"], mistakes["predicted"], mistakes["labels"], strict=True), start=1):
            choices[f"Mistake {number}: a {true} it read as {said}"] = image
    if samples is not None:
        seen: dict[int, int] = {}
        for image, label in zip(samples["images"], samples["labels"], strict=True):
            seen[int(label)] = seen.get(int(label), 0) + 1
            choices[f"Test digit {label} (example {seen[int(label)]})"] = image
    return choices


def show(weights: numpy_rnn.Weights, choices: Mapping[str, np.ndarray], key: str,
         drawing_changed: bool = False) -> np.ndarray | None:
    """Pick a digit and watch the answer form row by row; returns the steps [28, 10] shown."""
    if not choices:
        st.info("Draw a digit above to watch the network read it.")
        return None
    select_key = f"{key}-choice"
    labels = list(choices)
    if drawing_changed and DRAWING in choices:
        st.session_state[select_key] = DRAWING  # a fresh drawing is what people want to see read
    if st.session_state.get(select_key) not in labels:
        st.session_state[select_key] = labels[0]
    label = st.selectbox("Digit to read", labels, key=select_key,
                         help="Your drawing, one of the network's mistakes, or a test digit.")
    steps = reading_steps(weights, choices[label])  # [28, 10]
    st.markdown(story(steps))
    st.plotly_chart(digits_charts.reading_figure(choices[label], steps), key=f"{key}-reading")
    st.caption("Drag the slider or press Play: the dim rows are the ones it has not read yet; the bars "
               "are its answer if it had to stop after the rows read so far.")
    st.plotly_chart(digits_charts.mind_changes(steps), key=f"{key}-mind")
    return steps
