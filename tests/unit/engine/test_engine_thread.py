"""The engine thread's bookkeeping, driven by hand with a real run store and finished futures."""

from __future__ import annotations

from models.engine.engine_thread import EngineThread
from models.engine.store import RunStore

WORKER = "tcp://127.0.0.1:40001"


class FinishedFuture:
    """A Dask future whose task has ended on its worker with a plain failure."""

    status = "finished"

    def done(self) -> bool:
        return True

    def result(self) -> dict:
        return {"state": "failed", "error": "Stopped on purpose."}

    def release(self) -> None:
        pass


class PendingFuture(FinishedFuture):
    status = "pending"

    def done(self) -> bool:
        return False


class HandDriven(EngineThread):
    """Only the state the event handlers use; no thread, no cluster."""

    def __init__(self, store: RunStore):
        self.store = store
        self._client = None
        self._futures, self._workers, self._cancel_sent, self._handed, self._waiting = {}, {}, {}, {}, {}
        self._unreachable = None


def first_run_ended_on_its_worker(tmp_path):
    """Two queued runs; the first started on WORKER and its task has ended, not yet stored."""
    store = RunStore(tmp_path)
    engine = HandDriven(store)
    first, second = (store.create_run(config={"kind": "forecast"}, owner="me") for _ in range(2))
    engine._futures = {first: FinishedFuture(), second: PendingFuture()}
    engine._record_event({"run_id": first, "kind": "started", "worker": WORKER})
    return store, engine, first, second


def test_a_run_started_before_the_previous_one_is_stored_never_shows_two_on_one_worker(tmp_path):
    store, engine, first, second = first_run_ended_on_its_worker(tmp_path)
    assert store.get_run(first, "me").state == "running"

    # The worker took the next run; its "started" event overtook the first run's "done" note.
    engine._record_event({"run_id": second, "kind": "started", "worker": WORKER})

    states = {run_id: store.get_run(run_id, "me").state for run_id in (first, second)}
    assert states == {first: "failed", second: "running"}
    assert engine._workers == {second: WORKER} and first not in engine._futures
    engine._finish(first)  # the late "done" note for the first run changes nothing
    assert store.get_run(first, "me").error == "Stopped on purpose."


def test_runs_on_other_workers_are_left_alone(tmp_path):
    store, engine, first, second = first_run_ended_on_its_worker(tmp_path)
    engine._record_event({"run_id": second, "kind": "started", "worker": "tcp://127.0.0.1:40002"})
    assert [store.get_run(run_id, "me").state for run_id in (first, second)] == ["running", "running"]


def test_runs_past_the_retention_period_go_with_their_files_and_active_ones_stay(tmp_path):
    from models.results import RunResult
    from models.settings import Settings, load_settings

    assert load_settings({"LSTMLAB_KEEP_DAYS": "30"}).keep_days == 30
    assert load_settings({}).keep_days is None  # off unless asked for
    store = RunStore(tmp_path)
    engine = HandDriven(store)
    old, recent, waiting = (store.create_run(config={"kind": "forecast"}, owner="me", data_bytes=b"t\n1\n")
                            for _ in range(3))
    for run_id in (old, recent):
        store.mark_running(run_id)
        store.finish_success(run_id, RunResult(kind="forecast", metrics={}, summary={}))
    with store._connect() as connection:
        connection.execute("UPDATE runs SET finished = finished - 31 * 86400 WHERE id = ?", (old,))
        connection.execute("UPDATE runs SET created = created - 40 * 86400 WHERE id = ?", (waiting,))

    engine.settings = Settings(data_dir=tmp_path)
    engine._forget_old_runs()  # retention off: nothing goes
    assert len(store.list_runs("me")) == 3
    engine.settings = Settings(data_dir=tmp_path, keep_days=30)
    engine._forget_old_runs()
    assert {record.id for record in store.list_runs("me")} == {recent, waiting}
    assert not (store.artifacts_dir / old).exists() and (store.artifacts_dir / recent).exists()
