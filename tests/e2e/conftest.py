"""Real-browser fixtures: a real `streamlit run` server and Debian's Chromium driven by Playwright.

Never a downloaded browser: Playwright launches /usr/bin/chromium (installed by `make test`).
Screenshots go to test-artifacts/ at the project root.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_widgets import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items) -> None:
    """Every test in this folder drives the browser: mark it so ``-m "not e2e"`` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium headless with the flags this closed network needs."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A tall viewport: Streamlit's full-page screenshots only capture the viewport."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1800}}


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory) -> Path:
    """The data folder (run store and artifacts) of the ``server`` fixture's server."""
    return tmp_path_factory.mktemp("lab-data")


@pytest.fixture(scope="session")
def server(server_data_dir, tmp_path_factory):
    """A real LSTM Lab server on a free loopback port with its own data folder; yields its URL."""
    port = _free_port()
    env = {**os.environ, "LSTMLAB_DATA_DIR": str(server_data_dir), "LSTMLAB_WORKERS": "1"}
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        # The server starts Dask worker processes: end its whole process group.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def shot():
    """Save a screenshot of a page as test-artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
