"""Which Learn-page run to show: the one this session started, else the owner's latest of a task.

The live panel itself is ``run_panel.show`` (with ``loss_chart=False`` and the task's live view).
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components.messages import show_error
from models.config import LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError


def latest_run(owner: str, task: str) -> RunRecord | None:
    """The owner's newest Learn run of ``task`` ("roommate" or "memory"), or None."""
    for record in runtime.store().list_runs(owner):
        if record.mine and isinstance(record.config, LearnConfig) and record.config.task == task:
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


def start_run(config: LearnConfig, data_name: str, owner: str, session_key: str) -> bool:
    """Queue a Learn run and remember it under ``session_key``; False after showing a plain error.

    A new run replaces a run opened by link, so the ``run`` query parameter is dropped.
    """
    try:
        st.session_state[session_key] = runtime.engine().submit(config.to_dict(), None, data_name, owner)
    except LabError as error:
        show_error(error)
        return False
    if "run" in st.query_params:
        del st.query_params["run"]
    return True
