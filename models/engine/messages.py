"""What the job engine's parts say to each other, as types.

- ``Job``: one run as a worker trains it, and ``JobOutcome``: what the worker hands back;
- the notes in the engine thread's inbox, matched by type: ``Submit`` and ``Cancel`` from the pages,
  ``RunStarted`` and ``EpochReported`` from a worker, ``TaskDone`` from Dask, ``Stop`` from ``close``.

A worker's events travel through the Dask scheduler as plain dicts (Dask's event log carries only
msgpack-able values): ``worker_event`` writes one, ``from_worker_event`` reads it back, and the
words that tell them apart never leave this module. No TensorFlow, no Dask here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from models.results import EpochReport, RunResult
from models.vocabulary import RunState

logger = logging.getLogger(__name__)

TOPIC = "lstmlab-runs"  # the Dask event topic every worker reports on
_KEY_PREFIX = "lstmlab-run-"


def task_key(run_id: str) -> str:
    """The Dask key of a run's task (unique per run: a run is never submitted twice)."""
    return f"{_KEY_PREFIX}{run_id}"


def run_id_of(key: str) -> str:
    return key.removeprefix(_KEY_PREFIX)


# ---------------------------------------------------------------- a job and its outcome


@dataclass(frozen=True)
class Job:
    """One run as a worker trains it: ``config`` is the configuration's dict, ``data`` the bytes of
    the uploaded file (None for runs without one)."""

    run_id: str
    config: dict[str, Any]
    data: bytes | None
    data_name: str | None


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended on its worker: ``succeeded`` with a result (builtins only inside, so
    unpickling it in the app never imports TensorFlow), ``failed`` with one sentence, or
    ``cancelled``."""

    state: RunState
    result: RunResult | None = None
    error: str | None = None

    @classmethod
    def succeeded(cls, result: RunResult) -> JobOutcome:
        return cls(RunState.SUCCEEDED, result=result)

    @classmethod
    def failed(cls, error: str) -> JobOutcome:
        return cls(RunState.FAILED, error=error)

    @classmethod
    def cancelled(cls) -> JobOutcome:
        return cls(RunState.CANCELLED)


# ---------------------------------------------------------------- the engine thread's inbox


@dataclass(frozen=True)
class Submit:
    """A page or ``adopt`` queued a run: put it in the engine's line."""

    job: Job


@dataclass(frozen=True)
class Cancel:
    """Someone asked a run to stop (the store already holds the request)."""

    run_id: str


@dataclass(frozen=True)
class RunStarted:
    """A worker started training a run."""

    run_id: str
    worker: str
    pid: int | None = None


@dataclass(frozen=True)
class EpochReported:
    """A worker finished one epoch of a run."""

    run_id: str
    report: EpochReport


@dataclass(frozen=True)
class TaskDone:
    """A run's Dask task finished, failed or was cancelled: its future holds the outcome."""

    run_id: str


@dataclass(frozen=True)
class Stop:
    """The engine is closing: the thread interrupts what is left and stops the cluster."""


Message = Submit | Cancel | RunStarted | EpochReported | TaskDone | Stop

_STARTED, _EPOCH = "started", "epoch"


def worker_event(event: RunStarted | EpochReported) -> dict[str, Any]:
    """The dict a worker logs on ``TOPIC`` for ``event``."""
    if isinstance(event, RunStarted):
        return {"run_id": event.run_id, "kind": _STARTED, "worker": event.worker, "pid": event.pid}
    return {"run_id": event.run_id, "kind": _EPOCH, "report": event.report.to_dict()}


def from_worker_event(payload: Any) -> RunStarted | EpochReported | None:
    """The event a worker logged, or None for anything else (a malformed one is logged)."""
    try:
        kind, run_id = payload.get("kind"), str(payload["run_id"])
        if kind == _STARTED:
            return RunStarted(run_id, str(payload.get("worker") or ""), payload.get("pid"))
        if kind == _EPOCH:
            return EpochReported(run_id, EpochReport.from_dict(payload["report"]))
    except (AttributeError, KeyError, TypeError, ValueError):
        logger.warning("Ignoring a malformed message from a worker: %r", payload)
    return None
