"""AppTest fixtures: a fresh data folder per test and cleared Streamlit caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import runtime

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "app" / "streamlit_app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A not-yet-run AppTest of the whole app, with its own data folder."""
    monkeypatch.setenv("LSTMLAB_DATA_DIR", str(tmp_path / "lab-data"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(ENTRY, default_timeout=60)
    yield at
    runtime.shutdown()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def engine(tmp_path_factory, request):
    """One job engine for the test module (its own data folder, one worker), closed at the end.

    It is the same cached engine the page's script runs use (``runtime.engine()``).
    """
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
        patch.setenv("LSTMLAB_DATA_DIR", str(folder))
        patch.setenv("LSTMLAB_WORKERS", "1")
        st.cache_resource.clear()
        st.cache_data.clear()
        job_engine = runtime.engine()
        yield job_engine
        job_engine.close()
        st.cache_resource.clear()
        st.cache_data.clear()


@pytest.fixture
def lab_app(lab_engine, monkeypatch):
    """Open a page with the session's shared job engine (``lab_engine`` in tests/conftest.py).

    ``runtime.engine()`` and ``runtime.store()`` are patched to return it and its store, so no second
    Dask cluster starts and Streamlit's caches are left alone. Returns
    ``open_page(page, owner, **query_params) -> AppTest``, already run once, directly on that page
    (as a link such as ``/learn?run=<id>`` opens it: the default page never sees the parameters).
    """
    monkeypatch.setattr(runtime, "engine", lambda: lab_engine)
    monkeypatch.setattr(runtime, "store", lambda: lab_engine.store)

    def open_page(page: str, owner: str, **query_params: str) -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=60)
        at.session_state["owner_token"] = owner
        for name, value in query_params.items():
            at.query_params[name] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        return at

    return open_page
