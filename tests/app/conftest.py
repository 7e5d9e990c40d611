"""AppTest fixtures: a fresh data folder per test and cleared Streamlit caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

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
    st.cache_resource.clear()
