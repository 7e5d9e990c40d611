"""The engine thread's parts driven by hand, with a real run store and no cluster: the dispatcher's
bookkeeping of finished tasks, the waiting line's order, the typed notes and the retention setting."""

from __future__ import annotations

from types import SimpleNamespace

from models.engine.dispatcher import Dispatcher, TaskOnDask
from models.engine.engine_loop import EngineLoop, forget_old_runs
from models.engine.inbox import Inbox
from models.engine.messages import (
    Cancel,
    EpochReported,
    Job,
    RunStarted,
    Submit,
    TaskDone,
    from_worker_event,
    task_key,
    worker_event,
)
from models.engine.run_queue import Place, RunQueue
from models.engine.store import RunStore
from models.results import EpochReport

WORKER = "tcp://127.0.0.1:40001"


class FinishedFuture:
    """A Dask future whose task has ended on its worker with a plain failure."""

    status = "finished"

    def done(self) -> bool:
        return True

    def result(self):
        from models.engine.messages import JobOutcome

        return JobOutcome.failed("Stopped on purpose.")

    def release(self) -> None:
        pass


class PendingFuture(FinishedFuture):
    status = "pending"

    def done(self) -> bool:
        return False


NO_CLUSTER = SimpleNamespace(in_contact=False, client=None, error=None)


def hand_driven(store: RunStore) -> Dispatcher:
    return Dispatcher(store, NO_CLUSTER, RunQueue(), on_done=None)


def on_dask(run_id: str, future) -> TaskOnDask:
    return TaskOnDask(Place(0, 1, Job(run_id, {"kind": "forecast"}, None, None)), future)


def first_run_ended_on_its_worker(tmp_path):
    """Two queued runs; the first started on WORKER and its task has ended, not yet stored."""
    store = RunStore(tmp_path)
    dispatcher = hand_driven(store)
    first, second = (store.create_run(config={"kind": "forecast"}, owner="me") for _ in range(2))
    dispatcher.tasks = {first: on_dask(first, FinishedFuture()), second: on_dask(second, PendingFuture())}
    dispatcher.started(RunStarted(first, WORKER))
    return store, dispatcher, first, second


def test_a_run_started_before_the_previous_one_is_stored_never_shows_two_on_one_worker(tmp_path):
    store, dispatcher, first, second = first_run_ended_on_its_worker(tmp_path)
    assert store.get_run(first, "me").state == "running"

    # The worker took the next run; its "started" event overtook the first run's "done" note.
    dispatcher.started(RunStarted(second, WORKER))

    states = {run_id: store.get_run(run_id, "me").state for run_id in (first, second)}
    assert states == {first: "failed", second: "running"}
    assert list(dispatcher.tasks) == [second] and dispatcher.tasks[second].worker == WORKER
    dispatcher.finish(first)  # the late "done" note for the first run changes nothing
    assert store.get_run(first, "me").error == "Stopped on purpose."


def test_runs_on_other_workers_are_left_alone(tmp_path):
    store, dispatcher, first, second = first_run_ended_on_its_worker(tmp_path)
    dispatcher.started(RunStarted(second, "tcp://127.0.0.1:40002"))
    assert [store.get_run(run_id, "me").state for run_id in (first, second)] == ["running", "running"]


def test_a_waiting_run_cancelled_leaves_the_line_and_never_starts(tmp_path):
    store = RunStore(tmp_path)
    dispatcher = hand_driven(store)
    run_id = store.create_run(config={"kind": "forecast"}, owner="me")
    dispatcher.line.add(Job(run_id, {"kind": "forecast"}, None, None), turn=0)
    dispatcher.cancel(run_id)
    assert run_id not in dispatcher.line and store.get_run(run_id, "me").state == "cancelled"


def test_the_line_goes_round_robin_by_turn_then_first_come_first_served():
    line = RunQueue()
    for run_id, turn in (("a1", 0), ("a2", 1), ("a3", 2), ("b1", 0), ("b2", 1)):
        line.add(Job(run_id, {}, None, None), turn)
    assert [place.run_id for place in line.take_first(3)] == ["a1", "b1", "a2"]
    assert list(line) == ["a3", "b2"] and len(line) == 2
    assert line.take("a3").run_id == "a3" and line.take("a3") is None
    assert line.take_first(-1) == [] and list(line) == ["b2"]


