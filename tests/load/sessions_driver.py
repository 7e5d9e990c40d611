"""Eight people at once on a real LSTM Lab server, each in their own browser: the shared driver.

Used by tests/load/test_concurrent_sessions.py (what must hold) and bench/concurrent_sessions.py (how
fast it feels). One ``streamlit run app/streamlit_app.py`` (headless, a free loopback port, its own
data folder, ``LSTMLAB_WORKERS`` workers); one Debian Chromium driven by Playwright's async API with
one browser context per person (own cookies and storage; no owner token in any address); every
session in one asyncio loop at the same time.

Each session opens /forecast, uploads the same small CSV under its own name
(``<file>-session-<i>.csv``, so pages can be searched for other people's names) and sets tiny
settings; then all click Train together. Until its page shows the result (or a final state, or Train
was refused with a message), a session reruns its page again and again with Streamlit's ``r`` key
and times each rerun in the browser, from the key press until stApp's ``data-test-script-state``
is ``notRunning`` again; the page's own live-panel refreshes are timed from ``running`` to
``notRunning``. It keeps every "Waiting for a free worker — N in line" line the page showed. Then
every session opens the Runs page from the sidebar (the same browser session) and keeps its text.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import expect as expect_async

from bench.app_speed import Server
from bench.common import percentile
from models.engine.store import RunRecord, RunStore
from models.settings import WORKERS_ENV
from tests.e2e.e2e_widgets import CHROMIUM, CHROMIUM_ARGS, PYTHON_TEXT, cell, set_number_async

ROOT = Path(__file__).resolve().parents[2]
AIRLINE = ROOT / "data" / "airline-passengers.csv"  # 144 monthly points
VIEWPORT = {"width": 1400, "height": 1800}
PAGE_TIMEOUT = 120_000  # ms for a page or a rerun: eight fresh pages load slowly on two busy cores
RUN_TIMEOUT = 300.0  # s from Train to the result: cold workers import TensorFlow first
WARM_TIMEOUT = 180.0  # s for the workers to import TensorFlow
# Seconds a session waits between two of its reruns: people act seconds apart, and eight sessions
# rerunning back to back would only measure their own flood.
RERUN_PAUSE = 1.0
QUEUE_LINE = re.compile(r"Waiting for a free worker\W+(\d+) in line")
FINAL_WORDS = ("Failed", "Cancelled", "Interrupted")  # what the live panel says of a run that ended badly

# Installed before any page script: a log of stApp's script states and of "r" key presses, in epoch
# milliseconds (comparable with the run store's times). Streamlit 1.67's states: initial, running,
# notRunning, rerunRequested (set by the "r" key until the server starts the run), stopRequested,
# compilationError.
PROBE_JS = """
(() => {
  const lab = window.__lab = {log: [], last: null};
  const note = (what) => lab.log.push([performance.timeOrigin + performance.now(), what]);
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { setTimeout(watch, 10); return; }
    const read = () => {
      const state = app.getAttribute('data-test-script-state');
      if (state !== lab.last) { lab.last = state; note(state); }
    };
    read();
    new MutationObserver(read).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  watch();
  window.addEventListener('keydown', (event) => { if (event.key === 'r') note('key'); }, true);
  // The rerun asked for by the key pressed after ``mark``: {at, ms, queued} (queued: ms until the
  // server started it, null when "running" never showed), {ignored} when the page was already
  // running its own update (Streamlit then drops the key), or null while it runs.
  lab.rerunAfter = (mark) => {
    const after = lab.log.slice(mark);
    const key = after.findIndex(([, what]) => what === 'key');
    if (key < 0) return null;
    const pressed = after[key][0];
    let asked = false, started = null;
    for (const [at, what] of after.slice(key + 1)) {
      if (what === 'rerunRequested') asked = true;
      else if (what === 'running' && asked && started === null) started = at;
      else if (what === 'notRunning') {
        if (!asked) return {ignored: true};
        return {at: pressed, ms: at - pressed, queued: started === null ? null : started - pressed};
      }
    }
    return null;
  };
})();
"""
SNAPSHOT_JS = """
() => {
  const texts = (selector) => Array.from(document.querySelectorAll(selector),
                                         (node) => node.textContent.trim());
  return {progress: texts('[data-testid="stProgress"]'), headings: texts('h2'),
          errors: texts('[data-testid="stAlertContentError"]'),
          exceptions: document.querySelectorAll('[data-testid="stException"]').length};
}
"""


@dataclass
class Session:
    """What one person did and saw."""

    index: int
    file_name: str
    opened_at: float | None = None  # epoch seconds: the page is asked for
    ready_at: float | None = None  # the file is read and the settings set: Train can be clicked
    clicked_at: float | None = None  # epoch seconds of the Train click
    refused: str | None = None  # the page's message when Train was refused
    outcome: str | None = None  # "succeeded" (the result shown) or the final state word shown
    result_at: float | None = None  # epoch seconds the page showed how the run ended
    reruns: list[tuple[float, float]] = field(default_factory=list)  # (epoch s of the key, ms)
    rerun_queued_ms: list[float] = field(default_factory=list)  # of those ms, before the server began
    ignored_reruns: int = 0  # keys pressed while the page ran its own update
    refreshes_ms: list[float] = field(default_factory=list)  # the page's own updates while its run lived
    queue_lines: list[str] = field(default_factory=list)  # each distinct place in line shown
    problems: list[str] = field(default_factory=list)  # exception boxes or Python text on a page
    forecast_text: str = ""  # the Forecast page's text at the end
    runs_text: str = ""  # the Runs page's text

    @property
    def positions(self) -> list[int]:
        return [int(QUEUE_LINE.search(line).group(1)) for line in self.queue_lines]


@dataclass
class Outcome:
    """Every session, every run the store holds at the end, and what the server cost."""

    sessions: list[Session]
    workers: int
    settings: dict[str, int]
    data: bytes  # the CSV every session uploads
    records: list[RunRecord] = field(default_factory=list)
    integrity: str = ""
    opened_at: float = 0.0  # epoch seconds: the sessions start opening the page
    clicked_at: float = 0.0  # every session is ready: they click Train
    ended_at: float = 0.0  # every session's page shows how its run ended
    finished_at: float = 0.0  # every session has looked at the Runs page
    server_rss_mb: list[float] = field(default_factory=list)  # sampled every half second

    def run_of(self, session: Session) -> RunRecord | None:
        return next((record for record in self.records if record.data_name == session.file_name), None)

    def most_running(self) -> int:
        """Most runs training at once by the store's start and end times."""
        spans = [(record.started, record.finished or self.finished_at) for record in self.records
                 if record.started]
        return max((sum(start <= moment < end for start, end in spans) for moment, _ in spans), default=0)

    def busy_workers(self, moment: float) -> int:
        return sum(1 for record in self.records
                   if record.started and record.started <= moment < (record.finished or self.finished_at))

    def times(self, session: Session) -> dict[str, float | None]:
        """One session's seconds: page opened to ready, queue wait (Train click to run start, by the
        store's clock), the run itself and its fit, Train click to run finished and to result shown."""
        run = self.run_of(session)
        started, finished = (run.started, run.finished) if run else (None, None)
        return {"open_to_ready_s": _between(session.opened_at, session.ready_at),
                "queue_wait_s": _between(session.clicked_at, started),
                "run_s": _between(started, finished),
                "fit_s": round(run.fit_seconds, 1) if run and run.fit_seconds else None,
                "click_to_finished_s": _between(session.clicked_at, finished),
                "click_to_result_shown_s": _between(session.clicked_at, session.result_at)}

    def figures(self) -> dict[str, object]:
        """The figures, rounded, as plain JSON values."""
        reruns = [(at, ms) for session in self.sessions for at, ms in session.reruns]
        times = [self.times(session) for session in self.sessions]
        spreads = {}
        for name in ("open_to_ready_s", "queue_wait_s", "click_to_finished_s", "click_to_result_shown_s"):
            spreads.update(_spread(name, [each[name] for each in times if each[name] is not None], digits=1))
        rss = self.server_rss_mb or [0.0]
        return {
            "sessions": len(self.sessions), "workers": self.workers, **self.settings,
            "succeeded": sum(session.outcome == "succeeded" for session in self.sessions),
            "refused": sum(session.refused is not None for session in self.sessions),
            **_spread("rerun_ms", [ms for _, ms in reruns]),
            **_spread("rerun_all_workers_training_ms",
                      [ms for at, ms in reruns if self.busy_workers(at) >= self.workers]),
            **_spread("rerun_until_server_began_ms",
                      [ms for session in self.sessions for ms in session.rerun_queued_ms]),
            "reruns_dropped_page_busy": sum(session.ignored_reruns for session in self.sessions),
            **_spread("panel_refresh_ms", [ms for session in self.sessions for ms in session.refreshes_ms]),
            **spreads,
            "queue_positions_shown": sorted({p for session in self.sessions for p in session.positions}),
            "most_runs_training_at_once": self.most_running(),
            "wall_open_pages_s": round(self.clicked_at - self.opened_at, 1),
            "wall_click_to_all_ended_s": round(self.ended_at - self.clicked_at, 1),
            "wall_total_s": round(self.finished_at - self.opened_at, 1),
            "server_rss_start_mb": round(rss[0]), "server_rss_peak_mb": round(max(rss)),
            "per_session": [{"file": session.file_name, "outcome": session.outcome or "refused",
                             "refused": session.refused, "queue_lines": session.queue_lines,
                             "reruns_ms": [round(ms) for _, ms in session.reruns], **each}
                            for session, each in zip(self.sessions, times, strict=True)],
        }


