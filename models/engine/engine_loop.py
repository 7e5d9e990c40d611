"""The job engine's background thread: takes the inbox's notes to the parts that act on them, and
keeps house on a timer (cancel requests from other processes, dispatching, heartbeats, recovery,
retention, contact with an external scheduler).

It owns every Dask call (through ``ClusterConnection`` and ``Dispatcher``); pages never call it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVarTuple

from models.engine.cluster import ClusterConnection
from models.engine.dispatcher import Dispatcher
from models.engine.inbox import Inbox
from models.engine.messages import Cancel, EpochReported, Message, RunStarted, Stop, Submit, TaskDone
from models.engine.records import FAILED
from models.engine.run_queue import RunQueue
from models.engine.store import RunStore
from models.results import EpochReport
from models.settings import Settings

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.2  # the thread's housekeeping period (cancel flags from other processes)
HEARTBEAT_SECONDS = 5.0
RECOVERY_SECONDS = 30.0  # how often the engine looks for runs of dead processes
RECONNECT_SECONDS = 3.0  # how often the engine tries an external scheduler it lost contact with


_Args = TypeVarTuple("_Args")


def guarded(function: Callable[[*_Args], object], *args: *_Args) -> None:
    """The engine thread must survive anything one run can throw at it."""
    try:
        function(*args)
    except Exception:
        logger.exception("Job engine step %s failed", getattr(function, "__name__", function))


def forget_old_runs(store: RunStore, keep_days: int | None) -> None:
    """The retention setting: finished runs older than ``keep_days`` go, with their files."""
    if keep_days:
        removed = store.remove_finished_before(time.time() - keep_days * 86_400)
        if removed:
            logger.info("Deleted %d runs older than %d days", removed, keep_days)


class EngineLoop:
    """``run`` is the thread's body; ``ready`` is set once the cluster is up (or could not start)."""

    def __init__(self, *, settings: Settings, store: RunStore, identity: str, inbox: Inbox,
                 connection: ClusterConnection, line: RunQueue, dispatcher: Dispatcher):
        self.settings = settings
        self.store = store
        self.identity = identity
        self.inbox = inbox
        self.connection = connection
        self.line = line
        self.dispatcher = dispatcher
        self.ready = threading.Event()

    def run(self) -> None:
        self.connection.start()
        self.ready.set()
        guarded(forget_old_runs, self.store, self.settings.keep_days)
        now = time.monotonic()
        next_tick, next_heartbeat, next_recovery = now, now, now + RECOVERY_SECONDS
        next_contact = now + RECONNECT_SECONDS
        try:
            while True:
                notes = self.inbox.take(timeout=max(0.0, next_tick - time.monotonic()))
                if any(isinstance(note, Stop) for note in notes):
                    break
                self.handle(notes)
                now = time.monotonic()
                if now < next_tick:
                    continue
                next_tick = now + TICK_SECONDS
                if self.settings.scheduler and now >= next_contact:
                    next_contact = now + RECONNECT_SECONDS
                    guarded(self.connection.keep_in_contact)
                self._tick(now)
                if now >= next_heartbeat:
                    next_heartbeat = now + HEARTBEAT_SECONDS
                    guarded(self.store.heartbeat, self.identity)
                if now >= next_recovery:
                    next_recovery = now + RECOVERY_SECONDS
                    guarded(self.store.recover_interrupted, self.identity, False)
                    guarded(forget_old_runs, self.store, self.settings.keep_days)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Every run this engine still holds becomes interrupted; the cluster stops."""
        guarded(self.dispatcher.interrupt_all)
        self.connection.close()

    def _tick(self, now: float) -> None:
        if self.dispatcher.tasks or self.line:
            guarded(self.dispatcher.forward_store_cancels)  # first: a cancelled run never starts
        if self.line:
            guarded(self.dispatcher.dispatch)
        if self.dispatcher.tasks and self.connection.in_contact:
            guarded(self.dispatcher.enforce_cancel_grace, now)

    def handle(self, notes: list[Message]) -> None:
        """Act on notes in order; consecutive epoch reports of a run go to the store in one
        transaction (a fast run can report hundreds of epochs per second)."""
        epochs: dict[str, list[EpochReport]] = {}

        def flush() -> None:
            for run_id, reports in epochs.items():
                guarded(self.store.add_epochs, run_id, reports)
            epochs.clear()

        for note in notes:
            if isinstance(note, EpochReported):
                if note.run_id in self.dispatcher.tasks:  # else another engine's run, or over
                    epochs.setdefault(note.run_id, []).append(note.report)
                continue
            flush()
            guarded(self._act_on, note)
        flush()

    def _act_on(self, note: Message) -> None:
        match note:
            case Submit(job=job):
                # Into the line; it goes to Dask when a worker thread is free.
                if self.connection.error:
                    self.store.finish(job.run_id, FAILED, self.connection.error)
                    return
                self.line.add(job, self.store.queue_turn(job.run_id))
                self.dispatcher.dispatch()
            case RunStarted():
                self.dispatcher.started(note)
            case TaskDone(run_id=run_id):
                self.dispatcher.finish(run_id)
                self.dispatcher.dispatch()  # a worker thread is free
            case Cancel(run_id=run_id):
                self.dispatcher.cancel(run_id)
