"""What runs inside a Dask worker: one training run, reporting progress and honouring cancel.

The job engine submits ``run_job`` by reference, so each worker imports this module itself (the
embedded cluster's spawned workers inherit the app's ``sys.path``; workers of a remote scheduler
need the project installed). Importing this module is cheap and TensorFlow-free: the training
modules are imported inside the functions that run on the worker.

Channels between the engine (app process) and a run, all through the Dask scheduler (the worker
never touches the app's disk):

- progress: ``worker.log_event(TOPIC, ...)`` with ``RunStarted`` and every ``EpochReported`` (as
  the plain dicts of ``messages.worker_event``); the engine subscribes to the topic;
- cancel: a ``distributed.Event`` per run, set by the engine, polled by ``StopCheck`` at most every
  0.2 s;
- single attempt: a second ``distributed.Event`` per run, set when the task starts. A scheduler that
  retries a task after its worker died (``allowed-failures`` > 0 on a remote scheduler) finds it
  set and the retry reports "worker lost" instead of silently training again.

The task takes a ``Job`` and returns a ``JobOutcome`` (models/engine/messages.py) whose result
holds only builtins (passed through ``records.plain``), so unpickling it in the app can never import
TensorFlow (a TensorFlow exception object would).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Protocol

from distributed import Client, Event, Worker, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from models.config import DigitsConfig, ForecastConfig, LearnConfig, config_from_dict
from models.engine.messages import TOPIC, EpochReported, Job, JobOutcome, RunStarted, worker_event
from models.engine.records import plain
from models.errors import LabError, TrainingCancelled
from models.results import EpochReport, ProgressFn, RunResult, StopFn
from models.summaries import Metrics, Summary, as_dict

logger = logging.getLogger(__name__)

WORKER_LOST = "The training process stopped unexpectedly (worker lost); try again."
STOP_CHECK_INTERVAL = 0.2  # seconds between two looks at the cancel Event (one scheduler round trip)


def cancel_event_name(run_id: str) -> str:
    return f"lstmlab-cancel-{run_id}"


def attempt_event_name(run_id: str) -> str:
    return f"lstmlab-attempt-{run_id}"


class RunFlag(Protocol):
    """What the engine and the worker use of a ``distributed.Event`` (a flag shared by the cluster)."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...

    def clear(self) -> None: ...


def run_flag(name: str, client: Client | None = None) -> RunFlag:
    """The cluster's ``distributed.Event`` called ``name``, through ``client`` (None: the worker's
    own client, or the default one)."""
    return Event(name, client=client)  # type: ignore[no-untyped-call]  # distributed: Event() is unannotated


class StopCheck:
    """``should_stop()`` for the training loop: true once the run's cancel Event is set, or once
    nobody waits for the run any more.

    Cheap to call every batch: it asks the scheduler at most every ``interval`` seconds and
    remembers a positive answer. Nobody waits when the process that submitted the run died (a killed
    server or CLI runner): its client is gone, the scheduler releases the task and tells this worker,
    which marks the task cancelled. A thread cannot be stopped from outside, so the task looks at its
    own state and stops, instead of keeping a worker of an external cluster busy for nothing. The
    same holds when the worker itself is closing because its scheduler is gone.
    """

    def __init__(self, event_name: str, interval: float = STOP_CHECK_INTERVAL):
        self._event = run_flag(event_name)
        self._interval = interval
        self._next_check = 0.0
        self._stopped = False
        self._worker = get_worker()
        self._key = self._worker.get_current_task()

    def orphaned(self) -> bool:
        """True when this worker no longer holds the task as executing (released by the scheduler),
        or is closing (it lost its scheduler: nobody can receive the result)."""
        if self._worker.status.name in ("closing", "closed", "failed"):
            return True
        task = self._worker.state.tasks.get(self._key)
        return task is None or task.state in ("cancelled", "released", "forgotten")

    def __call__(self) -> bool:
        if self._stopped:
            return True
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self._interval
            if self.orphaned():
                logger.warning("Nobody waits for task %s any more: it stops", self._key)
                self._stopped = True
                return True
            try:
                self._stopped = self._event.is_set()
            except Exception as error:  # scheduler briefly unreachable (or shutting down): look again later
                logger.warning("Could not read the cancel flag (%s: %s); training goes on",
                               type(error).__name__, error)
        return self._stopped


class _Reporter:
    """Sends the run's events to the engine through the scheduler (non-blocking)."""

    def __init__(self, run_id: str):
        self._run_id = run_id
        self._worker = get_worker()

    def send(self, event: RunStarted | EpochReported) -> None:
        self._worker.log_event(TOPIC, plain(worker_event(event)))

    def started(self) -> None:
        self.send(RunStarted(self._run_id, self._worker.address, os.getpid()))

    def epoch(self, report: EpochReport) -> None:
        self.send(EpochReported(self._run_id, report))


