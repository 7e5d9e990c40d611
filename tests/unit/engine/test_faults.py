"""Faults with a real job engine and store: cancelling twice, cancelling a queued run, a server that
restarts (or dies) while a run is running, and a disk that fills up while a run's results are saved.
(A worker killed mid-run: tests/unit/engine/test_engine.py; a read-only data folder:
tests/unit/engine/test_store.py.)"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from pathlib import Path

import pytest
from distributed import Event
from engine_runs import LONG, TINY, wait_for

import models.engine.store_files
from models.engine.database import Database
from models.engine.engine import JobEngine
from models.engine.store import INTERRUPTED_MESSAGE, RunStore
from models.engine.worker import cancel_event_name
from models.errors import LabError
from models.results import EpochReport, RunResult
from models.settings import Settings


def _integrity(data_dir: Path) -> str:
    with sqlite3.connect(data_dir / "runs.sqlite") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def _files(store: RunStore, run_id: str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((store.artifacts_dir / run_id).iterdir())}


# ---------------------------------------------------------------- cancel


@pytest.mark.slow
def test_cancelling_twice_is_harmless_and_a_cancelled_queued_run_never_starts(lab_engine, lab_owner,
                                                                              airline_csv):
    running = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    following = lab_engine.submit(TINY, airline_csv, "airline", lab_owner)
    queued = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    # A queued run: cancelled at once, and again without complaint.
    first = lab_engine.cancel(queued, lab_owner)
    second = lab_engine.cancel(queued, lab_owner)
    assert (first.state, second.state, second.error) == ("cancelled", "cancelled", None)
    assert second.finished == first.finished  # the second request changed nothing
    # A running run: two requests in a row, then one after it has stopped.
    wait_for(lab_engine, running, lab_owner, lambda record: record.epochs_done >= 1)
    lab_engine.cancel(running, lab_owner)
    again = lab_engine.cancel(running, lab_owner)
    assert again.state in ("running", "cancelled") and again.cancel_requested
    stopped = wait_for(lab_engine, running, lab_owner, lambda record: not record.active, timeout=30)
    assert (stopped.state, stopped.error) == ("cancelled", None)
    assert stopped.epochs_done < LONG.epochs
    late = lab_engine.cancel(running, lab_owner)
    assert (late.state, late.finished, late.error) == ("cancelled", stopped.finished, None)
    # The worker takes the next run; the cancelled queued run never started and reported nothing.
    done = lab_engine.wait(following, lab_owner, timeout=90)
    assert done.state == "succeeded", done.error
    never = lab_engine.status(queued, lab_owner)
    assert (never.state, never.started, never.epochs_done) == ("cancelled", None, 0)
    assert lab_engine.progress(queued, lab_owner) == []
    # Cancelling a finished run leaves it as it was.
    after = lab_engine.cancel(following, lab_owner)
    assert (after.state, after.metrics) == ("succeeded", done.metrics)
    assert lab_engine.status(running, lab_owner).state == "cancelled"


# ---------------------------------------------------------------- server restart


def _engine_on(lab_engine, data_dir: Path, **options) -> JobEngine:
    """Another server's engine on the shared test cluster (the embedded cluster of a real server
    dies with it; sharing the warm worker keeps this test fast)."""
    scheduler = lab_engine.client.scheduler.address
    engine = JobEngine(Settings(data_dir=data_dir, scheduler=scheduler), warm=False, **options)
    engine.wait_ready(timeout=60)
    return engine


def _stop_abandoned(lab_engine, run_id: str) -> None:
    """The abandoned run still occupies the shared worker: ask it to stop, as a new server would."""
    Event(cancel_event_name(run_id), client=lab_engine.client).set()


@pytest.mark.slow
def test_a_server_restart_mid_run_leaves_an_interrupted_run_and_intact_finished_runs(
        lab_engine, lab_owner, airline_csv, tmp_path, monkeypatch):
    data_dir = tmp_path / "lab-data"
    first = _engine_on(lab_engine, data_dir)
    finished = first.submit(TINY, airline_csv, "airline", lab_owner)
    kept = first.wait(finished, lab_owner, timeout=90)
    assert kept.state == "succeeded", kept.error
    kept_files = _files(first.store, finished)
    kept_history = first.progress(finished, lab_owner)
    assert {"data.csv", "predictions.csv", "model.keras"} <= set(kept_files)

    # 1. The server stops (engine closed) while a run is running.
    stopped = first.submit(LONG, airline_csv, "airline", lab_owner)
    wait_for(first, stopped, lab_owner, lambda record: record.epochs_done >= 1)
    first.close()
    _stop_abandoned(lab_engine, stopped)

    # 2. The next server process dies without a word while its run is running (its pid may be reused:
    #    the identity also holds the process start time).
    second = _engine_on(lab_engine, data_dir, recover=False)
    crashed = second.submit(LONG, airline_csv, "airline", lab_owner)
    wait_for(second, crashed, lab_owner, lambda record: record.epochs_done >= 1)
    monkeypatch.setattr(second._loop, "shutdown", lambda: second.client.close())  # writes nothing
    second.close()
    _stop_abandoned(lab_engine, crashed)
    with sqlite3.connect(data_dir / "runs.sqlite") as connection:  # its process is gone, its pid reused
        connection.execute("UPDATE runs SET runner = ? WHERE id = ?",
                           (f"{socket.gethostname()}|{os.getpid()}|1.00", crashed))
    # Whoever looks next (a page, `runs show`) sees that its process is gone.
    assert second.store.get_run(crashed, lab_owner).state == "interrupted"

    # A new server opens the same data folder.
    assert _integrity(data_dir) == "ok"
    third = _engine_on(lab_engine, data_dir)
    try:
        for run_id in (stopped, crashed):
            record = third.status(run_id, lab_owner)
            assert (record.state, record.error) == ("interrupted", INTERRUPTED_MESSAGE)
            assert record.epochs_done >= 1 and record.finished is not None  # what it did is kept
        again = third.results(finished, lab_owner)
        assert (again.state, again.metrics, again.artifacts) == ("succeeded", kept.metrics, kept.artifacts)
        assert _files(third.store, finished) == kept_files  # byte-identical
        assert third.progress(finished, lab_owner) == kept_history
        assert [third.artifact(finished, name, lab_owner) for name in kept_files] == list(kept_files.values())
        # ... and trains as before once the abandoned runs have let go of the worker.
        fresh = third.submit(TINY, airline_csv, "airline", lab_owner)
        assert third.wait(fresh, lab_owner, timeout=90).state == "succeeded"
    finally:
        third.close()
    assert _integrity(data_dir) == "ok"


# ---------------------------------------------------------------- disk full


class _FullDisk:
    """A file whose writes stop half-way with ENOSPC, like a disk that has just filled up."""

    def __init__(self, handle):
        self._handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._handle.close()

    def write(self, data):
        self._handle.write(bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        self._handle.flush()

    def fileno(self):
        return self._handle.fileno()


def _fill_disk(monkeypatch, keep: tuple[str, ...] = ()) -> None:
    """Every file the store writes from now on hits a full disk (except names in ``keep``)."""
    def full_open(path, mode="r", *args, **kwargs):
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 (closed by the caller's with)
        if "w" in mode and not any(Path(path).name.startswith(f".{name}.") for name in keep):
            return _FullDisk(handle)
        return handle

    monkeypatch.setattr(models.engine.store_files, "open", full_open, raising=False)


def _result() -> RunResult:
    history = [EpochReport(epoch=1, epochs=1, loss=0.5).to_dict()]
    return RunResult(kind="forecast", metrics={"lstm": {"test_rmse": 1.0}}, history=history,
                     artifacts={"predictions.csv": b"p" * 1000, "model.keras": b"m" * 1000}, fit_seconds=1.0)


def test_a_full_disk_refuses_a_new_run_with_one_plain_error_and_leaves_nothing(lab_data_dir, monkeypatch):
    store = RunStore(lab_data_dir)
    earlier = store.create_run(config={"kind": "forecast"}, owner="alice", data_bytes=b"t,v\n1,2\n")
    _fill_disk(monkeypatch)
    with pytest.raises(LabError) as caught:
        store.create_run(config={"kind": "forecast"}, owner="alice", data_bytes=b"t,v\n1,2\n")
    assert str(caught.value) == (f"The disk holding the data folder {store.data_dir} is full: free some "
                                 "space and try again.")
    assert [run.id for run in store.list_runs("alice")] == [earlier]
    assert [path.name for path in store.artifacts_dir.iterdir()] == [earlier]  # no half-written folder
    assert _integrity(lab_data_dir) == "ok"


def test_a_full_disk_while_saving_results_keeps_the_run_active_and_no_partial_files(lab_data_dir,
                                                                                    monkeypatch):
    store = RunStore(lab_data_dir)
    run_id = store.create_run(config={"kind": "forecast"}, owner="alice", data_bytes=b"t,v\n1,2\n")
    store.mark_running(run_id)
    real_open = open
    writes = []

    def second_file_fails(path, mode="r", *args, **kwargs):  # the first artifact fits, the second not
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode:
            writes.append(Path(path).name)
            if len(writes) == 2:
                return _FullDisk(handle)
        return handle

    monkeypatch.setattr(models.engine.store_files, "open", second_file_fails, raising=False)
    with pytest.raises(LabError, match="is full: free some space"):
        store.finish_success(run_id, _result())
    assert len(writes) == 2
    assert _files(store, run_id) == {"data.csv": b"t,v\n1,2\n"}  # first artifact removed, no temporary
    record = store.get_run(run_id, "alice")
    assert (record.state, record.metrics, record.artifacts) == ("running", None, ("data.csv",))
    monkeypatch.undo()
    assert store.finish(run_id, "failed", "full")  # the engine can still record the failure
    assert _integrity(lab_data_dir) == "ok"


def test_sqlite_reporting_a_full_disk_gives_the_same_plain_error(lab_data_dir):
    store = RunStore(lab_data_dir)
    with pytest.raises(LabError) as caught, Database(store.db_path, store.data_dir).plain_errors():
        raise sqlite3.OperationalError("database or disk is full")
    assert str(caught.value) == (f"The disk holding the data folder {store.data_dir} is full: free some "
                                 "space and try again.")


@pytest.mark.slow
def test_a_full_disk_at_the_end_of_a_run_fails_it_plainly_and_keeps_earlier_runs(lab_engine, lab_owner,
                                                                                 airline_csv, monkeypatch):
    store = lab_engine.store
    earlier = lab_engine.submit(TINY, airline_csv, "airline", lab_owner)
    kept = lab_engine.wait(earlier, lab_owner, timeout=90)
    assert kept.state == "succeeded", kept.error
    kept_files = _files(store, earlier)

    _fill_disk(monkeypatch, keep=("data.csv",))  # the upload still fits; the results do not
    run_id = lab_engine.submit(TINY, airline_csv, "airline", lab_owner)
    record = lab_engine.wait(run_id, lab_owner, timeout=90)
    assert record.state == "failed"
    assert record.error == (f"The run finished but its results could not be saved. The disk holding the "
                            f"data folder {store.data_dir} is full: free some space and try again.")
    assert record.metrics is None and record.artifacts == ("data.csv",)
    assert _files(store, run_id) == {"data.csv": airline_csv}  # no partial or temporary files
    monkeypatch.undo()

    assert _integrity(store.data_dir) == "ok"
    again = lab_engine.results(earlier, lab_owner)
    assert (again.state, again.metrics, again.artifacts) == ("succeeded", kept.metrics, kept.artifacts)
    assert _files(store, earlier) == kept_files
