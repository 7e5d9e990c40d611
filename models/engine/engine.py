"""The job engine: background training on Dask distributed, recorded in the run store.

One ``JobEngine`` per server (the UI keeps it in ``st.cache_resource``)::

    page (script thread)          engine thread (this module)          Dask worker process
    submit() -> store row  ─────► client.submit(run_job, spec) ──────► models.engine.worker.run_job
    status()/progress()  ◄── store ◄── progress events (log_event) ◄── per-epoch callback
    cancel() -> store flag ─────► distributed.Event.set() ──────────► should_stop() -> cancelled

Pages only read and write the SQLite store (about a millisecond) and put a note in the engine's inbox;
they never wait on Dask. A single background thread owns every Dask call: it starts the embedded
LocalCluster (or connects to ``LSTMLAB_SCHEDULER``), submits, turns worker events into store rows,
forwards cancel requests (also those written to the store by another process, e.g. the CLI), and
stores each outcome when its future finishes.

No TensorFlow here or in anything imported here: ``models.engine.worker`` imports training lazily.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dask
from distributed import Client, Event, LocalCluster
from distributed.scheduler import KilledWorker

from models.config import DigitsConfig, ForecastConfig, config_from_dict
from models.engine import workload
from models.engine.store import (
    CANCELLED,
    FAILED,
    FINAL_STATES,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    RunRecord,
    RunStore,
    process_identity,
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
from models.errors import DataError, LabError
from models.limits import max_queued_per_owner
from models.results import EpochReport, RunResult
from models.settings import CLI_OWNER, DATA_DIR_ENV, Settings, load_settings

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.2  # the engine thread's housekeeping period (cancel flags from other processes)
HEARTBEAT_SECONDS = 5.0
RECOVERY_SECONDS = 30.0  # how often the engine looks for runs of dead processes
CONNECT_TIMEOUT = "15s"  # to reach LSTMLAB_SCHEDULER
CANCEL_GRACE_SECONDS = 10.0  # a run that ignores its cancel flag this long gets its worker restarted
LOST_SCHEDULER = "Lost contact with the Dask scheduler before the run could finish; try again."

# Dask settings of the embedded cluster:
# - allowed-failures 0: a task whose worker died is not re-run; it fails with KilledWorker;
# - worker-saturation 1.0: a worker holds exactly one run, the rest wait on the scheduler in
#   submission order (so the store's queue positions are the real ones);
# - work-stealing off: with one run per worker there is nothing to rebalance.
_LOCAL_DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.scheduler.work-stealing": False,
}


def as_config(config: ForecastConfig | DigitsConfig | dict[str, Any]) -> ForecastConfig | DigitsConfig:
    """A validated configuration object from an object or its dict (ConfigError if bad)."""
    if isinstance(config, (ForecastConfig, DigitsConfig)):
        return config
    return config_from_dict(dict(config))


class JobEngine:
    """Runs training in the background and keeps every run in a RunStore.

    ``settings``: data folder, scheduler address, worker count, per-owner limit (default: from
    the environment, see models/settings.py). ``recover``: mark runs of dead processes
    interrupted at start (the server's engine does; a one-run CLI runner does not need to).
    ``warm``: import TensorFlow on every worker as soon as it starts.

    The constructor returns at once; the cluster starts in the background (``wait_ready``).
    """

    def __init__(self, settings: Settings | None = None, *, store: RunStore | None = None,
                 recover: bool = True, warm: bool = True):
        self.settings = settings or load_settings()
        self.store = store or RunStore(self.settings.data_dir)
        self.identity = process_identity()
        if recover:
            self.store.recover_interrupted(keep_runner=self.identity)
        self._warm = warm
        self._inbox: queue.Queue[tuple] = queue.Queue()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._error: str | None = None
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        # Owned by the engine thread only:
        self._futures: dict[str, Any] = {}  # run_id -> distributed.Future
        self._submitted = 0  # runs handed to Dask so far: earlier ones get a higher priority
        self._workers: dict[str, str] = {}  # run_id -> worker address, once started
        self._cancel_sent: dict[str, float] = {}  # run_id -> monotonic time the Event was set
        self._thread = threading.Thread(target=self._main, name="lstmlab-job-engine", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ page side (never waits on Dask)

    def submit(self, config: ForecastConfig | DigitsConfig | dict[str, Any], data_bytes: bytes | None,
               data_name: str | None, owner: str) -> str:
        """Queue a run and return its id at once. LimitError when ``owner`` has too many runs
        waiting or running, WorkLimitError when the run asks for more training than the server
        allows (models/engine/workload.py); DataError when a forecast has no usable data.
        """
        config = as_config(config)
        if isinstance(config, ForecastConfig) and not data_bytes:
            raise DataError("Choose a data file before starting a forecast run.")
        workload.check_run(config, data_bytes, data_name)
        self._check_usable()
        run_id = self.store.create_run(
            config=config.to_dict(), owner=owner, data_name=data_name, data_bytes=data_bytes,
            runner=self.identity, max_active=self.settings.max_queued_per_owner or max_queued_per_owner())
        self._inbox.put(("submit", run_id, config.to_dict(), data_bytes, data_name))
        return run_id

    def adopt(self, run_id: str) -> None:
        """Take over a queued run created by another process (the CLI's detached runner)."""
        self._check_usable()
        if not self.store.claim(run_id, self.identity):
            raise LabError("This run is no longer waiting to start.")
        record = self.store.get_run(run_id, "", everyone=True)
        self._inbox.put(("submit", run_id, record.config.to_dict(), self.store.load_data(run_id),
                         record.data_name))

    def status(self, run_id: str, owner: str) -> RunRecord:
        """The run's state, latest epoch, queue position, metrics ... (RunNotFound if not visible)."""
        return self.store.get_run(run_id, owner)

    def progress(self, run_id: str, owner: str) -> list[EpochReport]:
        """Every epoch reported so far, in order."""
        return self.store.history(run_id, owner)

    def results(self, run_id: str, owner: str) -> RunRecord:
        """The finished run (metrics, summary, artifact names); read files with ``artifact``."""
        return self.store.get_run(run_id, owner)

    def artifact(self, run_id: str, name: str, owner: str) -> bytes:
        """One file a run produced (``predictions.csv``, ``model.keras``, ``data.csv`` ...)."""
        return self.store.read_artifact(run_id, name, owner)

    def list_runs(self, owner: str) -> list[RunRecord]:
        """The owner's runs and the shared ones, newest first."""
        return self.store.list_runs(owner)

    def cancel(self, run_id: str, owner: str) -> RunRecord:
        """Stop a run: a queued one at once, a running one within about a second."""
        record = self.store.request_cancel(run_id, owner)
        self._inbox.put(("cancel", run_id))
        return record

    @property
    def ready(self) -> bool:
        """The cluster is up (workers may still be importing TensorFlow)."""
        return self._ready.is_set()

    @property
    def error(self) -> str | None:
        """Plain message when the engine could not start (e.g. scheduler unreachable)."""
        return self._error

    @property
    def client(self) -> Client | None:
        """The Dask client once ready (tests and benchmarks use it; pages should not)."""
        return self._client

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Block until the cluster is up (for the CLI, tests and benchmarks; never in a page)."""
        self._ready.wait(timeout)
        if self._error:
            raise LabError(self._error)
        return self._ready.is_set()

    def wait(self, run_id: str, owner: str, timeout: float | None = None, *, everyone: bool = False,
             poll: float = 0.1) -> RunRecord:
        """Block until the run has ended (or ``timeout``); returns its record (CLI and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self.store.get_run(run_id, owner, everyone=everyone)
            if record.state in FINAL_STATES or (deadline is not None and time.monotonic() > deadline):
                return record
            time.sleep(poll)

    def close(self, timeout: float = 30.0) -> None:
        """Stop the engine: unfinished runs of this engine become interrupted, the cluster stops."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._inbox.put(("stop",))
        self._thread.join(timeout)

    def _check_usable(self) -> None:
        if self._error:
            raise LabError(self._error)
        if self._stopped.is_set():
            raise LabError("The job engine has been shut down; restart the server.")

    # ------------------------------------------------------------ engine thread

    def _main(self) -> None:
        try:
            self._start_dask()
        except Exception as error:
            logger.exception("The job engine could not start")
            where = self.settings.scheduler or "the embedded cluster"
            self._error = (f"Cannot start background training on {where} ({type(error).__name__}); "
                           "check LSTMLAB_SCHEDULER or the server log.")
        self._ready.set()
        now = time.monotonic()
        next_tick, next_heartbeat, next_recovery = now, now, now + RECOVERY_SECONDS
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
                if self._futures:
                    self._guarded(self._forward_store_cancels)
                    self._guarded(self._enforce_cancel_grace, now)
                if now >= next_heartbeat:
                    next_heartbeat = now + HEARTBEAT_SECONDS
                    self._guarded(self.store.heartbeat, self.identity)
                if now >= next_recovery:
                    next_recovery = now + RECOVERY_SECONDS
                    self._guarded(self.store.recover_interrupted, self.identity, False)
        finally:
            self._shutdown()

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

    def _start_dask(self) -> None:
        if self.settings.scheduler:
            self._client = Client(self.settings.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
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
        elif kind == "cancel":
            self._forward_cancel(item[1])

    def _submit(self, run_id: str, config: dict, data: bytes | None, data_name: str | None) -> None:
        if self._error or self._client is None:
            self.store.finish(run_id, FAILED, self._error or "Background training is not available.")
            return
        spec = {"run_id": run_id, "config": config, "data": data, "data_name": data_name}
        try:
            self._submitted += 1
            # Higher priority starts first: first come, first served, as the queue positions promise.
            future = self._client.submit(run_job, spec, key=_key_of(run_id), pure=False, retries=0,
                                         priority=-self._submitted)
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
            self._workers[run_id] = message.get("worker")
            self.store.mark_running(run_id, worker=message.get("worker"))

    def _finish(self, run_id: str) -> None:
        future = self._futures.pop(run_id, None)
        self._workers.pop(run_id, None)
        asked = self._cancel_sent.pop(run_id, None) is not None
        if future is None:
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
            for name in (cancel_event_name(run_id), attempt_event_name(run_id)):
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
        pending = [run_id for run_id in self._futures if run_id not in self._cancel_sent]
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
        for run_id in list(self._futures):
            self._guarded(self.store.finish, run_id, INTERRUPTED, INTERRUPTED_MESSAGE)
        self._futures.clear()
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


# ------------------------------------------------------------ CLI background runs


def submit_from_cli(config: ForecastConfig | DigitsConfig | dict[str, Any], data_bytes: bytes | None,
                    data_name: str | None, owner: str = CLI_OWNER,
                    settings: Settings | None = None) -> str:
    """Queue a run from the command line and start a detached runner for it; returns the run id.

    The runner (``python -m models runs work RUN_ID``, its own session so it outlives this
    process) trains the run through a one-worker engine, or on ``LSTMLAB_SCHEDULER`` when set,
    and writes state, progress and results to the store. ``python -m models runs show/cancel``
    work through the same store.
    """
    settings = settings or load_settings()
    config = as_config(config)
    if isinstance(config, ForecastConfig) and not data_bytes:
        raise DataError("A forecast run needs a data file.")
    workload.check_run(config, data_bytes, data_name)
    store = RunStore(settings.data_dir)
    run_id = store.create_run(config=config.to_dict(), owner=owner, data_name=data_name,
                              data_bytes=data_bytes, runner=process_identity(),
                              max_active=settings.max_queued_per_owner or max_queued_per_owner())
    log_dir = settings.data_dir / "logs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{run_id}.log", "ab")  # noqa: SIM115 (handed to the child process)
    except OSError:
        log = subprocess.DEVNULL
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ, **{DATA_DIR_ENV: str(settings.data_dir)})
    environment["PYTHONPATH"] = os.pathsep.join(
        [root] + [part for part in environment.get("PYTHONPATH", "").split(os.pathsep) if part])
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "models", "runs", "work", run_id], cwd=root, env=environment,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    except OSError as error:
        store.finish(run_id, FAILED, "Could not start the background training process.")
        raise LabError(f"Could not start the background training process ({error}).") from error
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
    # The child is responsible from now on (a server restarting meanwhile must not think it dead).
    store.claim(run_id, process_identity(child.pid))
    return run_id


def work_on(run_id: str, settings: Settings | None = None) -> RunRecord:
    """Body of the detached runner: train one queued run to its end, then stop the cluster."""
    settings = settings or load_settings()
    if not settings.scheduler:
        settings = settings.replace(workers=1)
    engine = JobEngine(settings, recover=False)
    try:
        try:
            engine.wait_ready()
        except LabError as error:
            engine.store.finish(run_id, FAILED, str(error))
            raise
        engine.adopt(run_id)
        return engine.wait(run_id, "", everyone=True)
    finally:
        engine.close()
