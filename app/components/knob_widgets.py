"""A setting's widget options from its declaration in ``models.knobs``: label, range, step, help."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.knobs import Knob


def widget_options(knob: Knob, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for a Streamlit input of ``knob`` (``extra`` adds or overrides)."""
    options: dict[str, Any] = {"label": knob.label, "help": knob.help}
    if "options" in extra:  # a choice among given values: no range
        pass
    elif knob.kind is str:
        options["options"] = list(knob.choices)
    elif knob.suggestions:  # a select slider over the suggested values
        options["options"] = list(knob.suggestions)
    else:
        low, high = knob.widget_range
        options.update(min_value=knob.kind(low), max_value=knob.kind(high), step=knob.kind(knob.step))
    return {**options, **extra}


def knob_input(widget: Callable[..., Any], knob: Knob, value: Any, key: str, **extra: Any) -> Any:
    """Draw ``widget`` (``st.slider``, ``column.number_input`` ...) for ``knob``; its value."""
    return widget(**widget_options(knob, **extra), value=value, key=key)
