"""Which Learn-page run to show: the one this session started, else the owner's latest of a task.

The live panel itself is ``run_panel.show`` (with ``loss_chart=False`` and the task's live view).
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components import current_run as current
from app.components.messages import show_error
from models.config import LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError


def is_task(record: RunRecord, task: str | None = None) -> bool:
    """A Learn run (of ``task``, "roommate" or "memory", when given)."""
    return isinstance(record.config, LearnConfig) and task in (None, record.config.task)


def current_run(owner: str, session_key: str, task: str) -> RunRecord | None:
    """The run kept under ``session_key`` if still visible, else the owner's latest ``task`` run
    (a link is resolved once for the whole page, see ``app_pages/learn.py``)."""
    return current.current_run(owner, session_key, lambda record: is_task(record, task), use_link=False)


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
