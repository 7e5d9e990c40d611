"""Learn page: the seed article made interactive.

1. The roommate's dinners — a tiny recurrent network learns the article's rule from examples.
2. Long memory — a plain RNN, a GRU and an LSTM side by side as the distance grows.
3. Inside the cell — gates and the conveyor belt of a trained network, step by step.

Training runs in the background on the job engine (run kind "learn"); trained networks are queried
with the NumPy forward pass (models.networks.numpy_rnn), never with Keras in this process.
``/learn?run=<id>`` opens a shared Learn run in its section.
"""

from __future__ import annotations

import streamlit as st

from app import runtime
from app.components import learn_cell, learn_memory, learn_roommate
from app.identity import current_owner
from models.config import LearnConfig
from models.engine.store import RunRecord
from models.errors import LabError


def shared_learn_run(owner: str) -> RunRecord | None:
    """The Learn run named in the URL (``?run=<id>``), if this user may see it."""
    run_id = st.query_params.get("run")
    if not run_id:
        return None
    try:
        record = runtime.store().get_run(run_id, owner)
    except LabError:
        st.warning("The run in this link does not exist any more, or its owner has not shared it.")
        return None
    # Another page's run id can linger in the URL after switching pages: ignore it quietly.
    return record if record.kind == "learn" else None


owner = current_owner()
st.title("Learn")
st.caption("How recurrent networks remember — the seed article's examples, trained live. Each network "
           "trains in the background; you can leave the page and come back.")
opened = shared_learn_run(owner)
opened_task = opened.config.task if opened and isinstance(opened.config, LearnConfig) else None

roommate_tab, memory_tab, cell_tab = st.tabs(["1 · The roommate's dinners", "2 · Long memory",
                                              "3 · Inside the cell"])
with roommate_tab:
    learn_roommate.show(owner, shared_run=opened if opened_task == "roommate" else None)
with memory_tab:
    learn_memory.show(owner, shared_run=opened if opened_task == "memory" else None)
with cell_tab:
    learn_cell.show(owner)
