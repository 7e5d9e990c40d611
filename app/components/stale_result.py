"""Whether the result a page shows still matches the data and settings on the page.

The inputs of a run are remembered per run (in the session) when the page queues it, else the first
time the page shows it, so a reload or a link shows its result as it is; once the person changes the
data or a setting, the result belongs to earlier inputs and the page says which and how they differ.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from app.components.data_input import DataChoice
from models.config import ForecastConfig
from models.knobs import FORECAST_KNOBS

_SHOWN_WITH = "stale-result-inputs"  # run id -> (data digest, settings) the page first showed it with


def remember(run_id: str, choice: DataChoice | None, config: ForecastConfig | None) -> None:
    """The inputs run ``run_id`` was trained with on this page (call when it is queued)."""
    st.session_state.setdefault(_SHOWN_WITH, {})[run_id] = _inputs(choice, config)


def changes(run_id: str, choice: DataChoice | None, config: ForecastConfig | None) -> list[str]:
    """What changed on the page since run ``run_id`` was queued or first shown here ([] = nothing)."""
    shown = st.session_state.setdefault(_SHOWN_WITH, {})
    now = _inputs(choice, config)
    if run_id not in shown:
        shown[run_id] = now
        return []
    (shown_digest, shown_settings), (digest, settings) = shown[run_id], now
    found = []
    if digest != shown_digest:
        found.append(f"the data is now {choice.name}" if choice is not None else "no data is chosen now")
    for name, value in settings.items():
        if name in shown_settings and shown_settings[name] != value:
            label = FORECAST_KNOBS[name].label if name in FORECAST_KNOBS else name.replace("_", " ")
            found.append(f"{label.lower()} is now {value} (the run used {shown_settings[name]})")
    return found


def _inputs(choice: DataChoice | None, config: ForecastConfig | None) -> tuple[str | None, dict[str, Any]]:
    digest = hashlib.sha256(choice.data).hexdigest() if choice is not None else None
    return digest, config.to_dict() if config is not None else {}
