"""Which run a page shows, decided one way on every page: a ``?run=`` link first, then the run this
session is looking at, then the owner's newest run of the page's kind.

The choice is kept in the URL and in a non-widget session key, so a reload, a new tab and a page
switch all come back to the same run.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import runtime
from app.components.messages import show_warning
from models.engine.store import RunRecord
from models.errors import LabError

RUN_PARAM = "run"  # ?run=<id> opens that run
BROKEN_LINK = "No run with that id: it does not exist any more, or its owner has not shared it."

Matches = Callable[[RunRecord], bool]


def remember(session_key: str, run_id: str) -> None:
    """Make ``run_id`` the page's current run (session and URL, so a reload finds it)."""
    st.session_state[session_key] = run_id
    st.query_params[RUN_PARAM] = run_id


def linked_run(owner: str, matches: Matches) -> RunRecord | None:
    """The run of the ``?run=`` link if it is of this page's kind; a link that does not work is said
    once and dropped. A link of another kind is ignored quietly (it can linger after a page switch)."""
    requested = st.query_params.get(RUN_PARAM)
    if not requested:
        return None
    try:
        record = runtime.store().get_run(requested, owner)
    except LabError:
        show_warning(BROKEN_LINK, icon=":material/link_off:")
        del st.query_params[RUN_PARAM]
        return None
    return record if matches(record) else None


def current_run(owner: str, session_key: str, matches: Matches, *, use_link: bool = True) -> RunRecord | None:
    """The run this page shows (see the module docstring); None when the owner has none yet."""
    linked = linked_run(owner, matches) if use_link else None
    if linked is not None:
        st.session_state[session_key] = linked.id
        return linked
    run_id = st.session_state.get(session_key)
    if run_id:
        try:
            record = runtime.store().get_run(run_id, owner)
            if matches(record):
                return record
        except LabError:
            pass  # deleted meanwhile: fall back to the newest
        st.session_state.pop(session_key, None)
    for record in runtime.store().list_runs(owner, limit=100):  # newest first
        if record.mine and matches(record):
            st.session_state[session_key] = record.id
            return record
    return None
