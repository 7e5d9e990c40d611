"""The job engine's dispatcher: hands waiting runs to Dask when a worker thread is free, follows each
task until it ends, forwards cancel requests to it, and stores how it ended.

Used by the engine thread only (``models.engine.engine_loop``); every Dask call about a run is here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from distributed import Future
from distributed.scheduler import KilledWorker

from models.engine.cluster import ClusterConnection
from models.engine.messages import JobOutcome, RunStarted, task_key
from models.engine.records import CANCELLED, FAILED, INTERRUPTED, INTERRUPTED_MESSAGE, SUCCEEDED
from models.engine.run_queue import Place, RunQueue
from models.engine.store import RunStore
from models.engine.worker import (
    WORKER_LOST,
    attempt_event_name,
    cancel_event_name,
    run_flag,
    run_job,
    unexpected_error_message,
)
from models.errors import LabError

logger = logging.getLogger(__name__)

CANCEL_GRACE_SECONDS = 10.0  # a run that ignores its cancel flag this long gets its worker restarted
LOST_SCHEDULER = "Lost contact with the Dask scheduler before the run could finish; try again."


@dataclass
class TaskOnDask:
    """A run handed to Dask and not finished yet."""

    place: Place  # back in line if a lost scheduler drops the task before it starts
    future: Future[JobOutcome]
    worker: str | None = None  # the worker's address, once the run started there
    cancel_sent: float | None = None  # monotonic time the run's cancel Event was set


class Dispatcher:
    """Runs of ``line`` onto ``connection``'s cluster, outcomes into ``store``.

    ``on_done`` is given every task's future, called on Dask's callback thread when it ends (the
    engine turns it into a ``TaskDone`` note and calls ``finish`` on its own thread).
    """

    def __init__(self, store: RunStore, connection: ClusterConnection, line: RunQueue,
                 on_done: Callable[[Future[JobOutcome]], None]):
        self.store = store
        self.connection = connection
        self.line = line
        self.tasks: dict[str, TaskOnDask] = {}
        self._on_done = on_done

    def dispatch(self) -> None:
        """Hand waiting runs to Dask while the cluster has idle threads, in the line's order."""
        if not self.line or not self.connection.in_contact:
            return
        idle = self.connection.idle_threads([task_key(run_id) for run_id in self.tasks])
        for place in self.line.take_first(idle):
            self._hand_over(place)

    def _hand_over(self, place: Place) -> None:
        try:
            # Priority for schedulers shared with other engines: earlier rounds first.
            client = self.connection.connected_client()
            future = client.submit(run_job, place.job, key=task_key(place.run_id), pure=False, retries=0,
                                   priority=-place.turn)
        except Exception:
            logger.exception("Could not submit run %s", place.run_id)
            self.store.finish(place.run_id, FAILED, LOST_SCHEDULER)
            return
        self.tasks[place.run_id] = TaskOnDask(place, future)
        future.add_done_callback(self._on_done)  # type: ignore[no-untyped-call]  # distributed: unannotated

    def started(self, event: RunStarted) -> None:
        """A run started on a worker (runs of other engines on a shared scheduler are ignored)."""
        task = self.tasks.get(event.run_id)
        if task is None:  # another engine's run, or already done
            return
        # The run this worker finished just before may not be stored yet: Dask hands its "done" to a
        # callback thread, while this event came straight off the scheduler's stream, after the
        # finished state. Store it first, so the store never shows more runs training than there
        # are workers.
        for earlier, other in list(self.tasks.items()):
            if (other.worker == event.worker and earlier != event.run_id
                    and other.future.done()):  # type: ignore[no-untyped-call]  # distributed: unannotated
                self.finish(earlier)
        task.worker = event.worker
        self.store.mark_running(event.run_id, worker=event.worker or None)

    def finish(self, run_id: str) -> None:
        """The run's task ended: store its outcome (or put it back in line if a lost scheduler
        dropped it before it started)."""
        task = self.tasks.pop(run_id, None)
        if task is None:
            return
        asked = task.cancel_sent is not None
        if task.future.status == "cancelled" and not asked and task.worker is None:
            self.line.put_back(task.place)  # dropped by a lost scheduler before it started: wait again
            return
        try:
            self._store_outcome(run_id, task.future, asked)
        except Exception as error:  # e.g. the disk is full: the run must not stay "running"
            logger.exception("Could not store the outcome of run %s", run_id)
            message = (f"The run finished but its results could not be saved. {error}"
                       if isinstance(error, LabError) else unexpected_error_message(error))
            try:
                self.store.finish(run_id, FAILED, message)
            except Exception:
                logger.exception("Could not mark run %s failed", run_id)
        finally:
            task.future.release()  # type: ignore[no-untyped-call]  # distributed: unannotated
            for name in (cancel_event_name(run_id), attempt_event_name(run_id)) \
                    if self.connection.in_contact else ():
                try:
                    run_flag(name, self.connection.client).clear()  # frees the scheduler's memory
                except Exception:
                    logger.debug("Could not clear event %s", name, exc_info=True)

    def _store_outcome(self, run_id: str, future: Future[JobOutcome], asked: bool) -> None:
        """Turn a finished future into the run's final state (``asked``: someone cancelled it)."""
        if future.status == "cancelled":
            # Cancelled by us (on request) or dropped by a scheduler we lost contact with.
            self.store.finish(run_id, CANCELLED if asked else FAILED, None if asked else LOST_SCHEDULER)
            return
        if future.status == "error":
            error = future.exception()  # type: ignore[no-untyped-call]  # distributed: unannotated
            lost = isinstance(error, KilledWorker)
            self.store.finish(run_id, FAILED, WORKER_LOST if lost else unexpected_error_message(error))
            return
        try:
            outcome: JobOutcome = future.result()
        except Exception:  # the worker vanished between finishing and handing over its result
            logger.exception("Could not fetch the result of run %s", run_id)
            self.store.finish(run_id, FAILED, WORKER_LOST)
            return
        if outcome.state == SUCCEEDED and outcome.result is not None:
            self.store.finish_success(run_id, outcome.result)
        elif outcome.state == CANCELLED:
            self.store.finish(run_id, CANCELLED)
        else:
            self.store.finish(run_id, FAILED, outcome.error or WORKER_LOST)

    def cancel(self, run_id: str) -> None:
        """Tell the worker to stop (its cancel Event); a run that has not started is simply dropped."""
        if self.line.take(run_id) is not None:  # never handed to Dask
            self.store.finish(run_id, CANCELLED)
            return
        task = self.tasks.get(run_id)
        if task is None or task.cancel_sent is not None:
            return
        run_flag(cancel_event_name(run_id), self.connection.client).set()
        task.cancel_sent = time.monotonic()
        if task.worker is None:  # still waiting on the scheduler (or starting right now)
            client = self.connection.connected_client()
            client.cancel(task.future)  # type: ignore[no-untyped-call]  # distributed: unannotated
            self.store.finish(run_id, CANCELLED)

    def forward_store_cancels(self) -> None:
        """Cancel requests written to the store by other processes (CLI, another server thread)."""
        # Runs on Dask only while in contact: telling their workers needs the scheduler.
        handed = [run_id for run_id, task in self.tasks.items() if task.cancel_sent is None] \
            if self.connection.in_contact else []
        for run_id in self.store.cancel_requested([*handed, *self.line]):
            self.cancel(run_id)

    def enforce_cancel_grace(self, now: float) -> None:
        """A run that ignores its cancel flag: restart its worker so the worker is free again."""
        for run_id, task in list(self.tasks.items()):
            if task.worker and task.cancel_sent is not None and now - task.cancel_sent > CANCEL_GRACE_SECONDS:
                logger.warning("Run %s ignored its cancel flag; restarting worker %s", run_id, task.worker)
                self.store.finish(run_id, CANCELLED)
                task.cancel_sent = float("inf")  # only once
                threading.Thread(target=self._restart_worker, args=(task.worker,), daemon=True).start()

    def _restart_worker(self, worker: str) -> None:
        try:
            self.connection.connected_client().restart_workers([worker], raise_for_error=False)
        except Exception:
            logger.exception("Could not restart worker %s", worker)

    def interrupt_all(self) -> None:
        """The engine stops: every run it still holds, on Dask or waiting, becomes interrupted."""
        for run_id in [*self.tasks, *self.line]:
            try:
                self.store.finish(run_id, INTERRUPTED, INTERRUPTED_MESSAGE)
            except Exception:
                logger.exception("Could not mark run %s interrupted", run_id)
        self.tasks.clear()
        self.line.clear()
