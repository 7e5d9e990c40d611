"""Sweep: vary one or two forecast settings on a bundled sample; a leaderboard ranks the results
against the seasonal-naive baseline as they finish.

The grid is saved next to the run store (models.engine.sweep.SweepBook) and submitted progressively: the
job engine lets one owner have only a few runs waiting or running, so each tick submits what fits
(``models.engine.sweep.advance``) and the rest follows as runs finish — while this page is open.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app import runs_charts, runtime
from app.components.knob_widgets import knob_input
from app.components.messages import show_error
from app.components.run_panel import POLL_SECONDS
from models.config import FORECAST_PRESETS
from models.data import bundled_samples
from models.engine import leaderboard
from models.engine import sweep as sweeps
from models.engine.store import ACTIVE_STATES, RunRecord
from models.errors import LabError, RunNotFound
from models.knobs import FORECAST_KNOBS

BASE = FORECAST_PRESETS["quick"]  # each configuration is a quick forecast run; the sweep varies the rest
NONE = "(none)"
DEFAULTS = (("look_back", "1, 3, 12"), ("units", "4, 16, 64"))


def book() -> sweeps.SweepBook:
    return sweeps.SweepBook(runtime.store().data_dir)


def show(owner: str) -> None:
    """Settings of a new sweep, then the current sweep's progress and leaderboard."""
    _new_sweep(owner)
    mine = book().for_owner(owner)
    if not mine:
        return
    by_id = {item.id: item for item in mine}
    if st.session_state.get("sweep-shown") not in by_id:
        st.session_state["sweep-shown"] = mine[0].id
    chosen = st.selectbox("Sweep", list(by_id), key="sweep-shown",
                          format_func=lambda i: _sweep_label(by_id[i]))
    _progress(chosen, owner)


def _new_sweep(owner: str) -> None:
    samples = bundled_samples()
    with st.form("sweep-form"):
        sample = st.selectbox("Dataset", list(samples), key="sweep-sample",
                              format_func=lambda name: f"{name} — {samples[name].description}",
                              help="The bundled series every configuration of the sweep trains on.")
        axes_text = {}
        names = list(sweeps.SWEEP_SETTINGS)
        for index, (column, (default_name, default_values)) in enumerate(zip(st.columns(2), DEFAULTS,
                                                                             strict=True)):
            with column:
                options = names if index == 0 else [NONE, *names]
                name = st.selectbox(f"Setting {index + 1}", options, index=options.index(default_name),
                                    key=f"sweep-setting-{index}",
                                    format_func=lambda n: n if n == NONE else sweeps.SWEEP_SETTINGS[n].label,
                                    help="A setting to vary: the sweep trains one run for every combination "
                                         "of its values (and of the other setting's).")
                values = st.text_input("Values", default_values, key=f"sweep-values-{index}",
                                       help="A few values separated by commas.")
                if name != NONE:
                    axes_text[name] = values
        epochs = knob_input(st.number_input, FORECAST_KNOBS["epochs"], BASE.epochs, "sweep-epochs",
                            label="Epochs of every run (unless varied)")
        started = st.form_submit_button("Start sweep", type="primary", icon=":material/grid_view:")
    st.caption(f"Every configuration is a normal forecast run with the quick settings ({BASE.units} units, "
               f"look-back {BASE.look_back}, {BASE.transform}) except what you vary; at most "
               f"{sweeps.MAX_GRID} configurations.")
    if not started:
        return
    try:
        if len(axes_text) == 2 and len(set(axes_text)) < 2:
            raise LabError("Choose two different settings, or (none) for the second.")
        axes: dict[str, Sequence[Any]] = {name: sweeps.parse_values(name, text)
                                          for name, text in axes_text.items()}
        data = samples[sample].path.read_bytes()
        base = BASE.replace(epochs=int(epochs))
        created = book().create(owner, samples[sample].path.name, data, base, axes)
    except LabError as error:
        show_error(error)
        return
    st.session_state["sweep-shown"] = created.id


def _progress(sweep_id: str, owner: str) -> None:
    def submit(config: dict[str, Any], data: bytes) -> str:
        return runtime.engine().submit(config, data, current.data_name, owner)

    try:
        current = book().get(sweep_id, owner)
    except RunNotFound as error:
        show_error(error)
        return
    busy = bool(current.pending) or _any_active(current, owner)

    @st.fragment(run_every=POLL_SECONDS if busy else None)
    def live() -> None:
        nonlocal current
        try:
            sweeps.advance(book(), sweep_id, owner, submit)
            current = book().get(sweep_id, owner)
        except LabError as error:
            show_error(error)
            return
        records = _records(current, owner)
        rows = leaderboard.leaderboard(current, records)
        done = sum(row.rank is not None for row in rows)
        active = sum(row.state in ACTIVE_STATES for row in rows)
        st.progress(done / len(rows), text=f"{done} of {len(rows)} finished · {active} queued or running · "
                                           f"{len(current.pending)} waiting for a free slot")
        _leaderboard(rows)
        if busy and not current.pending and not active:
            st.rerun()  # everything ended: one full rerun stops the polling

    live()


def _leaderboard(rows: list[leaderboard.LeaderRow]) -> None:
    table = pd.DataFrame([{
        "rank": row.rank,
        "settings": _settings_text(row.settings),
        "state": row.state,
        "test RMSE": row.test_rmse,
        "baseline RMSE": row.reference_rmse,
        "vs baseline": row.ratio,
        "beats it": None if row.beats_reference is None else ("yes" if row.beats_reference else "no"),
        "run": (row.run_id or "")[:8],
        "note": row.error or "",
    } for row in rows])
    st.dataframe(table, hide_index=True, key="sweep-leaderboard", column_config={
        "test RMSE": st.column_config.NumberColumn(format="%.3f"),
        "baseline RMSE": st.column_config.NumberColumn(format="%.3f"),
        "vs baseline": st.column_config.NumberColumn(
            format="%.2f", help="The network's test RMSE divided by the baseline's: below 1 beats it."),
    })
    ranked = [row for row in rows if row.ratio is not None and math.isfinite(row.ratio)]
    if ranked:
        reference = (ranked[0].reference or "baseline").replace("_", " ")
        st.caption(f"Ranked by test RMSE relative to {reference} (RMSE {ranked[0].reference_rmse:.3f} on the "
                   "same test points): the best configuration first.")
        st.plotly_chart(runs_charts.leaderboard_bars([_settings_text(row.settings) for row in ranked],
                                                     [row.ratio for row in ranked if row.ratio is not None],
                                                     reference),
                        key="sweep-bars")


def _records(current: sweeps.Sweep, owner: str) -> dict[str, RunRecord]:
    records = {}
    for run_id in current.run_ids:
        try:
            records[run_id] = runtime.store().get_run(run_id, owner)
        except RunNotFound:
            continue
    return records


def _any_active(current: sweeps.Sweep, owner: str) -> bool:
    return any(record.active for record in _records(current, owner).values())


def _settings_text(settings: dict[str, Any]) -> str:
    return " · ".join(f"{sweeps.SWEEP_SETTINGS[name].label.lower()} {value}"
                      for name, value in settings.items())


def _sweep_label(item: sweeps.Sweep) -> str:
    axes = " × ".join(f"{sweeps.SWEEP_SETTINGS[name].label.lower()} {', '.join(map(str, values))}"
                      for name, values in item.axes.items())
    return f"{item.data_name}: {axes} ({len(item.items)} runs)"
