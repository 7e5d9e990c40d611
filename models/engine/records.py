"""What the run store holds, as values: run records, state words, JSON and process identity.

The store (``models.engine.store``) reads and writes these; the app, the CLI and the engine read
``RunRecord`` through it. No TensorFlow, no SQLite connections here.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import socket
import sqlite3
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import psutil

from models.config import DigitsConfig, ForecastConfig, LearnConfig, stored_config
from models.results import EpochReport
from models.summaries import Metrics, Summary, as_dict, read_result
from models.vocabulary import ACTIVE_STATES as _ACTIVE
from models.vocabulary import FINAL_STATES as _FINAL
from models.vocabulary import RunKind, RunState

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED = (
    RunState.QUEUED, RunState.RUNNING, RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED,
    RunState.INTERRUPTED)
ACTIVE_STATES = tuple(state for state in RunState if state in _ACTIVE)
FINAL_STATES = tuple(state for state in RunState if state in _FINAL)

INTERRUPTED_MESSAGE = "The server restarted while this run was in progress."
CLI_INTERRUPTED_MESSAGE = ("The background runner started from the command line (--background) stopped "
                           "while this run was in progress.")
# The last field of a runner identity started by ``--background``: a run it leaves behind says so.
CLI_RUNNER_TAG = "cli"
DATA_ARTIFACT = "data.csv"
ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# A runner on another host (shared data folder) is presumed dead when silent this long.
STALE_HEARTBEAT_SECONDS = 60.0
def new_run_id() -> str:
    """128 random bits, URL-safe; never starting with "-", which a command line would read as a flag."""
    while (run_id := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return run_id


def cannot_write_message(folder: Path) -> str:
    return f"Cannot write to the data folder {folder}: check its permissions and free space."


def disk_full_message(folder: Path) -> str:
    return f"The disk holding the data folder {folder} is full: free some space and try again."


# ---------------------------------------------------------------- plain JSON values


def plain(value: Any) -> Any:
    """``value`` as plain JSON types: NumPy scalars/arrays unwrapped, NaN/inf -> None, keys -> str."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "to_dict"):  # EpochReport and friends
        return plain(value.to_dict())
    if hasattr(value, "tolist"):  # NumPy scalar or array, without importing NumPy here
        return plain(value.tolist())
    return str(value)


def dumps_json(value: Any) -> str:
    return json.dumps(plain(value), allow_nan=False, separators=(",", ":"))


