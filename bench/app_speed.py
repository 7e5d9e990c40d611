"""App speed and memory: cold start of a real server, page reruns while a run trains, RSS.

    .venv/bin/python bench/app_speed.py                 # 3 cold starts, 60 reruns each way (~3 minutes)
    .venv/bin/python bench/app_speed.py --cold-rounds 5 --reruns 200

Cold start: a real ``streamlit run app/streamlit_app.py`` (headless, a free loopback port, a fresh
empty LSTMLAB_DATA_DIR each round). Seconds from launching the process until ``GET /_stcore/health``
answers ok, until ``GET /`` serves the page HTML, and until the first page (Forecast) has been
rendered for a session: a websocket client asks for the script run as the browser does and waits
for ``script_finished``. Medians and the worst round.

Live server: one more real server. A websocket session opens the Forecast page, reruns it
``--reruns``/2 times with nothing training (for comparison), then sets Epochs to 2000
and Batch size to 1 and clicks Train, like a person would; once the run reports epochs, the session
reruns the page ``--reruns`` times while it trains (each rerun reads the run and its epoch history
from the store and redraws progress, loss chart and settings; measured to ``script_finished``, so
without the browser's own drawing), then reruns only the live run panel's fragment ``--reruns``
times, as the open page's one-second timer does. Memory, read from outside with psutil and /proc: the server's
RSS after those pages and whether ``libtensorflow`` is mapped into it (it must not be), each Dask
worker's RSS once warm (TensorFlow imported) before training, and the largest worker RSS once the
run has been cancelled after those reruns.

AppTest: ``streamlit.testing.v1.AppTest`` of app/streamlit_app.py in this process with the app's own
cached job engine (one worker) on a temporary data folder; the Forecast page showing a training run
is rerun ``--reruns`` times (AppTest adds its own overhead: a new script runner and bytecode per
run). Then: whether ``tensorflow`` is in this process's ``sys.modules``.

Bare page: the same websocket client against ``bench/reference/bare_page.py`` (one ``st.write``) on
a real server: what any Streamlit rerun costs on this machine. The real-server rerun medians print
their ratio to it ("vs reference"); every line also states its target.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # inherited by the Dask workers started here

from bench.common import REFERENCE, ROOT, figure, median, percentile  # noqa: E402

ENTRY = ROOT / "app" / "streamlit_app.py"
BARE_PAGE = REFERENCE / "bare_page.py"  # one st.write: the floor of any rerun on this machine
COLD_TARGET = 5.0  # seconds
RERUN_P95_TARGET = 150.0  # milliseconds
WARM_TIMEOUT = 180.0  # seconds for the workers to import TensorFlow on a busy machine
OWNER = "bench-" + secrets.token_hex(8)  # a valid owner token (16-64 letters, digits, - and _)


# ---------------------------------------------------------------- a real server and a session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def _maps_tensorflow(pid: int) -> bool:
    """Whether TensorFlow's shared library is mapped into process ``pid``."""
    try:
        return "libtensorflow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


