"""An external Dask cluster, for real: a ``dask scheduler`` and two ``dask worker --nthreads 1``
processes (the project's interpreter, each worker in its own working folder), with the CLI's
``--background`` runner, the Forecast page and the job engine pointed at them by
``LSTMLAB_SCHEDULER``, each giving the same numbers as the CLI in the foreground; then the faults:
the submitting process and a worker killed with SIGKILL in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import runtime
from models.cli import main as cli_main
from models.config import DigitsConfig, ForecastConfig
from models.engine.engine import JobEngine
from models.engine.store import RunStore
from models.settings import CLI_OWNER, Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
ENTRY = str(ROOT / "app" / "streamlit_app.py")
AIRLINE = ROOT / "data" / "airline-passengers.csv"
TIMEOUT = 180.0
SMALL = ForecastConfig(mode="local",
                       epochs=2, units=4, look_back=6, ensemble=1)  # a run that trains in seconds


def _wait(condition, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll)


class Cluster:
    """A ``dask scheduler`` and two ``dask worker --nthreads 1 --no-nanny`` processes (killing a
    worker's process ends that worker), each worker in its own folder: no shared disk."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}  # name -> its process
        self.port = 0  # the first scheduler picks a free port; a restarted one takes the same
        self.address = ""
        self.scheduler: subprocess.Popen | None = None

    def _start(self, name: str, *arguments: str, cwd: Path) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=cwd, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def start(self) -> None:
        """The scheduler (on the same address as before, after a restart), then both workers."""
        scheduler_file = self.folder / "scheduler.json"
        scheduler_file.unlink(missing_ok=True)
        self.scheduler = self._start(
            "scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard",
            "--scheduler-file", str(scheduler_file), cwd=self.folder)

        def written() -> str:
            return scheduler_file.exists() and json.loads(scheduler_file.read_text() or "{}").get("address")

        self.address = _wait(written, 60, "the scheduler")
        self.port = int(self.address.rsplit(":", 1)[1])
        self.replace_lost_workers()

    def replace_lost_workers(self) -> None:
        """Start each worker whose process is gone (a fault test killed it), then wait for both."""
        for name in ("worker-a", "worker-b"):
            if name in self.workers and self.workers[name].poll() is None:
                continue
            own_folder = self.folder / name
            own_folder.mkdir(exist_ok=True)
            self.workers[name] = self._start(
                name, "worker", self.address, "--nthreads", "1", "--no-nanny", "--name", name,
                "--local-directory", str(own_folder), "--no-dashboard", cwd=own_folder)
        _wait(lambda: len(self.worker_addresses()) == 2, 60, "two workers")

    def kill_scheduler(self) -> None:
        """SIGKILL the scheduler; its workers stop by themselves once they lose it."""
        self.scheduler.send_signal(signal.SIGKILL)
        self.scheduler.wait(timeout=10)
        for worker in self.workers.values():
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()

    def worker_addresses(self) -> dict[str, str]:
        """Worker name -> address, as the scheduler knows them."""
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return {info["name"]: address for address, info in client.scheduler_info()["workers"].items()}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    found = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        found.start()
        yield found
    finally:
        found.stop()


@pytest.fixture
def on_cluster(cluster, lab_data_dir, monkeypatch):
    """The data folder and LSTMLAB_SCHEDULER for the CLI and the page; the cluster."""
    monkeypatch.setenv("LSTMLAB_SCHEDULER", cluster.address)
    return cluster


def _foreground(*flags: str) -> dict:
    """``python -m models forecast --sample airline FLAGS --json`` in a fresh process: its JSON."""
    command = [sys.executable, "-m", "models", "forecast", "--sample", "airline", *flags, "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LSTMLAB_SCHEDULER": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def assert_same_numbers(record, foreground: dict) -> None:
    """Same settings, same seed: the same test RMSE on an external worker as in the foreground."""
    assert record.config.to_dict() == foreground["config"]
    stored, again = record.metrics.network.test_rmse, foreground["metrics"]["network"]["test_rmse"]
    print(f"network test RMSE: worker {stored:.9f}, foreground {again:.9f}")
    assert stored == pytest.approx(again, rel=1e-6)


def _ended(store: RunStore, run_id: str, owner: str):
    return _wait(lambda: (record := store.get_run(run_id, owner)) and not record.active and record,
                 TIMEOUT, f"run {run_id} to end")


def test_cli_background_and_engine_runs_train_on_the_external_workers(on_cluster, lab_data_dir, capsys):
    assert cli_main(["forecast", "--sample", "airline", "--epochs", "3", "--units", "4", "--look-back", "6",
                     "--ensemble", "1", "--background", "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    engine = JobEngine(Settings(data_dir=lab_data_dir, scheduler=on_cluster.address))
    try:
        engine.wait_ready(timeout=60)
        tiny_digits = DigitsConfig(source="bundled", limit=200, epochs=1, units=8)
        digits_id = engine.submit(tiny_digits.to_dict(), None, None, "cluster-test")
        digits = engine.wait(digits_id, "cluster-test", timeout=TIMEOUT)
    finally:
        engine.close()
    forecast = _ended(RunStore(lab_data_dir), run_id, CLI_OWNER)
    addresses = set(on_cluster.worker_addresses().values())
    assert forecast.state == "succeeded", forecast.error
    assert digits.state == "succeeded", digits.error
    assert {forecast.worker, digits.worker} <= addresses  # trained by the external workers
    assert_same_numbers(forecast, _foreground("--epochs", "3", "--units", "4", "--look-back", "6",
                                              "--ensemble", "1"))


def test_the_forecast_page_trains_on_the_external_cluster(on_cluster, lab_data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    owner = "cluster-page-owner-0123456789"
    try:
        at = AppTest.from_file(ENTRY, default_timeout=60)
        at.session_state["owner_token"] = owner
        at.switch_page("app_pages/forecast.py")
        at.run()
        for field, value in (("epochs", 2), ("units", 4), ("look_back", 6), ("ensemble", 1)):
            at.number_input(key=f"forecast-setting-{field}").set_value(value).run()
        at.button(key="forecast-train").click().run()
        assert not at.exception, at.exception
        run_id = at.session_state["forecast_run_id"]
        assert runtime.engine().settings.scheduler == on_cluster.address
        record = _ended(runtime.store(), run_id, owner)
        assert record.state == "succeeded", record.error
        assert record.worker in set(on_cluster.worker_addresses().values())
        assert_same_numbers(record, _foreground("--epochs", "2", "--units", "4", "--look-back", "6",
                                                "--ensemble", "1"))
    finally:
        runtime.shutdown()
        st.cache_resource.clear()


def test_a_killed_background_runner_interrupts_its_run_and_frees_the_worker(on_cluster, lab_data_dir,
                                                                           capsys):
    from distributed import Client

    # Minutes of training (no XLA for a 12-step window, 64 units, one window per step), unless stopped.
    long = ["--epochs", "2000", "--units", "64", "--look-back", "12", "--batch-size", "1", "--ensemble", "1"]
    assert cli_main(["forecast", "--sample", "airline", *long, "--background", "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    store = RunStore(lab_data_dir)
    running = _wait(lambda: (record := store.get_run(run_id, CLI_OWNER)).epochs_done >= 1 and record,
                    TIMEOUT, "the background run to train")
    assert running.state == "running"
    (runner,) = [process for process in psutil.process_iter(["cmdline"])
                 if process.info["cmdline"] and process.info["cmdline"][-3:] == ["runs", "work", run_id]]
    runner.send_signal(signal.SIGKILL)
    killed = time.monotonic()

    def shown_state() -> str:
        assert cli_main(["runs", "show", run_id, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["state"]

    _wait(lambda: shown_state() == "interrupted", 60, "runs show to say interrupted", poll=1.0)
    with Client(on_cluster.address, timeout=30) as client:
        # The scheduler forgets the task at once; the worker's thread goes on until the task itself
        # notices that nobody waits for it. Count the threads still running a task on each worker.
        def busy() -> int:
            return sum(client.run(lambda dask_worker: len(dask_worker.active_threads)).values())

        _wait(lambda: busy() == 0, 30, "the orphaned task to stop", poll=0.5)
    print(f"runner killed: interrupted and its worker free after {time.monotonic() - killed:.1f} s")


def test_a_worker_killed_mid_run_fails_the_run_and_the_other_worker_goes_on(on_cluster, lab_data_dir):
    engine = JobEngine(Settings(data_dir=lab_data_dir, scheduler=on_cluster.address))
    owner = "cluster-fault"
    long = ForecastConfig(mode="local", epochs=2000, units=4, look_back=4, batch_size=1, ensemble=1)
    try:
        engine.wait_ready(timeout=60)
        run_id = engine.submit(long.to_dict(), AIRLINE.read_bytes(), AIRLINE.name, owner)
        running = _wait(lambda: (record := engine.status(run_id, owner)).epochs_done >= 1 and record,
                        TIMEOUT, "the long run to train")
        names = {address: name for name, address in on_cluster.worker_addresses().items()}
        victim = names[running.worker]
        os.kill(on_cluster.workers[victim].pid, signal.SIGKILL)
        ended = engine.wait(run_id, owner, timeout=TIMEOUT)
        assert ended.state == "failed" and ended.error and "worker" in ended.error.lower(), ended.error
        print(f"killed {victim}: the run ended {ended.state}: {ended.error}")

        after = engine.submit(SMALL.to_dict(), AIRLINE.read_bytes(), AIRLINE.name, owner)
        survivor = engine.wait(after, owner, timeout=TIMEOUT)
        assert survivor.state == "succeeded", survivor.error
        assert names.get(survivor.worker) not in (None, victim)
    finally:
        engine.close()
    with sqlite3.connect(RunStore(lab_data_dir).db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_killed_scheduler_ends_training_runs_plainly_and_waiting_runs_start_when_it_is_back(
        on_cluster, lab_data_dir, monkeypatch):
    """Last in this module: it kills the shared cluster's scheduler (its workers then stop by
    themselves) and starts a new scheduler on the same address, with two new workers."""
    engine = JobEngine(Settings(data_dir=lab_data_dir, scheduler=on_cluster.address))
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    monkeypatch.setattr(runtime, "store", lambda: engine.store)
    owner = "scheduler-fault-owner-0123456789"
    long = ForecastConfig(mode="local",
                          epochs=2000, units=64, look_back=12, batch_size=1, ensemble=1)  # minutes of work
    on_cluster.replace_lost_workers()  # the worker-fault test above killed one
    try:
        engine.wait_ready(timeout=60)
        data, name = AIRLINE.read_bytes(), AIRLINE.name
        training = [engine.submit(long.replace(seed=seed).to_dict(), data, name, owner) for seed in (1, 2)]
        waiting = engine.submit(SMALL.to_dict(), data, name, owner)
        for run_id in training:
            _wait(lambda run_id=run_id: engine.status(run_id, owner).epochs_done >= 1, TIMEOUT, "training")
        assert engine.status(waiting, owner).state == "queued"

        killed = time.monotonic()
        on_cluster.kill_scheduler()
        print(f"workers gone {time.monotonic() - killed:.1f} s after the scheduler")
        for run_id in training:
            ended = engine.wait(run_id, owner, timeout=60)
            assert ended.state == "failed" and "scheduler" in ended.error, (ended.state, ended.error)
        _wait(lambda: engine.unreachable, 30, "the engine to notice")
        page = _page_showing(waiting, owner)
        assert any("cannot be reached" in warning.value for warning in page.warning), page.warning
        assert engine.status(waiting, owner).state == "queued"  # it waits, it is not lost
        print(f"scheduler killed: {ended.error} / {engine.unreachable}")

        back = time.monotonic()
        on_cluster.start()  # the same address, two new workers
        _wait(lambda: engine.unreachable is None, 60, "the engine to connect again")
        print(f"cluster back in {time.monotonic() - back:.1f} s")
        done = engine.wait(waiting, owner, timeout=TIMEOUT)
        print(f"the waiting run ended {time.monotonic() - back:.1f} s after the restart")
        assert done.state == "succeeded", done.error
        assert done.worker in set(on_cluster.worker_addresses().values())
        page = _page_showing(waiting, owner)
        assert not any("cannot be reached" in warning.value for warning in page.warning)
    finally:
        engine.close()
    with sqlite3.connect(RunStore(lab_data_dir).db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _page_showing(run_id: str, owner: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["owner_token"] = owner
    at.query_params["run"] = run_id
    at.switch_page("app_pages/forecast.py")
    at.run()
    assert not at.exception, at.exception
    return at
