"""Runs page: every run of this browser session (and runs shared with it), compared, swept, exported.

- All runs: a filterable, sortable table; then one run's link (``/forecast?run=<id>`` ...), Share,
  export as a zip, cancel or delete; and several finished runs deleted at once.
- Compare: two or more runs' scores, predictions, loss curves and differing settings.
- Sweep: a grid of forecast settings as parallel runs, ranked against seasonal naive.

Everything is read from the run store; training happens in the job engine's workers.
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components import runs_actions, runs_compare, runs_sweep, runs_table
from app.components.messages import show_error
from app.identity import current_owner
from models.errors import LabError

owner = current_owner()
st.title("Runs")
st.caption("Your runs (and runs others shared with you): compare them, sweep settings, export or share "
           "a result.")
try:
    records = runtime.store().list_runs(owner)
except LabError as error:
    show_error(error)
    st.stop()

all_tab, compare_tab, sweep_tab = st.tabs(["All runs", "Compare", "Sweep"])
with all_tab:
    if not records:
        st.info("No runs yet. Train a forecast, a digit reader or a Learn network and it appears here.")
    else:
        shown = runs_table.show(records)
        st.markdown("#### One run")
        runs_actions.show(shown, owner)
        runs_actions.bulk_delete(records, owner)
with compare_tab:
    runs_compare.show(records, owner)
with sweep_tab:
    runs_sweep.show(owner)