def _between(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 1)


def _spread(name: str, values: list[float], digits: int = 0) -> dict[str, object]:
    """``name``'s count, median, p95 and max (None when there are no values)."""
    def rounded(value: float) -> float:
        return round(value, digits) if digits else round(value)
    return {f"{name}_count": len(values),
            f"{name}_median": rounded(statistics.median(values)) if values else None,
            f"{name}_p95": rounded(percentile(values, 0.95)) if values else None,
            f"{name}_max": rounded(max(values)) if values else None}


def integrity(data_dir: Path) -> str:
    """SQLite's own check of the run store ("ok" when sound)."""
    with sqlite3.connect(data_dir / "runs.sqlite") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def run_sessions(data_dir: Path, sessions: int = 8, workers: int = 2, epochs: int = 30, units: int = 8,
                 csv: Path = AIRLINE, warm_first: bool = False, pause: float = RERUN_PAUSE) -> Outcome:
    """Start a server on ``data_dir`` (an existing empty folder), drive ``sessions`` people at once,
    read the store, stop the server. ``warm_first``: click Train only once every worker has imported
    TensorFlow (else the first runs wait for it, as on a freshly started server)."""
    outcome = Outcome([Session(index, f"{csv.stem}-session-{index}.csv") for index in range(sessions)],
                      workers, {"epochs": epochs, "units": units}, csv.read_bytes())
    server = Server(str(data_dir), environ={WORKERS_ENV: str(workers)})
    # Its own thread, so its own event loop: a sync Playwright (the e2e fixtures, earlier in the same
    # pytest run) keeps an event loop marked running in this thread.
    thread = ThreadPoolExecutor(1)
    try:
        server.wait_healthy()
        thread.submit(asyncio.run, _drive(server, outcome, warm_first, pause)).result()
        outcome.records = RunStore(data_dir).list_runs("", everyone=True)
        outcome.integrity = integrity(data_dir)
    finally:
        server.stop()  # first: after a timeout here, the pages still driven then fail fast
        thread.shutdown()
    return outcome


