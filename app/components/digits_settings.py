"""Settings of a digits run with plain-language help, starting from a preset.

The chosen values live in a plain (non-widget) session dict, so they survive a switch to another
page and back; the widgets are re-seeded from it whenever Streamlit has dropped their state.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import streamlit as st

from app.components.knob_widgets import widget_options
from app.components.messages import show_error
from models.config import DIGITS_PRESETS, DigitsConfig
from models.errors import ConfigError
from models.knobs import DIGITS_KNOBS
from models.vocabulary import cell_name

PRESETS = {"quick": "Quick demo (about 10 s)", "seed": "Seed article"}
FIELDS = ("units", "epochs", "cell", "layers", "batch_size", "optimizer", "learning_rate", "limit", "source")
OPTIMIZER_NAMES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD (plain gradient descent)"}
LIMITS = (500, 1000, 2000, 4000, 10000, 30000, None)
SOURCE_NAMES = {
    "auto": "Full MNIST if it can be had, else the bundled digits",
    "bundled": "Bundled 5,000 digits (offline)",
    "keras": "Full MNIST (70,000 digits, downloaded once)",
}


class _Where(Protocol):
    """Where a setting's widget is drawn: a column, or the page itself (the ``st`` module)."""

    @property
    def number_input(self) -> Callable[..., Any]: ...

    @property
    def selectbox(self) -> Callable[..., Any]: ...


def _values(config: DigitsConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in FIELDS}


def limit_name(limit: int | None) -> str:
    """'4,000' or 'All available'."""
    return "All available" if limit is None else f"{limit:,}"


def keras_mnist_cached() -> bool:
    """Whether Keras already holds full MNIST on this machine (then "auto" needs no download)."""
    homes = [os.environ.get("KERAS_HOME"), str(Path.home() / ".keras"), "/tmp/.keras"]
    return any(home and (Path(home) / "datasets" / "mnist.npz").is_file() for home in homes)


def source_line(source: str) -> str:
    """Which digits training will use, in one plain sentence."""
    if source == "bundled":
        return "Training will use the 5,000 bundled digits: 4,000 to learn from, 1,000 to test on."
    if keras_mnist_cached():
        return ("Training will use full MNIST (60,000 digits to learn from, 10,000 to test on), "
                "already downloaded on this server.")
    if source == "keras":
        return ("Training will download full MNIST once (about 11 MB); without internet access the "
                "run fails with a message.")
    return ("Training will try to download full MNIST once (a few seconds at most) and otherwise use "
            "the 5,000 bundled digits.")


def _number(where: _Where, name: str, key: str, **extra: Any) -> None:
    """A number input for one setting, with its label, range, step and help from models.knobs."""
    where.number_input(**widget_options(DIGITS_KNOBS[name], **extra), key=f"{key}-{name}")


def _choice(where: _Where, name: str, key: str, options: Sequence[Any] | None = None, **extra: Any) -> None:
    """A select box for one setting (its choices from models.knobs unless ``options`` are given)."""
    if options is not None:
        extra["options"] = options
    where.selectbox(**widget_options(DIGITS_KNOBS[name], **extra), key=f"{key}-{name}")


def _apply_preset(key: str) -> None:
    preset = DIGITS_PRESETS[st.session_state[f"{key}-preset"]]
    st.session_state[f"{key}-values"] = _values(preset)
    for name, value in _values(preset).items():
        st.session_state[f"{key}-{name}"] = value


def show(key: str = "digits") -> DigitsConfig | None:
    """Render the settings; returns the configuration (None, with the reason shown, if invalid)."""
    values = st.session_state.setdefault(f"{key}-values", _values(DIGITS_PRESETS["quick"]))
    st.session_state.setdefault(f"{key}-preset", "quick")
    for name in FIELDS:  # re-seed widgets whose state Streamlit dropped (e.g. after a page switch)
        st.session_state.setdefault(f"{key}-{name}", values[name])
    st.radio("Start from", list(PRESETS), format_func=PRESETS.get, key=f"{key}-preset", horizontal=True,
             on_change=_apply_preset, args=(key,),
             help="The seed article's program (30 LSTM units, 10 epochs on every digit) or a faster "
                  "demo that reaches a better accuracy on fewer digits. Change anything below after.")
    units, epochs = st.columns(2)
    _number(units, "units", key)
    _number(epochs, "epochs", key)
    with st.expander("More settings"):
        left, right = st.columns(2)
        _choice(left, "cell", key, format_func=cell_name)
        _number(right, "layers", key)
        _number(left, "batch_size", key)
        _choice(right, "optimizer", key, format_func=OPTIMIZER_NAMES.get)
        _number(left, "learning_rate", key, format="%.4f")
        _choice(right, "limit", key, options=LIMITS, format_func=limit_name)
        _choice(st, "source", key, options=list(SOURCE_NAMES), format_func=SOURCE_NAMES.get)
    chosen = {name: st.session_state[f"{key}-{name}"] for name in FIELDS}
    st.session_state[f"{key}-values"] = chosen
    st.caption(source_line(chosen["source"]))
    try:
        config = DigitsConfig(**chosen)
    except ConfigError as error:
        show_error(error)
        return None
    for name, preset in DIGITS_PRESETS.items():
        if dataclasses.replace(config, preset=name) == preset:
            return preset
    return config
