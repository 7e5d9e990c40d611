"""The run store's SQLite layout: its tables, its version and the migrations from older versions.

``open_database`` is the only code that changes the layout; ``RunStore`` calls it once when it opens
a data folder. Nothing else here: the SQL on runs and epochs is in ``models.engine.runs_table``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models.errors import LabError

BUSY_TIMEOUT_MS = 10_000

# The store's layout version, kept in SQLite's ``user_version``. Version 1 (before versions were
# written, so read as 0) had no ``turn`` column. Each migration upgrades from the version it is keyed
# by; a store written by a newer version is refused rather than guessed at.
SCHEMA_VERSION = 2
MIGRATIONS = {
    1: ("ALTER TABLE runs ADD COLUMN turn INTEGER NOT NULL DEFAULT 0",),
}

SCHEMA = """
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


def open_database(db_path: Path, data_dir: Path) -> None:
    """Check, create or upgrade the store file at ``db_path`` (``data_dir`` names it in errors).

    SQLite and OS errors propagate as they are: the caller turns them into one sentence
    (``Database.plain_errors``).
    """
    connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        # Read every page before writing anything: a damaged file is refused, never rewritten.
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("database disk image is malformed")
        connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        _bring_up_to_date(connection, data_dir)
    finally:
        connection.close()


def _bring_up_to_date(connection: sqlite3.Connection, data_dir: Path) -> None:
    """Create the tables, or migrate an older store, in one transaction (several processes may
    open the same store at once: the first one migrates, the others find it done)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        existed = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()
        if version > SCHEMA_VERSION:
            raise LabError(f"The run store in {data_dir} was written by a newer LSTM Lab (store "
                           f"version {version}, this one reads up to {SCHEMA_VERSION}): upgrade "
                           "LSTM Lab, or set LSTMLAB_DATA_DIR to another folder.")
        if existed:
            for step in range(max(version, 1), SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    connection.execute(statement)
        for statement in filter(str.strip, SCHEMA.split(";")):
            connection.execute(statement)
        if version != SCHEMA_VERSION:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
