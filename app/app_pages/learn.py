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

from app.components import current_run, learn_cell, learn_live, learn_memory, learn_roommate
from app.identity import current_owner
from models.config import LearnConfig

owner = current_owner()
st.title("Learn")
st.caption("How recurrent networks remember — the seed article's examples, trained live. Each network "
           "trains in the background; you can leave the page and come back.")
opened = current_run.linked_run(owner, learn_live.is_task)
opened_task = opened.config.task if opened and isinstance(opened.config, LearnConfig) else None

roommate_tab, memory_tab, cell_tab = st.tabs(["1 · The roommate's dinners", "2 · Long memory",
                                              "3 · Inside the cell"])
with roommate_tab:
    learn_roommate.show(owner, shared_run=opened if opened_task == "roommate" else None)
with memory_tab:
    learn_memory.show(owner, shared_run=opened if opened_task == "memory" else None)
with cell_tab:
    learn_cell.show(owner)