def test_worker_events_travel_as_plain_dicts_and_come_back_typed():
    report = EpochReport(epoch=2, epochs=5, loss=0.25)
    for event in (RunStarted("run-1", WORKER, 42), EpochReported("run-1", report)):
        payload = worker_event(event)
        assert all(isinstance(key, str) for key in payload)
        assert from_worker_event(payload) == event
    assert from_worker_event({"run_id": "run-1", "kind": "epoch", "report": {"nonsense": 1}}) is None
    assert from_worker_event({"kind": "something new"}) is None
    assert from_worker_event("not a dict") is None


def test_the_inbox_hands_over_typed_notes_and_epochs_of_a_run_are_stored_together(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create_run(config={"kind": "forecast"}, owner="me")
    inbox = Inbox()
    dispatcher = hand_driven(store)
    dispatcher.tasks = {run_id: on_dask(run_id, PendingFuture())}
    for epoch in (1, 2, 3):
        report = EpochReport(epoch=epoch, epochs=3, loss=0.5)
        inbox.on_worker_event((0.0, worker_event(EpochReported(run_id, report))))
    inbox.on_worker_event((0.0, {"kind": "epoch", "run_id": "someone-elses-run"}))  # malformed: dropped
    inbox.on_task_done(SimpleNamespace(key=task_key(run_id)))
    notes = inbox.take(timeout=0)
    assert [type(note) for note in notes] == [EpochReported] * 3 + [TaskDone]
    assert notes[-1] == TaskDone(run_id) and inbox.take(timeout=0) == []

    loop = EngineLoop(settings=None, store=store, identity="me", inbox=inbox, connection=NO_CLUSTER,
                      line=dispatcher.line, dispatcher=dispatcher)
    loop.handle(notes[:3])
    assert [report.epoch for report in store.history(run_id, "me")] == [1, 2, 3]
    assert store.get_run(run_id, "me").state == "running"


def test_notes_are_matched_by_type(tmp_path):
    store = RunStore(tmp_path)
    seen = []
    dispatcher = SimpleNamespace(tasks={}, dispatch=lambda: seen.append("dispatch"),
                                 started=lambda note: seen.append(note),
                                 finish=lambda run_id: seen.append(("finish", run_id)),
                                 cancel=lambda run_id: seen.append(("cancel", run_id)))
    line = RunQueue()
    loop = EngineLoop(settings=None, store=store, identity="me", inbox=Inbox(), connection=NO_CLUSTER,
                      line=line, dispatcher=dispatcher)
    run_id = store.create_run(config={"kind": "forecast"}, owner="me")
    job = Job(run_id, {"kind": "forecast"}, None, None)
    loop.handle([Submit(job), RunStarted(run_id, WORKER), TaskDone(run_id), Cancel(run_id)])
    assert seen == ["dispatch", RunStarted(run_id, WORKER), ("finish", run_id), "dispatch",
                    ("cancel", run_id)]
    assert list(line) == [run_id]


def test_runs_past_the_retention_period_go_with_their_files_and_active_ones_stay(tmp_path):
    import sqlite3

    from models.results import RunResult
    from models.settings import load_settings

    assert load_settings({"LSTMLAB_KEEP_DAYS": "30"}).keep_days == 30
    assert load_settings({}).keep_days is None  # off unless asked for
    store = RunStore(tmp_path)
    old, recent, waiting = (store.create_run(config={"kind": "forecast"}, owner="me", data_bytes=b"t\n1\n")
                            for _ in range(3))
    for run_id in (old, recent):
        store.mark_running(run_id)
        store.finish_success(run_id, RunResult(kind="forecast", metrics={}, summary={}))
    with sqlite3.connect(store.db_path) as connection:
        connection.execute("UPDATE runs SET finished = finished - 31 * 86400 WHERE id = ?", (old,))
        connection.execute("UPDATE runs SET created = created - 40 * 86400 WHERE id = ?", (waiting,))

    forget_old_runs(store, None)  # retention off: nothing goes
    assert len(store.list_runs("me")) == 3
    forget_old_runs(store, 30)
    assert {record.id for record in store.list_runs("me")} == {recent, waiting}
    assert not (store.artifacts_dir / old).exists() and (store.artifacts_dir / recent).exists()
