"""Draw a digit and see what the trained network reads, as soon as the stroke ends.

The canvas (streamlit-drawable-canvas 0.13, a Streamlit custom component) sends its pixels back
(``return_image_data=True``) at the end of every stroke. ``classify_drawing`` turns those pixels into
an MNIST-style 28x28 digit (models.digits.preprocess) and runs the NumPy forward pass
(models.networks.numpy_rnn) in this process: no Keras in the server (DESIGN.md section 6).
``show_prediction`` renders the answer
for any image data, so tests can drive the whole path without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app import digits_charts
from app.components.messages import show_warning
from models.digits.preprocess import EMPTY_MESSAGE, preprocess_digit
from models.errors import DataError
from models.networks import numpy_rnn

CANVAS_PIXELS = 280  # 10 screen pixels per MNIST pixel
STROKE_WIDTH = 18  # about 2 MNIST pixels once scaled down: MNIST strokes are 2-3 pixels wide


@dataclass(frozen=True)
class Reading:
    """What the network made of one drawing."""

    digit: np.ndarray  # float32 [28, 28] in [0, 1]: the drawing as the network sees it
    probabilities: np.ndarray  # float64 [10]

    @property
    def answer(self) -> int:
        return int(np.argmax(self.probabilities))


def classify_drawing(weights: numpy_rnn.Weights, image_data: np.ndarray | None) -> Reading:
    """Canvas pixels (RGBA [H, W, 4], or any picture) -> the network's reading.

    Raises DataError with one plain sentence for an empty canvas or a picture that is all ink.
    """
    if image_data is None:
        raise DataError(EMPTY_MESSAGE)
    digit = preprocess_digit(image_data)  # [28, 28] MNIST-style
    return Reading(digit=digit, probabilities=numpy_rnn.predict_proba(weights, digit)[0])


def canvas_key(key: str) -> str:
    """Session key of the canvas widget; it changes when the canvas is cleared."""
    return f"{key}-canvas-{st.session_state.get(f'{key}-clears', 0)}"


def _clear(key: str) -> None:
    # A new widget key mounts an empty canvas; the old drawing's state is dropped with its key.
    st.session_state[f"{key}-clears"] = st.session_state.get(f"{key}-clears", 0) + 1


def draw(key: str) -> np.ndarray | None:
    """The canvas and its Clear button; returns the RGBA pixels drawn so far (None before any stroke)."""
    # Imported here: the package registers its component on import, which only works inside a
    # running Streamlit app, and ``classify_drawing`` must stay importable anywhere (tests, scripts).
    from streamlit_drawable_canvas import st_canvas

    st.space("small")  # room for the canvas' own toolbar (undo, redo, reset), which floats above it
    result = st_canvas(
        stroke_width=STROKE_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
        height=CANVAS_PIXELS, width=CANVAS_PIXELS, drawing_mode="freedraw", update_streamlit=True,
        return_image_data=True, key=canvas_key(key),
    )
    st.button("Clear", key=f"{key}-clear", icon=":material/ink_eraser:", on_click=_clear, args=(key,),
              help="Wipe the canvas and draw again.")
    objects = (result.json_data or {}).get("objects") or []
    return result.image_data if objects else None


def show_prediction(weights: numpy_rnn.Weights, image_data: np.ndarray | None, key: str) -> Reading | None:
    """Render the network's answer for ``image_data`` (or a plain hint); returns the reading."""
    if image_data is None:
        st.info("Draw a digit on the black square: the answer appears when you lift the mouse.")
        return None
    try:
        reading = classify_drawing(weights, image_data)
    except DataError as error:
        show_warning(error)
        return None
    confidence = float(reading.probabilities[reading.answer])
    st.markdown(f"### It reads a **{reading.answer}** ({confidence:.0%} sure)")
    st.plotly_chart(digits_charts.probability_bars(reading.probabilities), key=f"{key}-probabilities")
    with st.expander("What the network sees (your drawing scaled to 28×28, as MNIST digits are)"):
        st.plotly_chart(digits_charts.digit_grid(reading.digit[None], ["28 × 28"], columns=1),
                        key=f"{key}-seen")
    return reading


def show(weights: numpy_rnn.Weights, key: str) -> Reading | None:
    """Canvas on the left, the answer on the right; returns the reading of a valid drawing."""
    st.caption("Draw one digit, large and in the middle, with the mouse or a finger.")
    left, right = st.columns([1, 2])
    with left:
        image_data = draw(key)
    with right:
        return show_prediction(weights, image_data, key)
