"""Eight people start a forecast at once on a two-worker engine: every run finishes, the queue is shown.

Eight AppTest sessions (distinct owner tokens) open the Forecast page and each starts a tiny run
through the page. While the runs wait and train, every page is rerun again and again, as the live
panel does in a browser, and each rerun is timed. The test process is the app process here (AppTest
runs the page scripts in it); the engine's Dask workers are its child processes. A sampler thread
records the resident memory of both.

AppTest keeps one mock Streamlit runtime per process (``Runtime._instance``), so its sessions cannot
rerun from several threads at once: the eight sessions rerun in turn, while the two workers train on
the same two cores.

Figures (median and p95 rerun, wall time, peak memory) are printed and written to
test-artifacts/load-figures.json; only generous bounds are asserted.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest
from streamlit.testing.v1 import AppTest

from app import runtime
from models.engine.store import FINAL_STATES

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "app" / "streamlit_app.py")
ARTIFACTS = ROOT / "test-artifacts"
SESSIONS = 8
WORKERS = 2
TINY = {"epochs": 60, "units": 8}  # a few seconds per run on a warm worker
RSS_GROWTH_LIMIT = 500 * 2**20  # bytes the app process may grow by while serving the sessions
RERUN_TIMEOUT = 120.0  # seconds for one page rerun (a busy two-core machine)
RUNS_TIMEOUT = 600.0  # seconds for all runs to end (workers import TensorFlow first)
POLL_SECONDS = 0.3
QUEUED_LINE = re.compile(r"^\*\*Waiting for a free worker\*\* — (\d+) in line")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A JobEngine with two workers and its own data folder, started cold (as a server starts)."""
    from models.engine.engine import JobEngine
    from models.settings import Settings

    job_engine = JobEngine(Settings(data_dir=tmp_path_factory.mktemp("load-lab"), workers=WORKERS))
    job_engine.wait_ready(timeout=120)
    yield job_engine
    job_engine.close()


class MemorySampler(threading.Thread):
    """Peak resident memory of this process and of its children (Dask nannies and workers)."""

    def __init__(self, period: float = 0.25):
        super().__init__(name="rss-sampler", daemon=True)
        self.period = period
        self.me = psutil.Process()
        self.baseline = self.me.memory_info().rss
        self.peak_app = self.baseline
        self.peak_children_total = 0
        self.peak_child = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.period):
            self.sample()

    def sample(self) -> None:
        self.peak_app = max(self.peak_app, self.me.memory_info().rss)
        total = 0
        for child in self.me.children(recursive=True):
            try:
                rss = child.memory_info().rss
            except psutil.Error:  # ended between listing and reading
                continue
            total += rss
            self.peak_child = max(self.peak_child, rss)
        self.peak_children_total = max(self.peak_children_total, total)

    def stop(self) -> None:
        self._halt.set()
        self.join(5)
        self.sample()


