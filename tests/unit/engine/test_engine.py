"""The job engine with a real LocalCluster (one warm worker, shared: ``lab_engine``) and real tiny
Keras fits of the airline series: lifecycle, queue, cancel, a killed worker, limits, ownership."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
from engine_runs import LONG, TINY, wait_for

from models.engine.engine import JobEngine
from models.engine.worker import WORKER_LOST
from models.errors import DataError, LabError, LimitError, RunNotFound
from models.settings import Settings

pytestmark = pytest.mark.slow



def test_a_run_goes_queued_running_succeeded_with_progress_in_order(lab_engine, lab_owner, airline_csv):
    had_tensorflow = "tensorflow" in sys.modules
    run_id = lab_engine.submit(TINY, airline_csv, "airline-passengers.csv", lab_owner)
    states, epochs_seen = [], []
    record = lab_engine.status(run_id, lab_owner)
    while True:
        if not states or states[-1] != record.state:
            states.append(record.state)
        epochs_seen.append(record.epochs_done)
        if not record.active:
            break
        time.sleep(0.01)
        record = lab_engine.status(run_id, lab_owner)
    assert states == ["queued", "running", "succeeded"], record.error
    assert epochs_seen == sorted(epochs_seen) and epochs_seen[-1] == TINY.epochs
    history = lab_engine.progress(run_id, lab_owner)
    assert [report.epoch for report in history] == list(range(1, TINY.epochs + 1))
    assert all(report.elapsed >= 0 and report.loss is not None for report in history)
    assert [report.elapsed for report in history] == sorted(report.elapsed for report in history)
    assert record.metrics.network.test_rmse > 0 and record.fit_seconds > 0
    assert {"data.csv", "predictions.csv"} <= set(record.artifacts)
    assert lab_engine.artifact(run_id, "data.csv", lab_owner) == airline_csv
    assert lab_engine.artifact(run_id, "predictions.csv", lab_owner).count(b"\n") > 10
    assert record.started >= record.created and record.finished >= record.started
    if not had_tensorflow:  # other test modules may have loaded it in this process on purpose
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules


def test_three_runs_on_one_worker_wait_in_line_and_all_finish(lab_engine, lab_owner, airline_csv):
    ids = [lab_engine.submit(TINY.replace(seed=seed), airline_csv, "airline", lab_owner)
           for seed in (1, 2, 3)]
    snapshot = {record.id: record for record in lab_engine.list_runs(lab_owner)}  # one consistent read
    waiting = [snapshot[run_id] for run_id in ids if snapshot[run_id].state == "queued"]
    assert len(waiting) >= 2  # one worker: at most the first may have started already
    assert [record.queue_position for record in waiting] == list(range(1, len(waiting) + 1))
    assert [record.id for record in waiting] == ids[-len(waiting):]
    wait_for(lab_engine, ids[0], lab_owner, lambda record: record.state == "running")
    assert [lab_engine.status(run_id, lab_owner).queue_position for run_id in ids[1:]] == [1, 2]
    finished = [lab_engine.wait(run_id, lab_owner, timeout=120) for run_id in ids]
    assert [record.state for record in finished] == ["succeeded"] * 3
    # One at a time on the single worker, first come first served.
    for earlier, later in zip(finished, finished[1:], strict=False):
        assert later.started >= earlier.finished - 0.5


def test_another_owner_waits_behind_one_run_however_many_the_first_owner_queued(
        lab_engine, lab_owner, airline_csv):
    first = [lab_engine.submit(TINY.replace(seed=seed), airline_csv, "airline", lab_owner)
             for seed in (1, 2, 3)]
    other = lab_engine.submit(TINY, airline_csv, "airline", "someone-else")
    assert lab_engine.status(other, "someone-else").queue_position <= 2
    ended = {run_id: lab_engine.wait(run_id, lab_owner, timeout=120, everyone=True)
             for run_id in (*first, other)}
    assert all(record.state == "succeeded" for record in ended.values())
    order = sorted(ended, key=lambda run_id: ended[run_id].started)
    assert order == [first[0], other, first[1], first[2]]  # round-robin by owner on one worker


def test_cancel_stops_a_running_fit_within_two_seconds_and_frees_the_worker(
        lab_engine, lab_owner, airline_csv):
    run_id = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    waiting = lab_engine.submit(TINY, airline_csv, "airline", lab_owner)
    never = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    assert lab_engine.cancel(never, lab_owner).state == "cancelled"  # queued: at once
    wait_for(lab_engine, run_id, lab_owner, lambda record: record.epochs_done >= 2)
    started = time.monotonic()
    lab_engine.cancel(run_id, lab_owner)
    record = wait_for(lab_engine, run_id, lab_owner, lambda record: not record.active, timeout=30)
    took = time.monotonic() - started
    print(f"cancel -> cancelled in {took:.2f} s after {record.epochs_done} of {LONG.epochs} epochs")
    assert record.state == "cancelled" and record.epochs_done < LONG.epochs
    assert took < 2.0
    # The worker is free: the run that waited behind it starts and finishes; the cancelled one never ran.
    assert lab_engine.wait(waiting, lab_owner, timeout=60).state == "succeeded"
    assert lab_engine.status(never, lab_owner).started is None


def test_owner_limit_and_ownership(lab_engine, lab_owner, airline_csv, monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_QUEUED_PER_OWNER", "1")
    run_id = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    with pytest.raises(LimitError, match="1 runs waiting or running"):
        lab_engine.submit(TINY, airline_csv, "airline", lab_owner)
    other = lab_owner + "-other"
    with pytest.raises(RunNotFound):
        lab_engine.status(run_id, other)
    with pytest.raises(RunNotFound):
        lab_engine.cancel(run_id, other)
    # Other tests on the shared engine may have shared runs: those are visible to everyone.
    assert [record for record in lab_engine.list_runs(other) if not record.shared] == []
    assert run_id not in [record.id for record in lab_engine.list_runs(other)]
    assert [record.id for record in lab_engine.list_runs(lab_owner) if record.mine] == [run_id]
    with pytest.raises(DataError):
        lab_engine.submit(TINY, None, "nothing", other)
    lab_engine.cancel(run_id, lab_owner)
    assert lab_engine.wait(run_id, lab_owner, timeout=30).state == "cancelled"
    again = lab_engine.submit(TINY, airline_csv, "airline", lab_owner)  # the slot is free again
    assert lab_engine.cancel(again, lab_owner).state == "cancelled"  # still queued: at once


def test_a_killed_worker_gives_a_failed_run_with_a_plain_message(lab_engine, lab_owner, airline_csv):
    run_id = lab_engine.submit(LONG, airline_csv, "airline", lab_owner)
    record = wait_for(lab_engine, run_id, lab_owner, lambda record: record.epochs_done >= 1)
    pids = lab_engine.client.run(os.getpid, workers=[record.worker])
    os.kill(pids[record.worker], signal.SIGKILL)
    record = lab_engine.wait(run_id, lab_owner, timeout=60)
    assert (record.state, record.error) == ("failed", WORKER_LOST)
    # The nanny starts a fresh worker (warmed again by the plugin) and the engine thread lives on.
    lab_engine.client.wait_for_workers(1, timeout=60)
    assert lab_engine.ready and lab_engine.error is None
    assert lab_engine.status(run_id, lab_owner).state == "failed"  # no silent re-run


def test_unreachable_scheduler_gives_a_plain_error(tmp_path, monkeypatch, lab_owner, airline_csv):
    monkeypatch.setattr("models.engine.cluster.CONNECT_TIMEOUT", "1s")
    engine = JobEngine(Settings(data_dir=tmp_path, scheduler="tcp://127.0.0.1:9"), warm=False)
    try:
        with pytest.raises(LabError, match="Cannot start background training on tcp://127.0.0.1:9"):
            engine.wait_ready(timeout=30)
        with pytest.raises(LabError, match="LSTMLAB_SCHEDULER"):
            engine.submit(TINY, airline_csv, "airline", lab_owner)
    finally:
        engine.close()


def _listening_addresses() -> list[str]:
    import psutil

    return [connection.laddr.ip for connection in psutil.Process().net_connections(kind="inet")
            if connection.status == psutil.CONN_LISTEN]


def _scheduler_listening(dask_scheduler) -> list[str]:
    addresses = [dask_scheduler.address]
    addresses += [f"tcp://{socket.getsockname()[0]}:{socket.getsockname()[1]}"
                  for socket in dask_scheduler.http_server._sockets.values()]
    return addresses


def test_the_embedded_cluster_listens_on_loopback_only(lab_engine):
    for addresses in lab_engine.client.run(_listening_addresses).values():
        assert addresses and set(addresses) == {"127.0.0.1"}
    scheduler = lab_engine.client.run_on_scheduler(_scheduler_listening)
    assert all(address.startswith("tcp://127.0.0.1:") for address in scheduler), scheduler
    assert not any(address.endswith(":8787") for address in scheduler)  # no dashboard
