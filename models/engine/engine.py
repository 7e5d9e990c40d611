"""The job engine: background training on Dask distributed, recorded in the run store.

One ``JobEngine`` per server (the UI keeps it in ``st.cache_resource``)::

    page (script thread)          engine thread (engine_loop.py)       Dask worker process
    submit() -> store row, Submit ─► Dispatcher: client.submit(Job) ──► models.engine.worker.run_job
    status()/progress()  ◄── store ◄── Inbox: RunStarted, EpochReported ◄── per-epoch callback
    cancel() -> store flag, Cancel ─► Dispatcher: distributed.Event ──► should_stop() -> cancelled

Pages only read and write the SQLite store (about a millisecond) and put a typed note in the
engine's ``Inbox``; they never wait on Dask. One background thread (``EngineLoop``) owns every Dask
call, through its parts: ``ClusterConnection`` starts the embedded LocalCluster (or connects to
``LSTMLAB_SCHEDULER``), ``RunQueue`` holds the runs waiting for a free worker thread, and the
``Dispatcher`` hands them to Dask, forwards cancel requests (also those written to the store by
another process, e.g. the CLI) and stores each outcome when its task ends.

No TensorFlow here or in anything imported here: ``models.engine.worker`` imports training lazily.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
from distributed import Client

from models.config import DigitsConfig, ForecastConfig, LearnConfig, config_from_dict
from models.engine import workload
from models.engine.cluster import ClusterConnection
from models.engine.dispatcher import Dispatcher
from models.engine.engine_loop import EngineLoop
from models.engine.inbox import Inbox
from models.engine.messages import Cancel, Job, Stop, Submit
from models.engine.run_queue import RunQueue
from models.engine.store import (
    FINAL_STATES,
    RunRecord,
    RunStore,
    process_identity,
)
from models.errors import DataError, LabError
from models.limits import max_queued_per_owner
from models.results import EpochReport
from models.settings import Settings, load_settings


def as_config(
    config: ForecastConfig | DigitsConfig | dict[str, Any],
) -> ForecastConfig | DigitsConfig | LearnConfig:
    """A validated configuration object from an object or its dict (ConfigError if bad; the Learn
    page's runs come as dicts)."""
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
        self._stopped = threading.Event()
        self._inbox = Inbox()
        self._connection = ClusterConnection(self.settings, self._inbox.on_worker_event, warm=warm)
        line = RunQueue()
        dispatcher = Dispatcher(self.store, self._connection, line, self._inbox.on_task_done)
        self._loop = EngineLoop(settings=self.settings, store=self.store, identity=self.identity,
                                inbox=self._inbox, connection=self._connection, line=line,
                                dispatcher=dispatcher)
        self._thread = threading.Thread(target=self._loop.run, name="lstmlab-job-engine", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ page side (never waits on Dask)

    def submit(self, config: ForecastConfig | DigitsConfig | dict[str, Any], data_bytes: bytes | None,
               data_name: str | None, owner: str, *, values: np.ndarray | None = None,
               season_length: int | None = None) -> str:
        """Queue a run and return its id at once. LimitError when ``owner`` has too many runs
        waiting or running, WorkLimitError when the run asks for more training than the server
        allows (models/engine/workload.py); DataError when a forecast has no usable data.

        ``values``: the series the caller already read from ``data_bytes`` with ``load_series`` in
        this process (the Forecast page), so the file is parsed once here and once on the worker;
        ``season_length``: the season it detected (the evaluation's cost depends on it).
        """
        run_config = as_config(config)
        if isinstance(run_config, ForecastConfig) and not data_bytes:
            raise DataError("Choose a data file before starting a forecast run.")
        if values is None:
            workload.check_run(run_config, data_bytes, data_name)
        else:
            workload.plan_run(run_config, values, season_length)
        self._check_usable()
        run_id = self.store.create_run(
            config=run_config.to_dict(), owner=owner, data_name=data_name, data_bytes=data_bytes,
            runner=self.identity, max_active=self.settings.max_queued_per_owner or max_queued_per_owner())
        self._inbox.put(Submit(Job(run_id, run_config.to_dict(), data_bytes, data_name)))
        return run_id

    def adopt(self, run_id: str) -> None:
        """Take over a queued run created by another process (the CLI's detached runner)."""
        self._check_usable()
        if not self.store.claim(run_id, self.identity):
            raise LabError("This run is no longer waiting to start.")
        record = self.store.get_run(run_id, "", everyone=True)
        if record.config is None:
            raise LabError("This run is of a kind this version of LSTM Lab does not know.")
        self._inbox.put(Submit(Job(run_id, record.config.to_dict(), self.store.load_data(run_id),
                                   record.data_name)))

    def status(self, run_id: str, owner: str) -> RunRecord:
        """The run's state, latest epoch, queue position and, once finished, metrics, summary and
        artifact names (RunNotFound if not visible)."""
        return self.store.get_run(run_id, owner)

    def progress(self, run_id: str, owner: str) -> list[EpochReport]:
        """Every epoch reported so far, in order."""
        return self.store.history(run_id, owner)

    def results(self, run_id: str, owner: str) -> RunRecord:
        """Alias of ``status``, kept for its callers: the same record, holding a finished run's
        metrics, summary and artifact names (read files with ``artifact``)."""
        return self.status(run_id, owner)

    def artifact(self, run_id: str, name: str, owner: str) -> bytes:
        """One file a run produced (``predictions.csv``, ``model.keras``, ``data.csv`` ...)."""
        return self.store.read_artifact(run_id, name, owner)

    def list_runs(self, owner: str) -> list[RunRecord]:
        """The owner's runs and the shared ones, newest first."""
        return self.store.list_runs(owner)

    def cancel(self, run_id: str, owner: str) -> RunRecord:
        """Stop a run: a queued one at once, a running one within about a second."""
        record = self.store.request_cancel(run_id, owner)
        self._inbox.put(Cancel(run_id))
        return record

    @property
    def ready(self) -> bool:
        """The cluster is up (workers may still be importing TensorFlow)."""
        return self._loop.ready.is_set()

    @property
    def error(self) -> str | None:
        """Plain message when the engine could not start (e.g. scheduler unreachable)."""
        return self._connection.error

    @property
    def unreachable(self) -> str | None:
        """Plain message while the external scheduler cannot be reached (runs wait), else None."""
        return self._connection.unreachable

    @property
    def client(self) -> Client | None:
        """The Dask client once ready (tests and benchmarks use it; pages should not)."""
        return self._connection.client

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Block until the cluster is up (for the CLI, tests and benchmarks; never in a page)."""
        self._loop.ready.wait(timeout)
        if self._connection.error:
            raise LabError(self._connection.error)
        return self._loop.ready.is_set()

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
            self._inbox.put(Stop())
        self._thread.join(timeout)

    def _check_usable(self) -> None:
        if self._connection.error:
            raise LabError(self._connection.error)
        if self._stopped.is_set():
            raise LabError("The job engine has been shut down; restart the server.")
