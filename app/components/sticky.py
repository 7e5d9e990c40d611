"""Widget values that survive a page switch.

Streamlit forgets a widget's value when the widget is not drawn (another page, a hidden branch).
Here each widget mirrors one field of a plain dict kept under a non-widget session key: the dict
seeds the widget when it is drawn again, and every run copies the widget's value back into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def remembered(store_key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """The dict kept under ``store_key`` (created from ``defaults``; missing fields filled in)."""
    store = st.session_state.get(store_key)
    if not isinstance(store, dict):
        store = {}
        st.session_state[store_key] = store
    for field, value in defaults.items():
        store.setdefault(field, value)
    return store


def sticky(store: dict[str, Any], field: str, key: str, widget: Callable[..., Any], *args: Any,
           **kwargs: Any) -> Any:
    """Draw ``widget(*args, key=key, **kwargs)`` seeded from ``store[field]``; store and return its value.

    Pass no ``value``/``index`` to the widget: its value comes from the store.
    """
    if key not in st.session_state:
        st.session_state[key] = store[field]
    store[field] = widget(*args, key=key, **kwargs)
    return store[field]


def forget_widgets(*keys: str) -> None:
    """Drop widget values so the next run seeds them from their store again (e.g. after a preset)."""
    for key in keys:
        st.session_state.pop(key, None)