class Session:
    """One person's Forecast page, its run and every rerun's duration."""

    def __init__(self, owner: str):
        self.owner = owner
        self.timings: list[float] = []  # the list each rerun's seconds go to (one per phase)
        self.at = AppTest.from_file(ENTRY, default_timeout=RERUN_TIMEOUT)
        self.at.query_params["u"] = owner
        self.at.switch_page("app_pages/forecast.py")
        self.run_id: str | None = None
        self.shown_positions: list[int] = []  # queue positions this page showed while the run waited

    def rerun(self, action=None) -> AppTest:
        """Rerun the page (after ``action`` on a widget, if any); time it; it must show no error."""
        started = time.perf_counter()
        (action or self.at).run()
        self.timings.append(time.perf_counter() - started)
        assert not self.at.exception, f"{self.owner}: {self.at.exception}"
        assert not self.at.error, f"{self.owner}: {[error.value for error in self.at.error]}"
        return self.at

    def prepare_tiny_run(self) -> None:
        self.rerun()
        for name, value in TINY.items():
            self.rerun(self.at.number_input(key=f"forecast-setting-{name}").set_value(value))
        assert not self.at.button(key="forecast-train").disabled

    def click_train(self) -> None:
        self.rerun(self.at.button(key="forecast-train").click())
        self.run_id = self.at.session_state["forecast_run_id"]
        assert self.run_id, f"{self.owner}: no run started"

    def check_live_panel(self, state: str) -> None:
        """The page agrees with the store: a waiting run shows its place in line, the button is busy."""
        bars = self.at.progress
        assert len(bars) == 1, f"{self.owner}: {len(bars)} progress bars"
        text = bars[0].text
        waiting = QUEUED_LINE.match(text)
        if waiting:
            self.shown_positions.append(int(waiting.group(1)))
            assert 1 <= int(waiting.group(1)) <= SESSIONS, text
        elif text.startswith("**Waiting"):
            raise AssertionError(f"{self.owner}: a waiting run without its place in line: {text!r}")
        if state in ("queued", "running"):
            assert self.at.button(key="forecast-train").disabled, f"{self.owner}: Train enabled mid-run"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_eight_sessions_start_runs_on_two_workers(engine, monkeypatch):
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    monkeypatch.setattr(runtime, "store", lambda: engine.store)
    store = engine.store
    sampler = MemorySampler()
    sampler.start()
    wall_started = time.monotonic()
    start_timings: list[float] = []
    live_timings: list[float] = []
    try:
        sessions = [Session(f"load-{index}-{uuid.uuid4().hex}") for index in range(SESSIONS)]
        for session in sessions:
            session.timings = start_timings
            session.prepare_tiny_run()
        # Everyone clicks Train within a few seconds.
        for session in sessions:
            session.click_train()
        all_started = time.monotonic()
        run_ids = {session.run_id for session in sessions}
        assert len(run_ids) == SESSIONS, "every session has its own run"

        # Right after the last click, at most two runs can train; the others wait in line, in order.
        records = store.list_runs("", everyone=True)  # one read: a consistent snapshot
        assert {record.id for record in records} == run_ids
        running = [record for record in records if record.state == "running"]
        queued = sorted(record.queue_position for record in records if record.state == "queued")
        assert len(running) <= WORKERS, [record.state for record in records]
        assert queued == list(range(1, len(queued) + 1)), queued
        assert len(queued) >= SESSIONS - 2 * WORKERS, f"the runs never queued up: {len(queued)} waiting"

        for session in sessions:
            session.timings = live_timings
        deadline = time.monotonic() + RUNS_TIMEOUT
        most_running = 0
        while True:
            states = {}
            for session in sessions:
                session.rerun()
                state = store.get_run(session.run_id, session.owner).state
                session.check_live_panel(state)
                states[session.owner] = state
                snapshot = [run.state for run in store.list_runs("", everyone=True)]  # one read
                most_running = max(most_running, snapshot.count("running"))
            assert most_running <= WORKERS, f"{most_running} runs training at once on {WORKERS} workers"
            active = [state for state in states.values() if state not in FINAL_STATES]
            if not active:
                break
            assert time.monotonic() < deadline, f"runs still active after {RUNS_TIMEOUT:.0f} s: {states}"
            time.sleep(POLL_SECONDS)
        all_ended = time.monotonic()

        # Every run finished, on both workers, and every page shows its result.
        workers_used = {store.get_run(session.run_id, session.owner).worker for session in sessions}
        assert len(workers_used) == WORKERS, workers_used
        for session in sessions:
            record = store.get_run(session.run_id, session.owner)
            assert record.state == "succeeded", (record.state, record.error)
            assert record.epochs_done == TINY["epochs"]
            session.rerun()
            assert "4. Result" in [header.value for header in session.at.header], session.owner
            assert not session.at.button(key="forecast-train").disabled
    finally:
        sampler.stop()

    shown = sorted({position for session in sessions for position in session.shown_positions})
    assert shown and max(shown) >= 2, f"no page showed a place in line behind another run: {shown}"
    growth = sampler.peak_app - sampler.baseline
    figures = {
        "sessions": SESSIONS, "workers": WORKERS, "epochs_per_run": TINY["epochs"],
        "reruns_while_training": len(live_timings),
        "rerun_median_s": round(statistics.median(live_timings), 3),
        "rerun_p95_s": round(percentile(live_timings, 0.95), 3),
        "rerun_max_s": round(max(live_timings), 3),
        "start_reruns": len(start_timings),
        "start_rerun_median_s": round(statistics.median(start_timings), 3),
        "start_rerun_p95_s": round(percentile(start_timings, 0.95), 3),
        "wall_to_start_all_s": round(all_started - wall_started, 1),
        "wall_start_to_all_ended_s": round(all_ended - all_started, 1),
        "wall_total_s": round(all_ended - wall_started, 1),
        "queue_positions_shown": shown,
        "most_runs_running_at_once": most_running,
        "app_rss_baseline_mb": round(sampler.baseline / 2**20),
        "app_rss_peak_mb": round(sampler.peak_app / 2**20),
        "app_rss_growth_mb": round(growth / 2**20),
        "workers_rss_peak_total_mb": round(sampler.peak_children_total / 2**20),
        "worker_rss_peak_single_mb": round(sampler.peak_child / 2**20),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("load figures:", json.dumps(figures))
    assert growth < RSS_GROWTH_LIMIT, f"the app process grew by {growth / 2**20:.0f} MB"
