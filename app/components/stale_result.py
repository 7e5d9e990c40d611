"""Whether the result a page shows still matches the data and settings on the page.

The inputs of a run are remembered per run (in the session) when the page queues it, else the first
time the page shows it: its settings as the page shows them then, and its data as stored with the run
(so a reload, a new tab or a link that opens on other data says so at once). Once the person changes
the data or a setting, the result belongs to earlier inputs and the page says which and how they
differ.
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


def changes(run_id: str, choice: DataChoice | None, config: ForecastConfig | None,
            data_fingerprint: str | None = None, data_name: str | None = None) -> list[str]:
    """What changed on the page since run ``run_id`` was queued or first shown here ([] = nothing);
    ``data_fingerprint`` and ``data_name``: the SHA-256 and name of the data the run trained on, as
    stored with it."""
    shown = st.session_state.setdefault(_SHOWN_WITH, {})
    now = _inputs(choice, config)
    if run_id not in shown:
        shown[run_id] = (data_fingerprint or now[0], now[1])
    (shown_digest, shown_settings), (digest, settings) = shown[run_id], now
    found = []
    if digest != shown_digest:
        now_data = f"the data is now {choice.name}" if choice is not None else "no data is chosen now"
        other_name = data_name and (choice is None or data_name != choice.name)
        found.append(now_data + (f" (the run used {data_name})" if other_name else ""))
    for name, value in settings.items():
        if name in shown_settings and shown_settings[name] != value:
            label = FORECAST_KNOBS[name].label if name in FORECAST_KNOBS else name.replace("_", " ")
            found.append(f"{label.lower()} is now {value} (the run used {shown_settings[name]})")
    return found


def _inputs(choice: DataChoice | None, config: ForecastConfig | None) -> tuple[str | None, dict[str, Any]]:
    digest = hashlib.sha256(choice.data).hexdigest() if choice is not None else None
    return digest, config.to_dict() if config is not None else {}
