"""Live panel of one background run: state, progress bar, time left, loss curves, Cancel.

It polls the run store from a fragment (``run_every``) only while the run is queued or running,
then reruns the whole page once so the page can show the result. It never waits on Dask.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import charts, runtime
from app.components.messages import show_error, show_warning
from models.engine.store import RunRecord
from models.errors import LabError
from models.results import EpochReport
from models.vocabulary import RunState, state_word

LiveView = Callable[[RunRecord, list[EpochReport]], None]

POLL_SECONDS = 1.0



def format_seconds(seconds: float | None) -> str:
    """'1 min 05 s', '12 s' or '…' when unknown."""
    if seconds is None:
        return "…"
    seconds = max(0, round(seconds))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def progress_line(record: RunRecord) -> tuple[float, str]:
    """Fraction done (0..1) and one line describing the run's progress."""
    if record.state == RunState.QUEUED:
        position = record.queue_position
        ahead = f" ({position - 1} ahead of it)" if position and position > 1 else ""
        return 0.0, f"{position or 1} in line{ahead}."
    if record.progress is None:
        if record.state == RunState.RUNNING:
            return 0.0, "Starting: preparing the data and the network…"
        return 0.0, state_word(record.state)
    report = record.progress
    fraction = min(1.0, report.epoch / max(1, report.epochs))
    line = f"Epoch {report.epoch} of {report.epochs} · elapsed {format_seconds(report.elapsed)}"
    if record.active:
        line += " · estimating the time left…" if report.eta is None else (
            f" · about {format_seconds(report.eta)} left")
    return fraction, line


def show(run_id: str, owner: str, key: str, live_view: LiveView | None = None, *,
         loss_chart: bool = True) -> RunRecord | None:
    """Render the live panel for ``run_id``; returns the latest record (None if not visible).

    ``live_view(record, history)`` draws extra content on every tick until the run has succeeded;
    ``loss_chart`` adds the training and test loss curves.
    """
    try:
        record = runtime.store().get_run(run_id, owner)
    except LabError as error:
        show_error(error)
        return None

    @st.fragment(run_every=POLL_SECONDS if record.active else None)
    def live() -> None:
        try:
            current = runtime.store().get_run(run_id, owner)
        except LabError as error:
            show_error(error)
            return
        fraction, line = progress_line(current)
        st.progress(fraction, text=f"**{state_word(current.state)}** — {line}")
        unreachable = runtime.engine().unreachable if current.active else None
        if unreachable:  # said while it lasts: the panel redraws every second
            show_warning(unreachable, icon=":material/cloud_off:")
        history = runtime.store().history(run_id, owner)
        if history and loss_chart:
            st.plotly_chart(charts.loss_curves(history), key=f"{key}-loss")
        if current.active and current.mine:
            if st.button("Cancel", key=f"{key}-cancel", icon=":material/stop_circle:",
                         disabled=current.cancel_requested,
                         help="Stop this run. A waiting run is dropped; a training run stops within "
                              "about a second."):
                try:
                    runtime.engine().cancel(run_id, owner)
                except LabError as error:
                    show_error(error)
                else:
                    st.rerun(scope="fragment")
            if current.cancel_requested:
                st.caption("Stopping…")
        if not current.active and record.active:
            # The run just ended: rerun the whole page once so it shows the result.
            st.rerun()
        if live_view is not None and current.state != RunState.SUCCEEDED:
            live_view(current, history)
        if current.state in (RunState.FAILED, RunState.INTERRUPTED) and current.error:
            show_error(current.error)
        elif current.state == RunState.CANCELLED:
            st.info("This run was cancelled before it finished.")

    live()
    return record