def loads_json(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


# ---------------------------------------------------------------- which process runs a run


_this_process = {"cli_runner": False}  # set once by the CLI's detached runner (mark_cli_runner)


def mark_cli_runner() -> None:
    """Called first by the detached runner of ``--background``: the identities it writes then carry
    CLI_RUNNER_TAG, so a run it leaves behind when killed blames that runner, not the server."""
    _this_process["cli_runner"] = True


def process_identity(pid: int | None = None, *, cli_runner: bool | None = None) -> str:
    """``host|pid|start time`` of a process: a pid alone is reused after restarts (pid 1 in Docker);
    ``|cli`` follows for a CLI background runner (``cli_runner``; None: this process's own mark)."""
    process = psutil.Process(pid)
    if cli_runner is None:
        cli_runner = process.pid == os.getpid() and _this_process["cli_runner"]
    identity = f"{socket.gethostname()}|{process.pid}|{process.create_time():.2f}"
    return f"{identity}|{CLI_RUNNER_TAG}" if cli_runner else identity


def interrupted_message(runner: str | None) -> str:
    """Why a run of this runner was interrupted: its CLI background runner stopped, or the server."""
    cli = (runner or "").split("|")[3:4] == [CLI_RUNNER_TAG]
    return CLI_INTERRUPTED_MESSAGE if cli else INTERRUPTED_MESSAGE


def runner_alive(identity: str | None, heartbeat: float | None, now: float | None = None) -> bool:
    """Whether the process named by ``identity`` may still be working on its runs."""
    if not identity:
        return False
    host, pid_text, started_text = (identity.split("|") + ["", "", ""])[:3]
    if host != socket.gethostname():
        # Cannot look at another machine's processes: trust its heartbeat instead.
        now = time.time() if now is None else now
        return heartbeat is not None and now - heartbeat < STALE_HEARTBEAT_SECONDS
    try:
        process = psutil.Process(int(pid_text))
        # A killed process whose parent has not reaped it yet is a zombie: it no longer works.
        return (abs(process.create_time() - float(started_text)) < 1.0 and process.is_running()
                and process.status() != psutil.STATUS_ZOMBIE)
    except (ValueError, psutil.Error):
        return False


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class RunRecord:
    """One run as a reader sees it (no per-epoch history: see ``RunStore.history``).

    ``owner`` is None when the reader is not the owner (a shared run of someone else).
    ``queue_position``: 1 = next to start, only for queued runs.
    ``progress``: the latest epoch report, or None before the first epoch.
    """

    id: str
    owner: str | None
    mine: bool
    shared: bool
    kind: RunKind | str
    config: ForecastConfig | DigitsConfig | LearnConfig | None  # None: a kind this version does not know
    data_name: str | None
    data_fingerprint: str | None
    state: RunState
    error: str | None
    metrics: Metrics | None  # typed by kind (models.summaries); None until the run succeeds
    summary: Summary | None
    artifacts: tuple[str, ...]
    progress: EpochReport | None
    epochs_done: int
    epochs_total: int | None
    cancel_requested: bool
    created: float
    started: float | None
    finished: float | None
    fit_seconds: float | None
    queue_position: int | None = None
    worker: str | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        """Queued or running: the page keeps polling."""
        return self.state in ACTIVE_STATES

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for ``--json`` output and downloads)."""
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["kind"], data["state"] = str(self.kind), str(self.state)
        data["config"] = None if self.config is None else self.config.to_dict()
        data["metrics"], data["summary"] = as_dict(self.metrics), as_dict(self.summary)
        data["progress"] = None if self.progress is None else self.progress.to_dict()
        data["artifacts"] = list(self.artifacts)
        return data


RECORD_COLUMNS = ("id, owner, shared, kind, config, data_name, data_fingerprint, state, error, metrics, "
            "summary, artifacts, progress, epochs_done, epochs_total, cancel_requested, created, "
            "started, finished, fit_seconds, worker, runner, heartbeat")


def record_from_row(row: sqlite3.Row, viewer: str | None, positions: dict[str, int]) -> RunRecord:
    mine = viewer is None or row["owner"] == viewer
    progress = loads_json(row["progress"])
    kind = RunKind(row["kind"]) if row["kind"] in set(RunKind) else row["kind"]
    metrics, summary = read_result(kind, loads_json(row["metrics"]), loads_json(row["summary"]))
    error = row["error"]
    if row["state"] == INTERRUPTED and error == INTERRUPTED_MESSAGE:
        # Every writer of the interruption uses the server's words; the runner tells whose it was.
        error = interrupted_message(row["runner"])
    return RunRecord(
        id=row["id"], owner=row["owner"] if mine else None, mine=mine, shared=bool(row["shared"]),
        kind=kind, config=stored_config(loads_json(row["config"], {})), data_name=row["data_name"],
        data_fingerprint=row["data_fingerprint"], state=RunState(row["state"]), error=error,
        metrics=metrics, summary=summary,
        artifacts=tuple(loads_json(row["artifacts"], [])),
        progress=None if progress is None else EpochReport.from_dict(progress),
        epochs_done=row["epochs_done"], epochs_total=row["epochs_total"],
        cancel_requested=bool(row["cancel_requested"]), created=row["created"], started=row["started"],
        finished=row["finished"], fit_seconds=row["fit_seconds"],
        queue_position=positions.get(row["id"]), worker=row["worker"],
    )
