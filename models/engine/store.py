"""The run store: every run in one SQLite file, its files in an artifact folder.

Layout of the data folder (``LSTMLAB_DATA_DIR``)::

    runs.sqlite                 table ``runs`` (one row per run) and ``epochs`` (one row per epoch)
    artifacts/<run_id>/<name>   data.csv (the uploaded bytes), predictions.csv, model.keras, ...

Guarantees:

- Writes happen in transactions (WAL mode, busy timeout); artifacts are written to a temporary
  file, synced and renamed into place, and a run becomes ``succeeded`` only after its artifacts
  are in place. A crash never leaves a half-written run.
- Ownership: a reader passes its ``owner`` and sees its own runs plus shared ones; any other run
  id is answered with RunNotFound, exactly as a run that does not exist (ids are unguessable).
- State changes are compare-and-set (``queued -> running -> succeeded|failed|cancelled``,
  ``queued|running -> interrupted``), so several processes (the server, a CLI runner, a CLI
  ``runs cancel``) can share the store without overwriting each other's decisions.
- A folder that cannot be written, or a full disk, gives one plain LabError, never a corrupt store
  or a half-stored run.

No TensorFlow here: the app process reads the store on every progress tick.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import psutil

from models.config import DigitsConfig, ForecastConfig, LearnConfig, stored_config
from models.errors import LabError, LimitError, RunNotFound
from models.results import EpochReport, RunResult
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
DATA_ARTIFACT = "data.csv"
# A runner on another host (shared data folder) is presumed dead when silent this long.
STALE_HEARTBEAT_SECONDS = 60.0
_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,               -- JSON of the full configuration
    data_name TEXT,
    data_fingerprint TEXT,              -- sha256 of the dataset bytes
    state TEXT NOT NULL,
    error TEXT,                         -- one plain sentence when failed/interrupted
    metrics TEXT,                       -- JSON
    summary TEXT,                       -- JSON
    artifacts TEXT NOT NULL DEFAULT '[]',  -- JSON list of file names under artifacts/<id>/
    progress TEXT,                      -- JSON of the latest EpochReport
    epochs_done INTEGER NOT NULL DEFAULT 0,
    epochs_total INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    runner TEXT,                        -- host|pid|start time of the process responsible for it
    heartbeat REAL,                     -- last sign of life of that process (unix seconds)
    worker TEXT,                        -- Dask worker address while running
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    fit_seconds REAL
);
CREATE INDEX IF NOT EXISTS runs_by_owner ON runs (owner, created);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs (state, created);
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    loss REAL,
    val_loss REAL,
    metrics TEXT NOT NULL DEFAULT '{}',
    elapsed REAL,
    eta REAL,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
"""


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


def _dumps(value: Any) -> str:
    return json.dumps(plain(value), allow_nan=False, separators=(",", ":"))


def _loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


# ---------------------------------------------------------------- which process runs a run


def process_identity(pid: int | None = None) -> str:
    """``host|pid|start time`` of a process: a pid alone is reused after restarts (pid 1 in Docker)."""
    process = psutil.Process(pid)
    return f"{socket.gethostname()}|{process.pid}|{process.create_time():.2f}"


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
        return abs(process.create_time() - float(started_text)) < 1.0 and process.is_running()
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


_COLUMNS = ("id, owner, shared, kind, config, data_name, data_fingerprint, state, error, metrics, "
            "summary, artifacts, progress, epochs_done, epochs_total, cancel_requested, created, "
            "started, finished, fit_seconds, worker, runner, heartbeat")


def _record(row: sqlite3.Row, viewer: str | None, positions: dict[str, int]) -> RunRecord:
    mine = viewer is None or row["owner"] == viewer
    progress = _loads(row["progress"])
    kind = RunKind(row["kind"]) if row["kind"] in set(RunKind) else row["kind"]
    metrics, summary = read_result(kind, _loads(row["metrics"]), _loads(row["summary"]))
    return RunRecord(
        id=row["id"], owner=row["owner"] if mine else None, mine=mine, shared=bool(row["shared"]),
        kind=kind, config=stored_config(_loads(row["config"], {})), data_name=row["data_name"],
        data_fingerprint=row["data_fingerprint"], state=RunState(row["state"]), error=row["error"],
        metrics=metrics, summary=summary,
        artifacts=tuple(_loads(row["artifacts"], [])),
        progress=None if progress is None else EpochReport.from_dict(progress),
        epochs_done=row["epochs_done"], epochs_total=row["epochs_total"],
        cancel_requested=bool(row["cancel_requested"]), created=row["created"], started=row["started"],
        finished=row["finished"], fit_seconds=row["fit_seconds"],
        queue_position=positions.get(row["id"]), worker=row["worker"],
    )


