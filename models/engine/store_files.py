"""The run store's files: the SQLite schema, short transactions, atomic artifact writes, and
'cannot write' turned into one plain sentence. ``RunStore`` is built on it (models/engine/store.py)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from models.engine.records import cannot_write_message, disk_full_message
from models.errors import LabError, RunNotFound

_BUSY_TIMEOUT_MS = 10_000

# The store's layout version, kept in SQLite's ``user_version``. Version 1 (before versions were
# written, so read as 0) had no ``turn`` column. Each migration upgrades from the version it is keyed
# by; a store written by a newer version is refused rather than guessed at.
SCHEMA_VERSION = 2
_MIGRATIONS = {
    1: ("ALTER TABLE runs ADD COLUMN turn INTEGER NOT NULL DEFAULT 0",),
}

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
    turn INTEGER NOT NULL DEFAULT 0,    -- the owner's runs already waiting or running when it was made
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


def damaged_store_message(db_path: Path, error: Exception) -> str:
    """One sentence for a store file SQLite cannot read; the file itself is left as it is."""
    return (f"The run store {db_path} is damaged or is not an LSTM Lab store ({error}): restore it from "
            "a backup, or move it aside so that a new, empty one is made.")


class StoreFiles:
    """The SQLite file and the artifact folder under ``data_dir``, created when missing.

    Every call opens a short-lived connection (about a millisecond), so the store is safe to use
    from several threads and processes; writes are single transactions.
    """

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.db_path = self.data_dir / "runs.sqlite"
        self.artifacts_dir = self.data_dir / "artifacts"
        with self._writing():
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None)
            try:
                # Read every page before writing anything: a damaged file is refused, never rewritten.
                problems = [row[0] for row in connection.execute("PRAGMA quick_check(1)")]
                if problems != ["ok"]:
                    raise sqlite3.DatabaseError("database disk image is malformed")
                connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                self._bring_up_to_date(connection)
            finally:
                connection.close()

    def _bring_up_to_date(self, connection: sqlite3.Connection) -> None:
        """Create the tables, or migrate an older store, in one transaction (several processes may
        open the same store at once: the first one migrates, the others find it done)."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            existed = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()
            if version > SCHEMA_VERSION:
                raise LabError(f"The run store in {self.data_dir} was written by a newer LSTM Lab (store "
                               f"version {version}, this one reads up to {SCHEMA_VERSION}): upgrade "
                               "LSTM Lab, or set LSTMLAB_DATA_DIR to another folder.")
            if existed:
                for step in range(max(version, 1), SCHEMA_VERSION):
                    for statement in _MIGRATIONS[step]:
                        connection.execute(statement)
            for statement in filter(str.strip, _SCHEMA.split(";")):
                connection.execute(statement)
            if version != SCHEMA_VERSION:
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


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
        except sqlite3.DatabaseError as error:  # not a database, or a damaged one
            raise LabError(damaged_store_message(self.db_path, error)) from error
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
