"""Eight people start a forecast at the same moment on a real two-worker server, each in their own browser.

The sessions (tests/load/sessions_driver.py) run at once against ``streamlit run``: one Chromium, eight
browser contexts, so eight owners that only cookies tell apart. What must hold: every run finishes or
is refused with one line; nothing is lost (one final run per person who clicked Train, with the
settings they chose, in a sound store); nobody sees another's runs; no page shows Python's words for
a crash; the server's memory stays bounded. Speed is measured, printed and written to
test-artifacts/load-figures.json, never asserted (bench/concurrent_sessions.py states the aims).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.config import ForecastConfig
from models.engine.store import FINAL_STATES
from tests.e2e.e2e_widgets import CHROMIUM
from tests.load.sessions_driver import run_sessions

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SESSIONS = 8
WORKERS = 2
TINY = {"epochs": 30, "units": 8}  # a few seconds per run on a warm worker
# 98 yearly points: no season, so the statistical baselines fit in a fraction of the airline's time.
CSV = ROOT / "tests" / "data" / "real" / "r-lakehuron.csv"
# Seconds between a session's own reruns: slower than the bench's pace, so the two cores (shared with
# the workers and eight browser pages) get the runs done within about two minutes.
PAUSE = 4.0
RSS_GROWTH_LIMIT_MB = 500  # the server's growth while serving the eight sessions (postScriptGC is off)

pytestmark = pytest.mark.slow


def test_eight_people_train_at_once_on_a_two_worker_server(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    data_dir = tmp_path / "lab-data"
    data_dir.mkdir()
    outcome = run_sessions(data_dir, sessions=SESSIONS, workers=WORKERS, csv=CSV, pause=PAUSE, **TINY)

    figures = outcome.figures()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("load figures:", json.dumps({key: value for key, value in figures.items() if key != "per_session"}))

    sessions = outcome.sessions
    # Every run finished with its result shown, or Train was refused with one line.
    for session in sessions:
        if session.refused is not None:
            assert session.refused and "\n" not in session.refused, (session.file_name, session.refused)
        else:
            assert session.outcome == "succeeded", (session.file_name, session.outcome)
    trained = [session for session in sessions if session.refused is None]
    assert trained, "every session was refused"

    # Nothing lost: exactly one final run per session that trained, with its settings, in a sound store.
    assert sorted(record.data_name for record in outcome.records) == sorted(s.file_name for s in trained)
    assert all(record.state in FINAL_STATES for record in outcome.records), outcome.records
    defaults = ForecastConfig()
    for session in trained:
        record = outcome.run_of(session)
        assert record.state == "succeeded", (session.file_name, record.state, record.error)
        assert record.epochs_done == TINY["epochs"], (session.file_name, record.epochs_done)
        config = record.config
        # What was set, and the defaults left alone (the page shows the test part in whole percent).
        assert (config.epochs, config.units) == (TINY["epochs"], TINY["units"]), (session.file_name, config)
        assert config.look_back == defaults.look_back, (session.file_name, config)
        assert abs(config.test_fraction - defaults.test_fraction) < 0.01, (session.file_name, config)
    owners = {record.owner for record in outcome.records}
    assert len(owners) == len(outcome.records), "two browser contexts were one owner"
    assert outcome.integrity == "ok", outcome.integrity

    # Nobody sees another's runs: each Runs page (and Forecast page) names only its own file and run.
    for session in sessions:
        mine = outcome.run_of(session)
        if mine is not None:
            assert mine.id[:8] in session.runs_text, f"{session.file_name}: its own run is not listed"
        for other in outcome.records:
            if other is mine:
                continue
            for page, text in (("Runs", session.runs_text), ("Forecast", session.forecast_text)):
                seen = f"{session.file_name}'s {page} page shows"
                assert other.data_name not in text, f"{seen} {other.data_name}"
                assert other.id[:8] not in text, f"{seen} run {other.id[:8]}"

    # No exception box or traceback text on any page.
    assert not [problem for session in sessions for problem in session.problems], \
        [(session.file_name, session.problems) for session in sessions if session.problems]

    growth = figures["server_rss_peak_mb"] - figures["server_rss_start_mb"]
    assert growth < RSS_GROWTH_LIMIT_MB, f"the server grew by {growth} MB"
