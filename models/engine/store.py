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

import hashlib
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from models.engine.records import (
    ACTIVE_STATES,
    CANCELLED,
    DATA_ARTIFACT,
    FAILED,
    FINAL_STATES,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    QUEUED,
    RECORD_COLUMNS,
    RUNNING,
    STALE_HEARTBEAT_SECONDS,
    SUCCEEDED,
    RunRecord,
    cannot_write_message,
    disk_full_message,
    dumps_json,
    loads_json,
    new_run_id,
    plain,
    process_identity,
    record_from_row,
    runner_alive,
)
from models.engine.runner_side import RunnerSide
from models.engine.store_files import StoreFiles
from models.errors import LabError, LimitError, RunNotFound
from models.results import EpochReport

# ---------------------------------------------------------------- the store


class RunStore(StoreFiles, RunnerSide):
    """SQLite run store plus artifact folder under ``data_dir``.

    Reader calls take ``owner``; engine-side calls (``mark_running``, ``add_epoch``, ``finish``,
    ``finish_success`` ...) are used by the job engine only and do not check ownership.
    """

    @staticmethod
    def _queue_positions(connection: sqlite3.Connection) -> dict[str, int]:
        """Waiting runs in the order they start: round-robin by owner (everyone's first waiting run,
        then everyone's second ...), first come first served within a round. The engine hands runs
        to Dask with the same order as priority (``queue_turn``)."""
        rows = connection.execute(
            "SELECT id FROM runs WHERE state = ? ORDER BY turn, created, rowid", (QUEUED,)).fetchall()
        return {row["id"]: index + 1 for index, row in enumerate(rows)}

    def _visible_row(self, connection: sqlite3.Connection, run_id: str, owner: str | None,
                     must_own: bool = False) -> sqlite3.Row:
        row = connection.execute(f"SELECT {RECORD_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or not (owner is None or row["owner"] == owner
                               or (row["shared"] and not must_own)):
            raise RunNotFound("No run with that id: it may have been deleted or belong to someone else.")
        return row

    # -- reader side

    def get_run(self, run_id: str, owner: str, *, everyone: bool = False) -> RunRecord:
        """The run if ``owner`` may see it (own or shared; ``everyone``: any run), else RunNotFound.

        A run still marked queued or running whose process is gone (a killed server or CLI runner)
        is marked ``interrupted`` here, so whoever looks next sees the truth.
        """
        with self._read() as connection:
            row = self._visible_row(connection, run_id, None if everyone else owner)
            positions = self._queue_positions(connection) if row["state"] == QUEUED else {}
        orphaned = row["runner"] and not runner_alive(row["runner"], row["heartbeat"])
        if row["state"] in ACTIVE_STATES and orphaned:
            self._interrupt(run_id)
            with self._read() as connection:
                row = self._visible_row(connection, run_id, None if everyone else owner)
        return record_from_row(row, None if everyone else owner, positions)

    def _interrupt(self, run_id: str) -> None:
        """A still active run whose process is gone becomes ``interrupted`` (compare-and-set)."""
        with self._writing(), self._connect(immediate=True) as connection:
            connection.execute(
                "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                (INTERRUPTED, INTERRUPTED_MESSAGE, time.time(), run_id, *ACTIVE_STATES))

    def list_runs(self, owner: str, *, everyone: bool = False, limit: int = 500) -> list[RunRecord]:
        """The owner's runs and the shared ones (``everyone``: all runs), newest first."""
        with self._read() as connection:
            if everyone:
                rows = connection.execute(
                    f"SELECT {RECORD_COLUMNS} FROM runs ORDER BY created DESC, rowid DESC LIMIT ?",
                    (limit,)).fetchall()
            else:
                rows = connection.execute(
                    f"SELECT {RECORD_COLUMNS} FROM runs WHERE owner = ? OR shared = 1 "
                    "ORDER BY created DESC, rowid DESC LIMIT ?", (owner, limit)).fetchall()
            positions = self._queue_positions(connection)
            return [record_from_row(row, None if everyone else owner, positions) for row in rows]

    def history(self, run_id: str, owner: str, *, everyone: bool = False) -> list[EpochReport]:
        """Per-epoch reports of a visible run, in epoch order."""
        with self._read() as connection:
            self._visible_row(connection, run_id, None if everyone else owner)
            rows = connection.execute(
                "SELECT epoch, epochs, loss, val_loss, metrics, elapsed, eta FROM epochs "
                "WHERE run_id = ? ORDER BY epoch", (run_id,)).fetchall()
        return [EpochReport(epoch=row["epoch"], epochs=row["epochs"], loss=row["loss"],
                            val_loss=row["val_loss"], metrics=loads_json(row["metrics"], {}),
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

    def queue_turn(self, run_id: str) -> int:
        """How many runs its owner already had waiting or running when this run was made: a run
        starts after every waiting run with a smaller turn (0 if the run is not there any more)."""
        with self._read() as connection:
            row = connection.execute("SELECT turn FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row["turn"] if row else 0

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
                    (active,) = connection.execute(
                        "SELECT COUNT(*) FROM runs WHERE owner = ? AND state IN (?, ?)",
                        (owner, *ACTIVE_STATES)).fetchone()
                    if max_active is not None and active >= max_active:
                        raise LimitError(
                            f"You already have {active} runs waiting or running (the limit is "
                            f"{max_active}); wait for one to finish or cancel one.")
                    connection.execute(
                        "INSERT INTO runs (id, owner, kind, config, data_name, data_fingerprint, state, "
                        "artifacts, epochs_total, turn, runner, heartbeat, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (run_id, owner, kind, dumps_json(config), data_name, fingerprint, QUEUED,
                         dumps_json(artifacts), epochs if isinstance(epochs, int) else None, active, runner,
                         now, now))
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
                self._delete_rows(connection, [run_id])
            shutil.rmtree(self._run_dir(run_id), ignore_errors=True)

    @staticmethod
    def _delete_rows(connection: sqlite3.Connection, run_ids: list[str]) -> None:
        """The runs' rows and their epochs (their files are removed after the transaction)."""
        connection.executemany("DELETE FROM epochs WHERE run_id = ?", [(run_id,) for run_id in run_ids])
        connection.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in run_ids])

    def remove_finished_before(self, cutoff: float) -> int:
        """Delete every run that ended before ``cutoff`` (unix seconds), with its epochs and files
        (the retention setting ``LSTMLAB_KEEP_DAYS``); runs waiting or training are never touched.
        Returns how many runs were deleted."""
        with self._writing():
            with self._connect(immediate=True) as connection:
                places = ", ".join("?" * len(FINAL_STATES))
                rows = connection.execute(f"SELECT id FROM runs WHERE finished < ? AND state IN ({places})",
                                          (cutoff, *FINAL_STATES))
                old = [row["id"] for row in rows]
                self._delete_rows(connection, old)
            for run_id in old:
                shutil.rmtree(self._run_dir(run_id), ignore_errors=True)
        return len(old)

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


# Everything a reader of runs needs, importable from the store as before the records had a module.
__all__ = [
    "ACTIVE_STATES",
    "CANCELLED",
    "DATA_ARTIFACT",
    "FAILED",
    "FINAL_STATES",
    "INTERRUPTED",
    "INTERRUPTED_MESSAGE",
    "QUEUED",
    "RUNNING",
    "STALE_HEARTBEAT_SECONDS",
    "SUCCEEDED",
    "RunRecord",
    "RunStore",
    "cannot_write_message",
    "disk_full_message",
    "new_run_id",
    "plain",
    "process_identity",
    "runner_alive",
]