class Server:
    """``streamlit run app/streamlit_app.py`` on a free loopback port with its own data folder."""

    def __init__(self, data_dir: str, entry: Path = ENTRY, environ: dict[str, str] | None = None):
        """``environ``: more variables for the server (``LSTMLAB_WORKERS`` ...)."""
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self._log = open(Path(data_dir) / "streamlit.log", "w")  # noqa: SIM115 (closed in stop)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env={**os.environ, **(environ or {}), "LSTMLAB_DATA_DIR": data_dir}, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, timeout: float = 120.0) -> float:
        """Seconds from launch until /_stcore/health answers ok."""
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early with status {self.process.returncode}")
            if time.perf_counter() - self.started > timeout:
                raise TimeoutError(f"streamlit did not become healthy in {timeout:.0f} s")
            try:
                if _get(f"{self.url}/_stcore/health")[0] == 200:
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.02)

    def workers(self) -> list[int]:
        """Process ids of the server's Dask workers that have imported TensorFlow."""
        import psutil

        children = psutil.Process(self.process.pid).children(recursive=True)
        return [child.pid for child in children if _maps_tensorflow(child.pid)]

    def stop(self) -> None:
        """Stop the server we started and its worker processes (its own process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()


class Session:
    """A browser-like websocket session: ask for script runs, collect the elements they send."""

    def __init__(self, connection, owner: str, page_name: str = ""):
        self.connection = connection
        self.owner = owner
        self.page_name = page_name  # "" the default page, else a page's address ("forecast")
        self.fragments: set[str] = set()  # ids of the fragments the page has drawn

    @classmethod
    async def open(cls, server: Server, owner: str, page_name: str = "") -> Session:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        request = HTTPRequest(f"ws://127.0.0.1:{server.port}/_stcore/stream",
                              headers={"Sec-WebSocket-Protocol": "streamlit"}, request_timeout=60)
        return cls(await websocket_connect(request), owner, page_name)

    async def run(self, widgets: list | None = None, fragment: str = "") -> tuple[float, list]:
        """One script run of the session's page, or of one of its fragments as the browser's timer
        asks for it; (milliseconds to script_finished, new elements).

        Raises RuntimeError when the page shows an exception.
        """
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        message.rerun_script.query_string = f"u={self.owner}"
        message.rerun_script.page_script_hash = ""
        message.rerun_script.page_name = self.page_name  # the Forecast page by its address
        message.rerun_script.widget_states.widgets.extend(widgets or [])
        if fragment:
            message.rerun_script.fragment_id = fragment
            message.rerun_script.is_auto_rerun = True
        started = time.perf_counter()
        await self.connection.write_message(message.SerializeToString(), binary=True)
        elements = []
        while True:
            data = await asyncio.wait_for(self.connection.read_message(), timeout=60)
            if data is None:
                raise RuntimeError("the server closed the session")
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.fragment_id:
                self.fragments.add(forward.delta.fragment_id)
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                if element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"the page shows an exception: {element.exception.message}")
                elements.append(element)
            elif kind == "script_finished":
                return (time.perf_counter() - started) * 1000, elements

    def close(self) -> None:
        self.connection.close()


def _widget(elements: list, kind: str, key: str):
    """The proto of the widget of type ``kind`` whose key is ``key`` (ids end with "-<key>")."""
    for element in elements:
        if element.WhichOneof("type") == kind and getattr(element, kind).id.endswith(f"-{key}"):
            return getattr(element, kind)
    raise RuntimeError(f"no {kind} {key!r} on the page")


# ---------------------------------------------------------------- cold start


def cold_start() -> dict[str, float]:
    """One cold start of a real server: seconds to health, to the HTML, to the first page."""
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        server = Server(folder)
        try:
            figures = {"health": server.wait_healthy()}
            status, html = _get(f"{server.url}/")
            if status != 200 or b"<html" not in html.lower():
                raise RuntimeError(f"GET / answered {status} without a page")
            figures["html"] = time.perf_counter() - server.started

            async def first_page() -> None:
                session = await Session.open(server, OWNER, "forecast")
                try:
                    await session.run()
                finally:
                    session.close()

            asyncio.run(first_page())
            figures["page"] = time.perf_counter() - server.started
        finally:
            server.stop()
    return figures


# ---------------------------------------------------------------- live server


def bare_page_reruns(reruns: int) -> list[float]:
    """Milliseconds per rerun of a one-element Streamlit page through the same websocket client."""
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        server = Server(folder, BARE_PAGE)
        try:
            server.wait_healthy()

            async def drive() -> list[float]:
                session = await Session.open(server, OWNER)
                try:
                    for _ in range(3):
                        await session.run()
                    return [(await session.run())[0] for _ in range(reruns)]
                finally:
                    session.close()

            return asyncio.run(drive())
        finally:
            server.stop()


def live_server(reruns: int) -> dict[str, object]:
    """Train through the real server's page, rerun it while the run trains, read memory."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    from models.engine.store import RunStore

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        server = Server(folder)
        try:
            server.wait_healthy()
            store = RunStore(Path(folder))

            async def drive() -> None:
                session = await Session.open(server, OWNER, "forecast")
                try:
                    _, elements = await session.run()
                    deadline = time.perf_counter() + WARM_TIMEOUT
                    while len(server.workers()) < _expected_workers():  # TensorFlow imported
                        if time.perf_counter() > deadline:
                            raise TimeoutError("the server's workers did not import TensorFlow")
                        await asyncio.sleep(0.5)
                    await asyncio.sleep(1.0)
                    figures["worker_rss_warm"] = max(_rss_mb(pid) for pid in server.workers())
                    # The same page with nothing training, for comparison (no run panel yet).
                    for _ in range(3):
                        await session.run()
                    figures["idle_timings"] = [(await session.run())[0] for _ in range(max(1, reruns // 2))]

                    settings = []
                    for key, value in (("epochs", 2000), ("batch_size", 1)):
                        state = WidgetState(id=_widget(elements, "number_input",
                                                       f"forecast-setting-{key}").id)
                        state.int_value = value
                        settings.append(state)
                    click = WidgetState(id=_widget(elements, "button", "forecast-train").id,
                                        trigger_value=True)
                    await session.run(settings + [click])
                    runs = store.list_runs(OWNER)
                    if not runs:
                        raise RuntimeError("clicking Train did not create a run")
                    run_id = runs[0].id
                    while store.get_run(run_id, OWNER).epochs_done < 1:
                        if not store.get_run(run_id, OWNER).active:
                            raise RuntimeError("the run ended before training")
                        await asyncio.sleep(0.05)
                    for _ in range(3):
                        await session.run(settings)
                    timings = [(await session.run(settings))[0] for _ in range(reruns)]
                    if len(session.fragments) != 1:
                        raise RuntimeError(f"expected the run panel's one fragment, saw {session.fragments}")
                    panel = next(iter(session.fragments))
                    figures["fragment_timings"] = [(await session.run(settings, panel))[0]
                                                   for _ in range(reruns)]
                    record = store.get_run(run_id, OWNER)
                    if not record.active:
                        raise RuntimeError(f"the run ended ({record.state}) while measuring: lengthen it")
                    figures["timings"] = timings
                    figures["epochs_stored"] = record.epochs_done
                    figures["server_rss"] = _rss_mb(server.process.pid)
                    figures["server_tf"] = _maps_tensorflow(server.process.pid)
                    store.request_cancel(run_id, OWNER)  # the server's engine forwards it to the worker
                    deadline = time.perf_counter() + 60
                    while store.get_run(run_id, OWNER).active and time.perf_counter() < deadline:
                        await asyncio.sleep(0.1)
                    figures["worker_rss_trained"] = max(_rss_mb(pid) for pid in server.workers())
                finally:
                    session.close()

            asyncio.run(drive())
        finally:
            server.stop()
    return figures


def _expected_workers() -> int:
    from models.settings import load_settings

    return load_settings().workers


# ---------------------------------------------------------------- AppTest


def apptest_reruns(reruns: int) -> dict[str, object]:
    """AppTest reruns of the Forecast page while a run trains on the app's own job engine."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from models.config import ForecastConfig
    from models.engine.worker import is_warm

    # Using the app's cached engine outside a script run is expected here: keep Streamlit quiet about it.
    for name in ("streamlit.runtime.caching.cache_data_api",
                 "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    data = (ROOT / "data" / "airline-passengers.csv").read_bytes()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="app-bench-") as folder:
        os.environ["LSTMLAB_DATA_DIR"] = folder
        os.environ["LSTMLAB_WORKERS"] = "1"
        st.cache_resource.clear()
        st.cache_data.clear()
        from app import runtime

        engine = runtime.engine()  # the same cached engine the page's script runs use
        try:
            engine.wait_ready()
            deadline = time.perf_counter() + WARM_TIMEOUT
            while not all(engine.client.run(is_warm).values()) and time.perf_counter() < deadline:
                time.sleep(0.2)

            long = engine.submit(ForecastConfig(epochs=2000, batch_size=1), data, "airline-passengers",
                                 OWNER)
            while engine.status(long, OWNER).epochs_done < 1:
                if not engine.status(long, OWNER).active:
                    raise RuntimeError("the long run ended before training")
                time.sleep(0.05)

            at = AppTest.from_file(str(ENTRY), default_timeout=60)
            at.query_params["u"] = OWNER
            at.query_params["run"] = long
            at.switch_page("app_pages/forecast.py")
            started = time.perf_counter()
            at.run()
            figures["first_run_ms"] = (time.perf_counter() - started) * 1000
            for _ in range(3):  # warm: imports, caches, plotly templates
                at.run()
            timings = []
            for _ in range(reruns):
                started = time.perf_counter()
                at.run()
                timings.append((time.perf_counter() - started) * 1000)
                if at.exception:
                    raise RuntimeError(f"the page raised: {at.exception}")
            final = engine.status(long, OWNER)
            if not final.active:
                raise RuntimeError(f"the long run ended ({final.state}) while measuring: lengthen it")
            figures["timings"] = timings
            figures["epochs_stored"] = final.epochs_done
            engine.cancel(long, OWNER)
            engine.wait(long, OWNER, timeout=60)
            figures["app_tf"] = "tensorflow" in sys.modules
            figures["app_rss"] = _rss_mb()
        finally:
            runtime.shutdown()
            st.cache_resource.clear()
    return figures


# ---------------------------------------------------------------- main


def rerun_figures(name: str, timings: list[float], note: str, p95_note: str | None = None,
                  floor: float | None = None) -> None:
    """Two lines: the median of ``timings`` (ms, with its ratio to the bare page's) and the p95
    against the rerun target."""
    p95 = percentile(timings, 0.95)
    figure(f"{name}, median", median(timings), "ms", note=note,
           ratio=None if floor is None else median(timings) / floor)
    figure(f"{name}, p95", p95, "ms", target=f"< {RERUN_P95_TARGET:.0f} ms", met=p95 < RERUN_P95_TARGET,
           note=p95_note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-rounds", type=int, default=3, help="cold starts (default 3)")
    parser.add_argument("--reruns", type=int, default=60, help="timed page reruns, each way (default 60)")
    args = parser.parse_args(argv)

    rounds = [cold_start() for _ in range(args.cold_rounds)]
    for key, name in (("health", "cold start to /_stcore/health ok"),
                      ("html", "cold start to page HTML served"),
                      ("page", "cold start to first page rendered (Forecast, websocket session)")):
        values = [round_[key] for round_ in rounds]
        figure(name, median(values), "s", target=f"< {COLD_TARGET:.0f} s", met=max(values) < COLD_TARGET,
               note=f"median of {len(values)}; worst {max(values):.2f} s")

    bare = bare_page_reruns(args.reruns)
    floor = median(bare)
    figure("bare Streamlit page rerun (one element), real server, median", floor, "ms",
           note=f"{len(bare)} reruns; p95 {percentile(bare, 0.95):.0f} ms; the floor of any page here")
    live = live_server(args.reruns)
    rerun_figures("Forecast page rerun while a run trains, real server", live["timings"],
                  f"{len(live['timings'])} reruns; {live['epochs_stored']} epochs in the chart",
                  "request to script_finished over the websocket", floor)
    rerun_figures("live run panel refresh (its fragment's timed rerun) while a run trains",
                  live["fragment_timings"],
                  f"{len(live['fragment_timings'])} refreshes; what the open page does every second",
                  floor=floor)
    idle = live["idle_timings"]
    figure("Forecast page rerun with nothing training, real server, median", median(idle), "ms",
           note=f"{len(idle)} reruns; p95 {percentile(idle, 0.95):.0f} ms; workers warm and idle")
    figure("app server RSS after serving pages while a run trains", live["server_rss"], "MB",
           target="no TensorFlow in the app process", met=not live["server_tf"],
           note=f"libtensorflow mapped: {'yes' if live['server_tf'] else 'no'}")
    figure("Dask worker RSS, warm (TensorFlow imported), before training", live["worker_rss_warm"], "MB")
    figure("Dask worker RSS after training (largest worker)", live["worker_rss_trained"], "MB",
           note=f"after {live['epochs_stored']}+ epochs of LSTM(32), batch 1, then cancelled")

    page = apptest_reruns(args.reruns)
    rerun_figures("Forecast page rerun while a run trains, AppTest", page["timings"],
                  f"{len(page['timings'])} reruns; {page['epochs_stored']} epochs in the chart",
                  "AppTest in this process, its own overhead included")
    figure("AppTest process RSS after the reruns", page["app_rss"], "MB",
           target="no TensorFlow in sys.modules", met=not page["app_tf"],
           note=f"tensorflow in sys.modules: {'yes' if page['app_tf'] else 'no'}")
    return 0


if __name__ == "__main__":  # spawned Dask workers re-import this file: keep the work under the guard
    sys.exit(main())
