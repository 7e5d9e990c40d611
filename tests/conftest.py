"""Shared fixtures.

- ``lab_data_dir``: a fresh, empty data folder, also exported as ``LSTMLAB_DATA_DIR`` for code that
  reads the settings (the CLI, ``load_settings()``).
- ``lab_engine``: ONE JobEngine for the whole session (embedded LocalCluster, one warm worker, its
  own data folder). Starting a worker with TensorFlow costs ~13 s, so modules share it. Use a
  unique owner per test (``lab_owner``) and wait for your runs to end: one worker means runs queue.
- ``lab_owner``: a unique owner name, so per-owner limits and listings do not mix between tests.
- ``airline_csv``: bytes of the bundled airline-passengers sample (what an upload would send).
- ``background_calls``: replaces the CLI's ``--background`` submission with a recorder; the list of
  ``(config, data_bytes, data_name)`` it was called with (each call returns run id ``run-123``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def lab_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "lab-data"
    monkeypatch.setenv("LSTMLAB_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def background_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    import models.engine.background

    calls: list[tuple] = []

    def fake_submit(config, data_bytes, data_name):
        calls.append((config, data_bytes, data_name))
        return "run-123"

    monkeypatch.setattr(models.engine.background, "submit_from_cli", fake_submit)
    return calls


@pytest.fixture
def lab_owner() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def airline_csv() -> bytes:
    return (ROOT / "data" / "airline-passengers.csv").read_bytes()


@pytest.fixture(scope="session")
def lab_engine(tmp_path_factory: pytest.TempPathFactory):
    from models.engine.engine import JobEngine
    from models.settings import Settings

    engine = JobEngine(Settings(data_dir=tmp_path_factory.mktemp("lab-engine"), workers=1))
    engine.wait_ready(timeout=120)
    yield engine
    engine.close()