def _first_attempt(run_id: str) -> bool:
    """True the first time a run's task starts anywhere in the cluster."""
    attempt = run_flag(attempt_event_name(run_id))
    if attempt.is_set():
        return False
    attempt.set()
    return True


def _train(config: ForecastConfig | DigitsConfig | LearnConfig, data: bytes | None, data_name: str | None,
           progress: ProgressFn, should_stop: StopFn) -> RunResult:
    """Dispatch on the run kind; the training modules (TensorFlow) are imported only here."""
    if isinstance(config, LearnConfig):  # the Learn page's toy networks (models/train/lessons.py)
        from models.train.lessons import train_learn

        return train_learn(config, progress=progress, should_stop=should_stop)
    if isinstance(config, ForecastConfig):
        from models.data import load_series
        from models.train.forecaster import train_forecaster

        if data is None:
            raise LabError("This forecast run has no data file.")
        series = load_series(data, time_column=config.time_column, target_column=config.target_column,
                             name=data_name)
        return train_forecaster(config, series, progress=progress, should_stop=should_stop)
    from models.train.digits import train_classifier

    return train_classifier(config, progress=progress, should_stop=should_stop)


def _plain_result(result: RunResult) -> RunResult:
    """The result with builtins only (no NumPy/TensorFlow objects, no NaN)."""
    return RunResult(kind=str(result.kind), metrics=_plain_typed(result.metrics),
                     summary=_plain_typed(result.summary),
                     history=plain(result.history),
                     artifacts={str(name): bytes(data) for name, data in result.artifacts.items()},
                     fit_seconds=plain(float(result.fit_seconds)) or 0.0)


def _plain_typed(value: Metrics | Summary | dict[str, Any] | None) -> Any:
    """A typed result rebuilt from builtins only (a trainer may leave NumPy scalars inside): of the
    same type as ``value``, which the checker cannot follow through ``type(value)``."""
    if value is None or isinstance(value, dict):
        return plain(value)
    return type(value).from_dict(plain(as_dict(value)))


def unexpected_error_message(error: BaseException) -> str:
    """One plain sentence for an error nobody anticipated (the worker log has the traceback)."""
    if isinstance(error, MemoryError):
        return "The training ran out of memory; try fewer units, a smaller batch or less data."
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    name = type(error).__name__
    return f"The training stopped with an unexpected error ({name}{': ' + detail if detail else ''})."


def run_job(job: Job) -> JobOutcome:
    """Train one run on this worker. Never raises for a training problem: a failure is an outcome."""
    if not _first_attempt(job.run_id):
        return JobOutcome.failed(WORKER_LOST)
    reporter = _Reporter(job.run_id)
    should_stop = StopCheck(cancel_event_name(job.run_id))
    reporter.started()
    try:
        if should_stop():
            raise TrainingCancelled()
        config = config_from_dict(job.config)
        result = _train(config, job.data, job.data_name, reporter.epoch, should_stop)
        return JobOutcome.succeeded(_plain_result(result))
    except TrainingCancelled:
        return JobOutcome.cancelled()
    except LabError as error:
        return JobOutcome.failed(str(error))
    except Exception as error:
        logger.exception("Run %s failed", job.run_id)
        return JobOutcome.failed(unexpected_error_message(error))


# ---------------------------------------------------------------- warm-up


_WARM = threading.Event()


def is_warm() -> bool:
    """On a worker: whether the warm-up has finished importing TensorFlow and the training code."""
    return _WARM.is_set()


def _import_training() -> None:
    """Import TensorFlow/Keras and the training code once, then trace the default forecast network's
    graphs, so the first run pays for neither."""
    started = time.perf_counter()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no C++ log noise
    try:
        for module in ("models.train.forecaster", "models.train.digits"):
            __import__(module)  # the import itself is the point: most of TensorFlow's start-up
        imported = time.perf_counter()
        _WARM.set()  # runs may start: a default forecast run waits for the tracing below (fastfit)
        from models.train.forecaster import warm_up

        warm_up()
        logger.info("Worker warm-up took %.1f s (imports %.1f s)", time.perf_counter() - started,
                    imported - started)
    except Exception:
        logger.exception("Worker warm-up failed (the first run will import TensorFlow itself)")
    finally:
        _WARM.set()


class WarmUp(WorkerPlugin):
    """Worker plugin: import TensorFlow in a background thread as soon as a worker starts.

    Registered with the scheduler, so a worker restarted after a crash is warmed too. A thread, so
    the worker registers at once; a run that arrives meanwhile waits on Python's import lock.
    """

    name = "lstmlab-warmup"

    def setup(self, worker: Worker) -> None:
        threading.Thread(target=_import_training, name="lstmlab-warmup", daemon=True).start()
