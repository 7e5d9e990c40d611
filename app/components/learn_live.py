"""Live panel of one Learn-page run: progress, Cancel, and an optional live view drawn by the caller.

Like ``run_panel`` it polls the run store from a fragment only while the run is queued or running,
then reruns the whole page once so the page shows the result.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import runtime
from app.components.run_panel import POLL_SECONDS, STATE_WORDS, progress_line
from models.errors import LabError
from models.results import EpochReport
from models.store import RunRecord

LiveView = Callable[[RunRecord, list[EpochReport]], None]


def latest_run(owner: str, task: str) -> RunRecord | None:
    """The owner's newest Learn run of ``task`` ("roommate" or "memory"), or None."""
    for record in runtime.store().list_runs(owner):
        if record.mine and record.kind == "learn" and record.config.get("task") == task:
            return record
    return None


def current_run(owner: str, session_key: str, task: str) -> RunRecord | None:
    """The run kept under ``session_key`` if still visible, else the owner's latest ``task`` run."""
    run_id = st.session_state.get(session_key)
    if run_id:
        try:
            return runtime.store().get_run(run_id, owner)
        except LabError:
            st.session_state.pop(session_key, None)
    return latest_run(owner, task)


def show(run_id: str, owner: str, key: str, live_view: LiveView | None = None) -> RunRecord | None:
    """Render the panel; ``live_view(record, history)`` draws extra content on every tick."""
    try:
        record = runtime.store().get_run(run_id, owner)
    except LabError as error:
        st.error(str(error))
        return None

    @st.fragment(run_every=POLL_SECONDS if record.active else None)
    def live() -> None:
        try:
            current = runtime.store().get_run(run_id, owner)
        except LabError as error:
            st.error(str(error))
            return
        if current.active:
            fraction, line = progress_line(current)
            st.progress(fraction, text=f"**{STATE_WORDS.get(current.state, current.state)}** — {line}")
            if st.button("Cancel", key=f"{key}-cancel", icon=":material/stop_circle:",
                         disabled=current.cancel_requested or not current.mine,
                         help="Stop this run. A waiting run is dropped; a training run stops within "
                              "about a second."):
                runtime.engine().cancel(run_id, owner)
                st.rerun(scope="fragment")
        elif record.active:
            st.rerun()  # it just ended: rerun the whole page once so it shows the result
        if live_view is not None and current.state != "succeeded":
            live_view(current, runtime.store().history(run_id, owner))
        if current.state in ("failed", "interrupted") and current.error:
            st.error(current.error)
        elif current.state == "cancelled":
            st.info("This run was cancelled before it finished.")

    live()
    return record
