"""An external Dask cluster, for real: a ``dask scheduler`` and two ``dask worker --nthreads 1``
processes (the project's interpreter, each worker in its own working folder), with the CLI's
``--background`` runner, the Forecast page and the job engine pointed at them by
``LSTMLAB_SCHEDULER``, each giving the same numbers as the CLI in the foreground; then the faults:
the submitting process and a worker killed with SIGKILL in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
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


@dataclass
class Cluster:
    address: str
    workers: dict[str, subprocess.Popen]  # name -> its process (no nanny: killing it ends the worker)
    folder: Path

    def worker_addresses(self) -> dict[str, str]:
        """Worker name -> address, as the scheduler knows them."""
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return {info["name"]: address for address, info in client.scheduler_info()["workers"].items()}


def _wait(condition, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-cluster")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    scheduler_file = folder / "scheduler.json"
    processes: list[subprocess.Popen] = []

    def start(name: str, *arguments: str, cwd: Path) -> subprocess.Popen:
        log = (folder / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=cwd, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        return process

    start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--scheduler-file", str(scheduler_file), cwd=folder)
    address = _wait(lambda: scheduler_file.exists() and json.loads(scheduler_file.read_text() or "{}")
                    .get("address"), 60, "the scheduler")
    workers = {}
    for name in ("worker-a", "worker-b"):
        own_folder = folder / name  # no shared disk: each worker has its own working folder
        own_folder.mkdir()
        workers[name] = start(name, "worker", address, "--nthreads", "1", "--no-nanny", "--name", name,
                              "--local-directory", str(own_folder), "--no-dashboard", cwd=own_folder)
    found = Cluster(address, workers, folder)
    _wait(lambda: len(found.worker_addresses()) == 2, 60, "two workers")
    yield found
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
                     "--background", "--json"]) == 0
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
    assert_same_numbers(forecast, _foreground("--epochs", "3", "--units", "4", "--look-back", "6"))


def test_the_forecast_page_trains_on_the_external_cluster(on_cluster, lab_data_dir):
    st.cache_resource.clear()
    st.cache_data.clear()
    owner = "cluster-page-owner-0123456789"
    try:
        at = AppTest.from_file(ENTRY, default_timeout=60)
        at.query_params["u"] = owner
        at.switch_page("app_pages/forecast.py")
        at.run()
        for field, value in (("epochs", 2), ("units", 4), ("look_back", 6)):
            at.number_input(key=f"forecast-setting-{field}").set_value(value).run()
        at.button(key="forecast-train").click().run()
        assert not at.exception, at.exception
        run_id = at.session_state["forecast_run_id"]
        assert runtime.engine().settings.scheduler == on_cluster.address
        record = _ended(runtime.store(), run_id, owner)
        assert record.state == "succeeded", record.error
        assert record.worker in set(on_cluster.worker_addresses().values())
        assert_same_numbers(record, _foreground("--epochs", "2", "--units", "4", "--look-back", "6"))
    finally:
        runtime.shutdown()
        st.cache_resource.clear()


def test_a_killed_background_runner_interrupts_its_run_and_frees_the_worker(on_cluster, lab_data_dir,
                                                                           capsys):
    from distributed import Client

    # Minutes of training (no XLA for a 12-step window, 64 units, one window per step), unless stopped.
    long = ["--epochs", "2000", "--units", "64", "--look-back", "12", "--batch-size", "1"]
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
    long = ForecastConfig(epochs=2000, units=4, look_back=4, batch_size=1)
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

        after = engine.submit(ForecastConfig(epochs=2, units=4, look_back=6).to_dict(), AIRLINE.read_bytes(),
                              AIRLINE.name, owner)
        survivor = engine.wait(after, owner, timeout=TIMEOUT)
        assert survivor.state == "succeeded", survivor.error
        assert names.get(survivor.worker) not in (None, victim)
    finally:
        engine.close()
    with RunStore(lab_data_dir)._read() as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