# ---------------------------------------------------------------- the store


class RunStore:
    """SQLite run store plus artifact folder under ``data_dir``.

    Safe to use from several threads and processes: every call opens a short-lived connection
    (about a millisecond), and writes are single transactions.
    Reader calls take ``owner``; engine-side calls (``mark_running``, ``add_epoch``, ``finish``,
    ``finish_success`` ...) are used by the job engine only and do not check ownership.
    """

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.db_path = self.data_dir / "runs.sqlite"
        self.artifacts_dir = self.data_dir / "artifacts"
        with self._writing():
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_MS / 1000)
            try:
                connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                connection.executescript(_SCHEMA)
            finally:
                connection.close()

    # -- plumbing

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn 'cannot write' failures of the disk or SQLite into one plain LabError."""
        try:
            yield
        except sqlite3.OperationalError as error:
            text = str(error).lower()
            if "locked" in text or "busy" in text:
                raise LabError("The run store is busy; try again in a moment.") from error
            if "full" in text:  # "database or disk is full"
                raise LabError(disk_full_message(self.data_dir)) from error
            if any(word in text for word in ("readonly", "read-only", "unable to open", "disk",
                                              "i/o", "permission", "authori")):
                raise LabError(cannot_write_message(self.data_dir)) from error
            raise
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise LabError(disk_full_message(self.data_dir)) from error
            if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR,
                                   errno.EIO):
                raise
            raise LabError(cannot_write_message(self.data_dir)) from error

    @contextlib.contextmanager
    def _connect(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection: commit on success, roll back on error.

        ``immediate`` takes the write lock at the start (for read-check-write sequences).
        """
        connection = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe in WAL
            connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction; failures to open the store become the plain LabError too."""
        with self._writing(), self._connect() as connection:
            yield connection

    def _run_dir(self, run_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", run_id or ""):
            raise RunNotFound("No run with that id.")
        return self.artifacts_dir / run_id

    def _write_file(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically: temporary file, fsync, rename."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    @staticmethod
    def _queue_positions(connection: sqlite3.Connection) -> dict[str, int]:
        rows = connection.execute(
            "SELECT id FROM runs WHERE state = ? ORDER BY created, rowid", (QUEUED,)).fetchall()
        return {row["id"]: index + 1 for index, row in enumerate(rows)}

    def _visible_row(self, connection: sqlite3.Connection, run_id: str, owner: str | None,
                     must_own: bool = False) -> sqlite3.Row:
        row = connection.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or not (owner is None or row["owner"] == owner
                               or (row["shared"] and not must_own)):
            raise RunNotFound("No run with that id: it may have been deleted or belong to someone else.")
        return row

    # -- reader side

    def get_run(self, run_id: str, owner: str, *, everyone: bool = False) -> RunRecord:
        """The run if ``owner`` may see it (own or shared; ``everyone``: any run), else RunNotFound."""
        with self._read() as connection:
            row = self._visible_row(connection, run_id, None if everyone else owner)
            positions = self._queue_positions(connection) if row["state"] == QUEUED else {}
            return _record(row, None if everyone else owner, positions)

    def list_runs(self, owner: str, *, everyone: bool = False, limit: int = 500) -> list[RunRecord]:
        """The owner's runs and the shared ones (``everyone``: all runs), newest first."""
        with self._read() as connection:
            if everyone:
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM runs ORDER BY created DESC, rowid DESC LIMIT ?",
                    (limit,)).fetchall()
            else:
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM runs WHERE owner = ? OR shared = 1 "
                    "ORDER BY created DESC, rowid DESC LIMIT ?", (owner, limit)).fetchall()
            positions = self._queue_positions(connection)
            return [_record(row, None if everyone else owner, positions) for row in rows]

    def history(self, run_id: str, owner: str, *, everyone: bool = False) -> list[EpochReport]:
        """Per-epoch reports of a visible run, in epoch order."""
        with self._read() as connection:
            self._visible_row(connection, run_id, None if everyone else owner)
            rows = connection.execute(
                "SELECT epoch, epochs, loss, val_loss, metrics, elapsed, eta FROM epochs "
                "WHERE run_id = ? ORDER BY epoch", (run_id,)).fetchall()
        return [EpochReport(epoch=row["epoch"], epochs=row["epochs"], loss=row["loss"],
                            val_loss=row["val_loss"], metrics=_loads(row["metrics"], {}),
                            elapsed=row["elapsed"] or 0.0, eta=row["eta"]) for row in rows]

    def artifact_path(self, run_id: str, name: str, owner: str, *, everyone: bool = False) -> Path:
        """Path of one artifact of a visible run (RunNotFound if the run or file is not there)."""
        record = self.get_run(run_id, owner, everyone=everyone)
        if name not in record.artifacts:
            raise RunNotFound(f"This run has no file named {name}.")
        return self._run_dir(run_id) / name

    def read_artifact(self, run_id: str, name: str, owner: str, *, everyone: bool = False) -> bytes:
        """Bytes of one artifact of a visible run."""
        path = self.artifact_path(run_id, name, owner, everyone=everyone)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise RunNotFound(f"The file {name} of this run is missing from the data folder.") from None

    def queue_position(self, run_id: str) -> int | None:
        """1 = next to start; None when the run is not queued."""
        with self._read() as connection:
            return self._queue_positions(connection).get(run_id)

    # -- owner actions

    def create_run(self, *, config: dict[str, Any], owner: str, data_name: str | None = None,
                   data_bytes: bytes | None = None, runner: str | None = None,
                   max_active: int | None = None) -> str:
        """Record a new queued run and keep its dataset bytes; returns the new unguessable id.

        ``max_active``: LimitError if ``owner`` already has that many runs queued or running.
        """
        if not owner:
            raise LabError("A run needs an owner.")
        run_id = new_run_id()
        kind = str(config.get("kind", ""))
        epochs = config.get("epochs")
        fingerprint = None if data_bytes is None else hashlib.sha256(data_bytes).hexdigest()
        artifacts = [DATA_ARTIFACT] if data_bytes is not None else []
        now = time.time()
        with self._writing():
            try:
                # The dataset goes first: a queued row always has its data (a crash here leaves only an
                # orphan folder, removed by ``recover_interrupted``).
                if data_bytes is not None:
                    self._write_file(self._run_dir(run_id) / DATA_ARTIFACT, data_bytes)
                with self._connect(immediate=True) as connection:
                    if max_active is not None:
                        (active,) = connection.execute(
                            "SELECT COUNT(*) FROM runs WHERE owner = ? AND state IN (?, ?)",
                            (owner, *ACTIVE_STATES)).fetchone()
                        if active >= max_active:
                            raise LimitError(
                                f"You already have {active} runs waiting or running (the limit is "
                                f"{max_active}); wait for one to finish or cancel one.")
                    connection.execute(
                        "INSERT INTO runs (id, owner, kind, config, data_name, data_fingerprint, state, "
                        "artifacts, epochs_total, runner, heartbeat, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (run_id, owner, kind, _dumps(config), data_name, fingerprint, QUEUED,
                         _dumps(artifacts), epochs if isinstance(epochs, int) else None, runner, now,
                         now))
            except BaseException:
                shutil.rmtree(self._run_dir(run_id), ignore_errors=True)
                raise
        return run_id

    def set_shared(self, run_id: str, owner: str, shared: bool) -> RunRecord:
        """Share a run with every user (or stop sharing it). Only its owner may."""
        with self._writing(), self._connect(immediate=True) as connection:
            self._visible_row(connection, run_id, owner, must_own=True)
            connection.execute("UPDATE runs SET shared = ? WHERE id = ?", (int(bool(shared)), run_id))
        return self.get_run(run_id, owner)

    def delete_run(self, run_id: str, owner: str, *, everyone: bool = False) -> None:
        """Delete a finished run and its files. Only its owner may; an active run must be stopped first."""
        with self._writing():
            with self._connect(immediate=True) as connection:
                row = self._visible_row(connection, run_id, None if everyone else owner, must_own=True)
                if row["state"] in ACTIVE_STATES:
                    raise LabError("This run is still queued or running: cancel it before deleting it.")
                connection.execute("DELETE FROM epochs WHERE run_id = ?", (run_id,))
                connection.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            shutil.rmtree(self._run_dir(run_id), ignore_errors=True)

    def request_cancel(self, run_id: str, owner: str, *, everyone: bool = False) -> RunRecord:
        """Ask a run to stop. A queued run is cancelled at once; a running one is flagged and its
        engine forwards the request to the worker (the run turns ``cancelled`` within about a
        second). A run whose process is gone is cancelled at once. Finished runs are unchanged.
        """
        viewer = None if everyone else owner
        now = time.time()
        with self._writing(), self._connect(immediate=True) as connection:
            row = self._visible_row(connection, run_id, viewer, must_own=True)
            if row["state"] in ACTIVE_STATES:
                connection.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))
                if row["state"] == QUEUED or not runner_alive(row["runner"], row["heartbeat"], now):
                    connection.execute(
                        "UPDATE runs SET state = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                        (CANCELLED, now, run_id, *ACTIVE_STATES))
        return self.get_run(run_id, owner, everyone=everyone)

    # -- engine side (no ownership checks)

    def load_data(self, run_id: str) -> bytes | None:
        """The dataset bytes kept with a run (None for runs without uploaded data)."""
        path = self._run_dir(run_id) / DATA_ARTIFACT
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def claim(self, run_id: str, runner: str) -> bool:
        """Make ``runner`` responsible for a queued run; False if it is no longer queued."""
        with self._writing(), self._connect(immediate=True) as connection:
            cursor = connection.execute(
                "UPDATE runs SET runner = ?, heartbeat = ? WHERE id = ? AND state = ?",
                (runner, time.time(), run_id, QUEUED))
            return cursor.rowcount == 1

    def heartbeat(self, runner: str) -> None:
        """Sign of life for every active run of ``runner`` (read by other hosts' recovery)."""
        with self._writing(), self._connect() as connection:
            connection.execute("UPDATE runs SET heartbeat = ? WHERE runner = ? AND state IN (?, ?)",
                               (time.time(), runner, *ACTIVE_STATES))

    def mark_running(self, run_id: str, worker: str | None = None) -> bool:
        """queued -> running (the task started on a worker); False if the run is no longer queued."""
        with self._writing(), self._connect() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, started = ?, worker = ? WHERE id = ? AND state = ?",
                (RUNNING, time.time(), worker, run_id, QUEUED))
            return cursor.rowcount == 1

    def add_epochs(self, run_id: str, reports: list[EpochReport]) -> bool:
        """Record epochs of an active run (and mark it running) in one transaction; False if the run
        is over (a late report never changes a finished run)."""
        if not reports:
            return True
        rows = [plain(report.to_dict()) for report in reports]
        last = max(rows, key=lambda row: row["epoch"])
        with self._writing(), self._connect() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, started = COALESCE(started, ?), progress = ?, "
                "epochs_done = MAX(epochs_done, ?), epochs_total = ? WHERE id = ? AND state IN (?, ?)",
                (RUNNING, time.time(), _dumps(last), last["epoch"], last["epochs"], run_id,
                 *ACTIVE_STATES))
            if cursor.rowcount != 1:
                return False
            connection.executemany(
                "INSERT OR REPLACE INTO epochs (run_id, epoch, epochs, loss, val_loss, metrics, "
                "elapsed, eta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, row["epoch"], row["epochs"], row["loss"], row["val_loss"],
                  _dumps(row["metrics"] or {}), row["elapsed"], row["eta"]) for row in rows])
        return True

    def add_epoch(self, run_id: str, report: EpochReport) -> bool:
        """Record one epoch (see ``add_epochs``)."""
        return self.add_epochs(run_id, [report])

    def finish(self, run_id: str, state: str, error: str | None = None) -> bool:
        """An active run ends without results (failed, cancelled, interrupted); False if it had ended."""
        if state not in (FAILED, CANCELLED, INTERRUPTED):
            raise ValueError(f"finish() cannot set state {state!r}")
        with self._writing(), self._connect() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                (state, error, time.time(), run_id, *ACTIVE_STATES))
            return cursor.rowcount == 1

    def finish_success(self, run_id: str, result: RunResult) -> bool:
        """Store a finished run: artifacts first (atomic files), then one transaction with the
        metrics, summary, full history and state ``succeeded``. False (and no files) if the run
        had already ended, e.g. cancelled while its last epoch was computing; LabError (and no
        files, the run still active) when they cannot be written, e.g. the disk is full.
        """
        for name in result.artifacts:
            if not _ARTIFACT_NAME.match(name) or name == DATA_ARTIFACT:
                raise ValueError(f"Bad artifact name {name!r}")
        with self._read() as connection:
            row = connection.execute("SELECT state, artifacts FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row["state"] not in ACTIVE_STATES:
            return False
        run_dir = self._run_dir(run_id)
        names = list(_loads(row["artifacts"], []))
        written: list[str] = []
        stored = False
        try:
            with self._writing():
                for name, data in result.artifacts.items():
                    self._write_file(run_dir / name, bytes(data))
                    written.append(name)
                    if name not in names:
                        names.append(name)
                stored = self._store_success(run_id, result, names)
        finally:
            if not stored:  # ended meanwhile, or could not be saved (disk full): no half-stored results
                for name in written:
                    with contextlib.suppress(OSError):
                        (run_dir / name).unlink()
        return stored

    def _store_success(self, run_id: str, result: RunResult, names: list[str]) -> bool:
        """The one transaction of ``finish_success``; False if the run had ended meanwhile."""
        history = [plain(report) for report in result.history]
        last = history[-1] if history else None
        with self._connect(immediate=True) as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, error = NULL, metrics = ?, summary = ?, artifacts = ?, "
                "progress = COALESCE(?, progress), epochs_done = COALESCE(?, epochs_done), "
                "finished = ?, fit_seconds = ? WHERE id = ? AND state IN (?, ?)",
                (SUCCEEDED, _dumps(as_dict(result.metrics)), _dumps(as_dict(result.summary) or {}),
                 _dumps(names),
                 None if last is None else _dumps(last), None if last is None else last["epoch"],
                 time.time(), plain(float(result.fit_seconds)), run_id, *ACTIVE_STATES))
            if cursor.rowcount == 1 and history:
                connection.execute("DELETE FROM epochs WHERE run_id = ?", (run_id,))
                connection.executemany(
                    "INSERT INTO epochs (run_id, epoch, epochs, loss, val_loss, metrics, elapsed, "
                    "eta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, item["epoch"], item["epochs"], item["loss"], item.get("val_loss"),
                      _dumps(item.get("metrics") or {}), item.get("elapsed"), item.get("eta"))
                     for item in history])
            return cursor.rowcount == 1

    def cancel_requested(self, run_ids: list[str]) -> set[str]:
        """Which of these runs someone asked to stop (from any process)."""
        if not run_ids:
            return set()
        marks = ",".join("?" * len(run_ids))
        with self._read() as connection:
            rows = connection.execute(
                f"SELECT id FROM runs WHERE cancel_requested = 1 AND id IN ({marks})", run_ids).fetchall()
        return {row["id"] for row in rows}

    def recover_interrupted(self, keep_runner: str | None = None, remove_orphans: bool = True) -> int:
        """Mark ``interrupted`` every queued/running run whose process is gone (server restart,
        killed CLI runner). Returns how many runs were marked.

        ``keep_runner``: the caller's own identity (its runs are alive by definition).
        ``remove_orphans``: also delete artifact folders of runs that were never recorded.
        """
        now = time.time()
        with self._writing():
            with self._connect(immediate=True) as connection:
                rows = connection.execute(
                    "SELECT id, runner, heartbeat FROM runs WHERE state IN (?, ?)", ACTIVE_STATES).fetchall()
                stale = [row["id"] for row in rows if row["runner"] != keep_runner
                         and not runner_alive(row["runner"], row["heartbeat"], now)]
                connection.executemany(
                    "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                    [(INTERRUPTED, INTERRUPTED_MESSAGE, now, run_id, *ACTIVE_STATES) for run_id in stale])
                known = {row["id"] for row in connection.execute("SELECT id FROM runs")}
            for folder in self.artifacts_dir.iterdir() if remove_orphans else ():
                # Only folders older than an hour: a run being created right now has its data first.
                if folder.name not in known and now - folder.stat().st_mtime > 3600:
                    shutil.rmtree(folder, ignore_errors=True)
        return len(stale)