async def _drive(server: Server, outcome: Outcome, warm_first: bool, pause: float) -> None:
    sampler = asyncio.create_task(_sample_rss(server.process.pid, outcome.server_rss_mb))
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_ARGS)
            try:
                people = [Person(browser, server.url, session, outcome.data) for session in outcome.sessions]
                outcome.opened_at = time.time()
                await _each(people, lambda person: person.open(outcome.settings))
                if warm_first:
                    await _wait_warm(server, outcome.workers)
                outcome.clicked_at = time.time()
                await _each(people, lambda person: person.train_and_watch(pause))
                outcome.ended_at = time.time()
                await _each(people, Person.open_runs_page)
                outcome.finished_at = time.time()
            finally:
                await browser.close()
    finally:
        sampler.cancel()


async def _each(people: list[Person], step) -> None:
    """``step(person)`` for everyone at once; every failure is named, with a screenshot of its page."""
    results = await asyncio.gather(*(person.guarded(step) for person in people), return_exceptions=True)
    failures = [f"{person.session.file_name}: {type(result).__name__}: {result}"
                for person, result in zip(people, results, strict=True) if isinstance(result, BaseException)]
    if failures:
        raise AssertionError("; ".join(failures))


async def _wait_warm(server: Server, workers: int) -> None:
    deadline = time.monotonic() + WARM_TIMEOUT
    while len(server.workers()) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the workers did not import TensorFlow in {WARM_TIMEOUT:.0f} s")
        await asyncio.sleep(0.5)


