"""Server-wide handles, created once per Streamlit server: the run store and the job engine.

Pages read through ``store()`` (cheap SQLite reads, no Dask) and call ``engine()`` only to submit or
cancel, so merely opening a page never starts worker processes. Neither imports TensorFlow:
training happens in the engine's Dask workers.
"""

from __future__ import annotations

import atexit

import streamlit as st

from models.engine.engine import JobEngine
from models.engine.store import RunStore, process_identity
from models.settings import load_settings

_engines: list[JobEngine] = []


@st.cache_resource(show_spinner=False)
def store() -> RunStore:
    """The server's run store; runs left active by a dead server are marked interrupted."""
    run_store = RunStore(load_settings().data_dir)
    run_store.recover_interrupted(keep_runner=process_identity())
    return run_store


@st.cache_resource(show_spinner=False)
def engine() -> JobEngine:
    """The server's job engine (starts the embedded Dask cluster in the background)."""
    job_engine = JobEngine(store=store())
    _engines.append(job_engine)
    return job_engine


def shutdown() -> None:
    """Stop every engine this process started; their unfinished runs become interrupted."""
    while _engines:
        _engines.pop().close()


atexit.register(shutdown)
