"""Actions on runs: one run's link to its result page, Share, export as a zip, cancel, delete; and
deleting several finished runs at once."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from app import runtime
from app.components.messages import show_error
from app.components.runs_table import run_label
from models.engine.export import export_file_name, export_run
from models.engine.store import RunRecord
from models.errors import LabError
from models.vocabulary import RunKind

RESULT_PAGES: dict[str, str] = {
    RunKind.FORECAST: "forecast", RunKind.DIGITS: "digits", RunKind.LEARN: "learn"}


def result_path(record: RunRecord) -> str:
    """The app path that reopens the run's result page: ``/forecast?run=<id>`` ..."""
    return f"/{RESULT_PAGES.get(record.kind, 'runs')}?run={record.id}"


def app_base_url() -> str:
    """``scheme://host[:port][/base]`` of this app as the browser sees it ('' when unknown)."""
    url = getattr(st.context, "url", None) or ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    base = parts.path.rsplit("/", 1)[0]  # drop the current page's own path segment
    return f"{parts.scheme}://{parts.netloc}{base}"


def show(records: list[RunRecord], owner: str) -> None:
    """Pick a run, then act on it."""
    if not records:
        return
    by_id = {record.id: record for record in records}
    chosen = st.selectbox("Run", list(by_id), key="actions-run", format_func=lambda i: run_label(by_id[i]))
    record = by_id[chosen]
    link = app_base_url() + result_path(record)
    # No owner token in either link: this browser's cookie says who you are, so a sent link can only
    # ever show the run (once shared), never cancel or delete it.
    st.markdown(f"**Its result page** — [open in a new tab]({link})")
    st.caption("The link to send (it opens the run for others once you share it):")
    st.code(link, language=None)
    if record.mine:
        shared = st.toggle("Share", value=record.shared, key=f"share-{record.id}",
                           help="Anyone with the link can then open this run (and only this run). "
                                "Your other runs stay private.")
        if shared != record.shared:
            try:
                record = runtime.store().set_shared(record.id, owner, shared)
            except LabError as error:
                show_error(error)
        if not record.shared:
            st.caption("Not shared: the link works only in your browser. Turn on Share to send it to others.")
    else:
        st.caption("Shared with you by its owner.")

    store = runtime.store()
    run_id = record.id
    st.download_button("Export as zip", data=lambda: export_run(store, run_id, owner),
                       file_name=export_file_name(record), mime="application/zip", key=f"export-{record.id}",
                       icon=":material/download:", on_click="ignore",
                       help="Settings, scores, history, predictions, the model, the data and (forecasts) a "
                            "script that reproduces the run with plain Keras.")
    if not record.mine:
        return
    if record.active:
        if st.button("Cancel this run", key=f"cancel-{record.id}", icon=":material/stop_circle:"):
            runtime.engine().cancel(record.id, owner)
            st.rerun()
        st.caption("A run must end before it can be deleted.")
        return
    sure = st.checkbox("Yes, delete this run and all its files", key=f"delete-sure-{record.id}")
    if st.button("Delete", key=f"delete-{record.id}", disabled=not sure, type="primary",
                 icon=":material/delete:"):
        try:
            store.delete_run(record.id, owner)
        except LabError as error:
            show_error(error)
            return
        st.session_state.pop("actions-run", None)
        st.toast("Run deleted.")
        st.rerun()


def bulk_delete(records: list[RunRecord], owner: str) -> None:
    """Delete several of the owner's finished runs at once, after a confirmation."""
    finished = {record.id: record for record in records if record.mine and not record.active}
    if len(finished) < 2:
        return
    with st.expander(f"Delete several runs ({len(finished)} finished runs of yours)"):
        chosen = st.multiselect("Runs to delete", list(finished), key="bulk-delete-runs",
                                format_func=lambda run_id: run_label(finished[run_id]),
                                help="Only your own finished runs; runs still waiting or training must "
                                     "be cancelled first.")
        sure = st.checkbox(f"Yes, delete these {len(chosen)} runs and all their files",
                           key="bulk-delete-sure", disabled=not chosen)
        if not st.button("Delete the chosen runs", key="bulk-delete", type="primary",
                         disabled=not (chosen and sure), icon=":material/delete:"):
            return
        store = runtime.store()
        try:
            for run_id in chosen:
                store.delete_run(run_id, owner)
        except LabError as error:
            show_error(error)
            return
        for key in ("bulk-delete-runs", "bulk-delete-sure", "actions-run"):
            st.session_state.pop(key, None)
        st.toast(f"{len(chosen)} runs deleted.")
        st.rerun()