async def _sample_rss(pid: int, samples: list[float]) -> None:
    process = psutil.Process(pid)
    while True:
        try:
            samples.append(process.memory_info().rss / 2**20)
        except psutil.Error:  # the server is stopping
            return
        await asyncio.sleep(0.5)


class Person:
    """One browser context (one person) and its page."""

    def __init__(self, browser: Browser, url: str, session: Session, data: bytes):
        self.browser = browser
        self.url = url
        self.session = session
        self.data = data
        self.page: Page | None = None

    async def guarded(self, step) -> None:
        """``step(self)``; when it fails, a screenshot of the page in test-artifacts/."""
        try:
            await step(self)
        except Exception:
            if self.page is not None:
                shot = ROOT / "test-artifacts" / f"load-{Path(self.session.file_name).stem}.png"
                shot.parent.mkdir(exist_ok=True)
                with contextlib.suppress(Exception):  # the step's own error is the one to see
                    await self.page.screenshot(path=str(shot), full_page=True)
            raise

    async def _idle(self) -> None:
        await self.page.wait_for_function("() => window.__lab.last === 'notRunning'", polling=50,
                                          timeout=PAGE_TIMEOUT)

    async def _mark(self) -> int:
        """The log's length once the page is idle (a change made mid-run would merge into that run and
        leave no trace of its own); also takes the focus off any field, so "r" reaches Streamlit."""
        await self._idle()
        return await self.page.evaluate(
            "() => { document.activeElement?.blur(); return window.__lab.log.length; }")

    async def _rerun(self) -> dict:
        """Press "r" once the page is idle and wait for that rerun's end: ``{"at": epoch ms of the key,
        "ms": its duration}``, or ``{"ignored": true}`` when the page was busy with its own update."""
        mark = await self._mark()
        await self.page.keyboard.press("r")
        handle = await self.page.wait_for_function("mark => window.__lab.rerunAfter(mark)", arg=mark,
                                                   polling=20, timeout=PAGE_TIMEOUT)
        return await handle.json_value()

    async def open(self, settings: dict[str, int]) -> None:
        """Open /forecast, upload the session's file, set the tiny settings; Train is then enabled."""
        context = await self.browser.new_context(viewport=VIEWPORT)
        await context.add_init_script(PROBE_JS)
        page = self.page = await context.new_page()
        self.session.opened_at = time.time()
        await page.goto(f"{self.url}/forecast", timeout=PAGE_TIMEOUT)
        # Touch nothing before the settings are drawn: after an earlier click they can come up at their
        # minimums (look-back 1, units 1, epochs 1, test part 5%) and the run would train with those.
        await expect_async(page.get_by_label("Epochs", exact=True)).to_be_visible(timeout=PAGE_TIMEOUT)
        await page.get_by_role("radio", name="Upload a CSV file").click()
        await page.locator('input[type="file"]').set_input_files(
            {"name": self.session.file_name, "mimeType": "text/csv", "buffer": self.data})
        chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text=self.session.file_name)
        await expect_async(chart).to_be_visible(timeout=PAGE_TIMEOUT)
        for label, value in (("Epochs", settings["epochs"]), ("Units", settings["units"])):
            await set_number_async(page, label, value, timeout=PAGE_TIMEOUT)
        # No need to wait for those reruns: the Train click sends every widget's value with it.
        await expect_async(self._train()).to_be_enabled(timeout=PAGE_TIMEOUT)
        self.session.ready_at = time.time()

    def _train(self):
        return self.page.get_by_role("button", name="Train", exact=True)

    async def train_and_watch(self, pause: float) -> None:
        """Click Train; rerun and time the page until it shows how the run ended."""
        page, session = self.page, self.session
        await self._mark()
        session.clicked_at = time.time()
        await self._train().click()
        # The run's panel, or the one line saying why Train was refused.
        panel_or_refusal = page.locator('[data-testid="stProgress"], [data-testid="stAlertContentError"]')
        await panel_or_refusal.first.wait_for(state="attached", timeout=PAGE_TIMEOUT)
        await self._idle()
        snapshot = await page.evaluate(SNAPSHOT_JS)
        if not snapshot["progress"]:
            session.refused = " | ".join(snapshot["errors"])
            return
        mark = await self._mark()  # the page's own updates from here on: its live panel
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            snapshot = await page.evaluate(SNAPSHOT_JS)
            self._note(snapshot)
            if session.outcome:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result {RUN_TIMEOUT:.0f} s after Train; the page says "
                                   f"{snapshot['progress']}")
            await self._timed_rerun()
            await asyncio.sleep(pause)
        session.result_at = time.time()
        await self._idle()
        log = await page.evaluate("mark => window.__lab.log.slice(mark)", mark)
        session.refreshes_ms = _own_updates(log)
        session.forecast_text = await page.evaluate("() => document.body.textContent")
        await self._check_text()

    def _note(self, snapshot: dict) -> None:
        session = self.session
        if snapshot["exceptions"]:
            session.problems.append(f"{snapshot['exceptions']} exception box(es) on the Forecast page")
        for line in snapshot["progress"]:
            if QUEUE_LINE.search(line) and line not in session.queue_lines:
                session.queue_lines.append(line)
            if line.startswith(FINAL_WORDS):
                session.outcome = line.split()[0]
        if "4. Result" in snapshot["headings"]:
            session.outcome = "succeeded"

    async def _timed_rerun(self) -> None:
        rerun = await self._rerun()
        if rerun.get("ignored"):
            self.session.ignored_reruns += 1
        else:
            self.session.reruns.append((rerun["at"] / 1000, rerun["ms"]))
            if rerun["queued"] is not None:
                self.session.rerun_queued_ms.append(rerun["queued"])

    async def _check_text(self) -> None:
        text = await self.page.evaluate("() => document.body.innerText")
        found = PYTHON_TEXT.search(text)
        if found:
            self.session.problems.append(f"Python text on {self.page.url}: {found.group(0)!r}")
        boxes = await self.page.locator('[data-testid="stException"]').count()
        if boxes:
            self.session.problems.append(f"{boxes} exception box(es) on {self.page.url}")

    async def open_runs_page(self) -> None:
        """Go to Runs from the sidebar (the same browser session, no address typed); keep its text."""
        page = self.page
        await self._idle()
        await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(r"Runs$")).click()
        await expect_async(page.get_by_role("heading", name="Runs", exact=True)).to_be_visible(
            timeout=PAGE_TIMEOUT)
        if self.session.refused is None:  # its own run is listed
            await expect_async(cell(page, self.session.file_name)).to_have_count(1, timeout=PAGE_TIMEOUT)
        else:
            # No table to wait for. A short run can end without "running" ever reaching the page,
            # so ask for a rerun: it ends after the page switch was run.
            await self._rerun()
        await self._idle()
        self.session.runs_text = await page.evaluate("() => document.body.textContent")
        await self._check_text()


def _own_updates(log: list[list]) -> list[float]:
    """Milliseconds of the script runs the page started by itself (its live panel's timer, the end of
    the run): ``running`` to ``notRunning`` with no "r" key or ``rerunRequested`` before it."""
    spans = []
    for index, (at, what) in enumerate(log):
        if what != "running" or (index and log[index - 1][1] in ("rerunRequested", "key")):
            continue
        end = next((later for later, state in log[index + 1:] if state == "notRunning"), None)
        if end is not None:
            spans.append(end - at)
    return spans
