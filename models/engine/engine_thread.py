"""The job engine's own thread: every Dask call, worker events into store rows, cancels, outcomes.

A mixin of ``JobEngine`` (``models.engine.engine``), which owns the state these methods use; pages
never call anything here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import dask
from distributed import Client, Event, LocalCluster
from distributed.scheduler import KilledWorker

from models.engine.store import (
    CANCELLED,
    FAILED,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
)
from models.engine.worker import (
    TOPIC,
    WORKER_LOST,
    WarmUp,
    attempt_event_name,
    cancel_event_name,
    run_job,
    unexpected_error_message,
)
from models.errors import LabError
from models.results import EpochReport, RunResult

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.2  # the engine thread's housekeeping period (cancel flags from other processes)
HEARTBEAT_SECONDS = 5.0
RECOVERY_SECONDS = 30.0  # how often the engine looks for runs of dead processes
CONNECT_TIMEOUT = "15s"  # to reach LSTMLAB_SCHEDULER
RECONNECT_SECONDS = 3.0  # how often the engine tries an external scheduler it lost contact with
RECONNECT_TIMEOUT = "2s"  # one try (the engine thread waits for it; nothing else runs meanwhile)
CANCEL_GRACE_SECONDS = 10.0  # a run that ignores its cancel flag this long gets its worker restarted
LOST_SCHEDULER = "Lost contact with the Dask scheduler before the run could finish; try again."


def unreachable_message(address: str) -> str:
    return (f"The Dask scheduler at {address} cannot be reached: waiting runs start when it is back, "
            "runs that were training there have stopped.")

# Dask settings of the embedded cluster:
# - allowed-failures 0: a task whose worker died is not re-run; it fails with KilledWorker;
# - work-stealing off: with one run per worker there is nothing to rebalance.
# The order in which runs start is the engine's own (``_dispatch``), not Dask's: Dask sends a task to
# a worker as soon as it arrives unless its group is large, and a run that waits on a worker can no
# longer be overtaken by another owner's first run.
_LOCAL_DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.work-stealing": False,
}


def _busy_threads(keys: list[str], dask_scheduler) -> tuple[int, int]:
    """(threads of the cluster, tasks it is running or holding): runs on the scheduler. ``keys``
    are the caller's runs handed to Dask: one the scheduler has not received yet (submissions travel
    on another connection than this question) counts as busy too."""
    threads = sum(worker.nthreads for worker in dask_scheduler.workers.values())
    holding = sum(len(worker.processing) for worker in dask_scheduler.workers.values())
    unseen = sum(1 for key in keys if key not in dask_scheduler.tasks)
    return threads, holding + len(dask_scheduler.queued) + len(dask_scheduler.unrunnable) + unseen


class EngineThread:
    """The engine thread's loop and handlers (see ``models.engine.engine.JobEngine``)."""

    def _main(self) -> None:
        try:
            self._start_dask()
        except Exception as error:
            logger.exception("The job engine could not start")
            where = self.settings.scheduler or "the embedded cluster"
            self._error = (f"Cannot start background training on {where} ({type(error).__name__}); "
                           "check LSTMLAB_SCHEDULER or the server log.")
        self._ready.set()
        self._guarded(self._forget_old_runs)
        now = time.monotonic()
        next_tick, next_heartbeat, next_recovery = now, now, now + RECOVERY_SECONDS
        next_contact = now + RECONNECT_SECONDS
        try:
            while True:
                items = self._take_inbox(timeout=max(0.0, next_tick - time.monotonic()))
                if any(item[0] == "stop" for item in items):
                    break
                self._handle_all(items)
                now = time.monotonic()
                if now < next_tick:
                    continue
                next_tick = now + TICK_SECONDS
                if self.settings.scheduler and now >= next_contact:
                    next_contact = now + RECONNECT_SECONDS
                    self._guarded(self._keep_in_contact)
                if self._futures or self._waiting:
                    self._guarded(self._forward_store_cancels)  # first: a cancelled run never starts
                if self._waiting:
                    self._guarded(self._dispatch)
                if self._futures and self._in_contact():
                    self._guarded(self._enforce_cancel_grace, now)
                if now >= next_heartbeat:
                    next_heartbeat = now + HEARTBEAT_SECONDS
                    self._guarded(self.store.heartbeat, self.identity)
                if now >= next_recovery:
                    next_recovery = now + RECOVERY_SECONDS
                    self._guarded(self.store.recover_interrupted, self.identity, False)
                    self._guarded(self._forget_old_runs)
        finally:
            self._shutdown()

    def _forget_old_runs(self) -> None:
        """The retention setting: finished runs older than ``keep_days`` go, with their files."""
        if self.settings.keep_days:
            removed = self.store.remove_finished_before(time.time() - self.settings.keep_days * 86_400)
            if removed:
                logger.info("Deleted %d runs older than %d days", removed, self.settings.keep_days)

    def _take_inbox(self, timeout: float, most: int = 1000) -> list[tuple]:
        """Wait up to ``timeout`` for one note, then take every note already waiting (a batch)."""
        try:
            items = [self._inbox.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(items) < most:
            try:
                items.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return items

    def _handle_all(self, items: list[tuple]) -> None:
        """Handle notes in order; consecutive epoch reports of a run go to the store in one
        transaction (a fast run can report hundreds of epochs per second)."""
        epochs: dict[str, list[EpochReport]] = {}

        def flush() -> None:
            for run_id, reports in epochs.items():
                self._guarded(self.store.add_epochs, run_id, reports)
            epochs.clear()

        for item in items:
            message = item[1] if item[0] == "event" else {}
            if message.get("kind") == "epoch" and message.get("run_id") in self._futures:
                try:
                    epochs.setdefault(message["run_id"], []).append(EpochReport.from_dict(message["report"]))
                except (KeyError, TypeError):
                    logger.warning("Ignoring a malformed progress message: %r", message)
                continue
            flush()
            self._guarded(self._handle, item)
        flush()

    @staticmethod
    def _guarded(function, *args) -> None:
        """The engine thread must survive anything one run can throw at it."""
        try:
            function(*args)
        except Exception:
            logger.exception("Job engine step %s failed", getattr(function, "__name__", function))

    def _start_dask(self, timeout: str = CONNECT_TIMEOUT) -> None:
        if self.settings.scheduler:
            self._client = Client(self.settings.scheduler, timeout=timeout, set_as_default=False)
        else:
            with dask.config.set(_LOCAL_DASK_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=self.settings.workers, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None, worker_dashboard_address=None,
                    # The scheduler always serves a small HTTP endpoint: keep it on loopback, random port.
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster, set_as_default=False)
        self._client.subscribe_topic(TOPIC, self._on_event)
        if self._warm:
            self._client.register_plugin(WarmUp(), name=WarmUp.name)

    def _keep_in_contact(self) -> None:
        """External scheduler: notice that it is gone, and connect again once it is back.

        Dask's client retries for a while by itself, then closes. Either way the engine then starts
        a fresh client, which subscribes to the runs' events again. Runs in the engine's line wait
        meanwhile; the pages show ``unreachable``."""
        status = None if self._client is None else self._client.status
        if status == "running" and not self._unreachable:
            return
        if not self._unreachable:
            logger.warning("Lost contact with the Dask scheduler at %s", self.settings.scheduler)
            self._unreachable = unreachable_message(self.settings.scheduler)
        if status == "connecting":  # Dask's own retries are still going on
            return
        if self._client is not None:
            try:
                self._client.close(timeout=1)
            except Exception:
                logger.debug("Closing the lost client failed", exc_info=True)
            self._client = None
        try:
            self._start_dask(timeout=RECONNECT_TIMEOUT)
        except Exception as error:
            self._client = None
            logger.info("The Dask scheduler is still unreachable (%s)", type(error).__name__)
            return
        self._error = None  # an engine that could not start at all recovers too
        self._unreachable = None
        logger.warning("Connected to the Dask scheduler at %s again", self.settings.scheduler)

    def _on_event(self, event: tuple[float, dict]) -> None:
        """Runs on the Dask client's event loop: hand over to the engine thread, nothing else."""
        self._inbox.put(("event", event[1]))

    def _on_done(self, future) -> None:
        """Runs on Dask's callback thread when a run's future finished, erred or was cancelled."""
        self._inbox.put(("done", future.key))

    def _handle(self, item: tuple) -> None:
        kind = item[0]
        if kind == "submit":
            self._submit(*item[1:])
        elif kind == "event":
            self._record_event(item[1])
        elif kind == "done":
            self._finish(_run_id_of(item[1]))
            self._dispatch()  # a worker thread is free
        elif kind == "cancel":
            self._forward_cancel(item[1])

    def _submit(self, run_id: str, config: dict, data: bytes | None, data_name: str | None) -> None:
        """Put a run in the engine's line; it goes to Dask when a worker thread is free."""
        if self._error:
            self.store.finish(run_id, FAILED, self._error)
            return
        spec = {"run_id": run_id, "config": config, "data": data, "data_name": data_name}
        self._arrivals += 1
        self._waiting[run_id] = (self.store.queue_turn(run_id), self._arrivals, spec)
        self._dispatch()

    def _in_contact(self) -> bool:
        return self._client is not None and self._client.status == "running" and not self._unreachable

    def _dispatch(self) -> None:
        """Hand waiting runs to Dask while the cluster has idle threads, in the store's queue order:
        round-robin by owner (everyone's first waiting run before anyone's second), first come first
        served within a round. Asked of the scheduler itself, so several engines (the server, CLI
        runners) sharing one cluster do not pile runs onto busy workers."""
        if not self._waiting or not self._in_contact():
            return
        keys = [_key_of(run_id) for run_id in self._futures]
        threads, busy = self._client.run_on_scheduler(_busy_threads, keys)
        for run_id in sorted(self._waiting, key=self._waiting.get)[:max(0, threads - busy)]:
            self._hand_to_dask(run_id, self._waiting.pop(run_id))

    def _hand_to_dask(self, run_id: str, entry: tuple) -> None:
        turn, _, spec = entry
        self._handed[run_id] = entry  # back in line if the scheduler is lost before it starts
        try:
            # Priority for schedulers shared with other engines: earlier rounds first.
            future = self._client.submit(run_job, spec, key=_key_of(run_id), pure=False, retries=0,
                                         priority=-turn)
        except Exception:
            logger.exception("Could not submit run %s", run_id)
            self.store.finish(run_id, FAILED, LOST_SCHEDULER)
            return
        self._futures[run_id] = future
        future.add_done_callback(self._on_done)

    def _record_event(self, message: dict) -> None:
        """A run started on a worker (epoch reports are batched in ``_handle_all``)."""
        run_id = message.get("run_id")
        if run_id not in self._futures:  # another engine's run on a shared scheduler, or already done
            return
        if message.get("kind") == "started":
            worker = message.get("worker")
            # The run this worker finished just before may not be stored yet: Dask hands its "done"
            # to a callback thread, while this event came straight off the scheduler's stream, after
            # the finished state. Store it first, so the store never shows more runs training than
            # there are workers.
            for earlier, on_worker in list(self._workers.items()):
                future = self._futures.get(earlier)
                if on_worker == worker and earlier != run_id and future is not None and future.done():
                    self._finish(earlier)
            self._workers[run_id] = worker
            self.store.mark_running(run_id, worker=message.get("worker"))

    def _finish(self, run_id: str) -> None:
        future = self._futures.pop(run_id, None)
        started = self._workers.pop(run_id, None) is not None
        asked = self._cancel_sent.pop(run_id, None) is not None
        entry = self._handed.pop(run_id, None)
        if future is None:
            return
        if future.status == "cancelled" and not asked and not started and entry is not None:
            self._waiting[run_id] = entry  # dropped by a lost scheduler before it started: wait again
            return
        try:
            self._store_outcome(run_id, future, asked)
        except Exception as error:  # e.g. the disk is full: the run must not stay "running"
            logger.exception("Could not store the outcome of run %s", run_id)
            message = (f"The run finished but its results could not be saved. {error}"
                       if isinstance(error, LabError) else unexpected_error_message(error))
            self._guarded(self.store.finish, run_id, FAILED, message)
        finally:
            future.release()
            for name in (cancel_event_name(run_id), attempt_event_name(run_id)) if self._in_contact() else ():
                try:
                    Event(name, client=self._client).clear()  # frees the scheduler's memory of it
                except Exception:
                    logger.debug("Could not clear event %s", name, exc_info=True)

    def _store_outcome(self, run_id: str, future, asked: bool) -> None:
        """Turn a finished future into the run's final state (``asked``: someone cancelled it)."""
        if future.status == "cancelled":
            # Cancelled by us (on request) or dropped by a scheduler we lost contact with.
            self.store.finish(run_id, CANCELLED if asked else FAILED, None if asked else LOST_SCHEDULER)
            return
        if future.status == "error":
            error = future.exception()
            lost = isinstance(error, KilledWorker)
            self.store.finish(run_id, FAILED, WORKER_LOST if lost else unexpected_error_message(error))
            return
        try:
            outcome = future.result()
        except Exception:  # the worker vanished between finishing and handing over its result
            logger.exception("Could not fetch the result of run %s", run_id)
            self.store.finish(run_id, FAILED, WORKER_LOST)
            return
        state = outcome.get("state")
        if state == "succeeded":
            result: RunResult = outcome["result"]
            self.store.finish_success(run_id, result)
        elif state == "cancelled":
            self.store.finish(run_id, CANCELLED)
        else:
            self.store.finish(run_id, FAILED, outcome.get("error") or WORKER_LOST)

    def _forward_cancel(self, run_id: str) -> None:
        """Tell the worker to stop (Event); a run that has not started is simply dropped."""
        if self._waiting.pop(run_id, None) is not None:  # never handed to Dask
            self.store.finish(run_id, CANCELLED)
            return
        future = self._futures.get(run_id)
        if future is None or run_id in self._cancel_sent:
            return
        Event(cancel_event_name(run_id), client=self._client).set()
        self._cancel_sent[run_id] = time.monotonic()
        if run_id not in self._workers:  # still waiting on the scheduler (or starting right now)
            self._client.cancel(future)
            self.store.finish(run_id, CANCELLED)

    def _forward_store_cancels(self) -> None:
        """Cancel requests written to the store by other processes (CLI, another server thread)."""
        # Runs on Dask only while in contact: telling their workers needs the scheduler.
        handed = self._futures if self._in_contact() else {}
        pending = [run_id for run_id in (*handed, *self._waiting) if run_id not in self._cancel_sent]
        for run_id in self.store.cancel_requested(pending):
            self._forward_cancel(run_id)

    def _enforce_cancel_grace(self, now: float) -> None:
        """A run that ignores its cancel flag: restart its worker so the worker is free again."""
        for run_id, sent in list(self._cancel_sent.items()):
            worker = self._workers.get(run_id)
            if worker and now - sent > CANCEL_GRACE_SECONDS and run_id in self._futures:
                logger.warning("Run %s ignored its cancel flag; restarting worker %s", run_id, worker)
                self.store.finish(run_id, CANCELLED)
                self._cancel_sent[run_id] = float("inf")  # only once
                threading.Thread(target=self._restart_worker, args=(worker,), daemon=True).start()

    def _restart_worker(self, worker: str) -> None:
        try:
            self._client.restart_workers([worker], raise_for_error=False)
        except Exception:
            logger.exception("Could not restart worker %s", worker)

    def _shutdown(self) -> None:
        for run_id in [*self._futures, *self._waiting]:
            self._guarded(self.store.finish, run_id, INTERRUPTED, INTERRUPTED_MESSAGE)
        self._futures.clear()
        self._waiting.clear()
        for closable in (self._client, self._cluster):
            if closable is not None:
                try:
                    closable.close()
                except Exception:
                    logger.debug("Error while closing %s", closable, exc_info=True)



def _key_of(run_id: str) -> str:
    return f"lstmlab-run-{run_id}"


def _run_id_of(key: str) -> str:
    return key.removeprefix("lstmlab-run-")
