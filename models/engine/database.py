"""The run store's SQLite file as used at run time: short transactions, and every 'cannot write'
failure of SQLite or the disk turned into one plain sentence.

Every call opens a short-lived connection (about a millisecond), so the store is safe to use from
several threads and processes; writes are single transactions. The layout is ``models.engine.schema``.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from models.engine.records import cannot_write_message, disk_full_message
from models.engine.schema import BUSY_TIMEOUT_MS
from models.errors import LabError


def damaged_store_message(db_path: Path, error: Exception) -> str:
    """One sentence for a store file SQLite cannot read; the file itself is left as it is."""
    return (f"The run store {db_path} is damaged or is not an LSTM Lab store ({error}): restore it from "
            "a backup, or move it aside so that a new, empty one is made.")


class Database:
    """Transactions on ``db_path``; errors name ``data_dir``, the folder a user can act on."""

    def __init__(self, db_path: Path, data_dir: Path):
        self.db_path = db_path
        self.data_dir = data_dir

    @contextlib.contextmanager
    def plain_errors(self) -> Iterator[None]:
        """Turn 'cannot write' failures of the disk or SQLite into one plain LabError (also around
        artifact files, which share the data folder's disk and permissions)."""
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
    def transaction(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection: commit on success, roll back on error (errors as
        they are; see ``read`` and ``write``).

        ``immediate`` takes the write lock at the start (for read-check-write sequences).
        """
        connection = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction; failures to open the store become the plain LabError too."""
        with self.plain_errors(), self.transaction() as connection:
            yield connection

    @contextlib.contextmanager
    def write(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction with plain errors (``immediate``: see ``transaction``)."""
        with self.plain_errors(), self.transaction(immediate) as connection:
            yield connection
