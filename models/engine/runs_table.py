"""The SQL on the run store's two tables: ``runs`` (one row per run) and ``epochs`` (one per epoch).

State changes are compare-and-set (``queued -> running -> succeeded|failed|cancelled``,
``queued|running -> interrupted``), so several processes (the server, a CLI runner, a CLI
``runs cancel``) share the table without overwriting each other's decisions. A ``viewer`` is the
owner a reader reads as; None reads every run. Files are not handled here: see ``RunStore``.
"""

from __future__ import annotations

import builtins
import sqlite3
import time
from typing import Any

from models.engine.database import Database
from models.engine.records import (
    ACTIVE_STATES,
    CANCELLED,
    FINAL_STATES,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    QUEUED,
    RECORD_COLUMNS,
    RUNNING,
    SUCCEEDED,
    RunRecord,
    dumps_json,
    interrupted_message,
    loads_json,
    plain,
    record_from_row,
    runner_alive,
)
from models.errors import LabError, LimitError, RunNotFound
from models.results import EpochReport, RunResult
from models.summaries import as_dict

_EPOCH_COLUMNS = "run_id, epoch, epochs, loss, val_loss, metrics, elapsed, eta"


class RunsTable:
    """Rows of runs and epochs in ``database``, read as ``RunRecord`` and ``EpochReport``."""

    def __init__(self, database: Database):
        self._database = database

    # -- reading

    @staticmethod
    def _queue_positions(connection: sqlite3.Connection) -> dict[str, int]:
        """Waiting runs in the order they start: round-robin by owner (everyone's first waiting run,
        then everyone's second ...), first come first served within a round. The engine hands runs
        to Dask with the same order as priority (``queue_turn``)."""
        rows = connection.execute(
            "SELECT id FROM runs WHERE state = ? ORDER BY turn, created, rowid", (QUEUED,)).fetchall()
        return {row["id"]: index + 1 for index, row in enumerate(rows)}

    @staticmethod
    def _visible_row(connection: sqlite3.Connection, run_id: str, viewer: str | None,
                     must_own: bool = False) -> sqlite3.Row:
        row = connection.execute(f"SELECT {RECORD_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or not (viewer is None or row["owner"] == viewer
                               or (row["shared"] and not must_own)):
            raise RunNotFound("No run with that id: it may have been deleted or belong to someone else.")
        return row

    def get(self, run_id: str, viewer: str | None) -> RunRecord:
        """The run as ``viewer`` sees it. One still marked queued or running whose process is gone
        (a killed server or CLI runner) is marked ``interrupted`` first, so whoever looks next sees
        the truth."""
        with self._database.read() as connection:
            row = self._visible_row(connection, run_id, viewer)
            positions = self._queue_positions(connection) if row["state"] == QUEUED else {}
        orphaned = row["runner"] and not runner_alive(row["runner"], row["heartbeat"])
        if row["state"] in ACTIVE_STATES and orphaned:
            with self._database.write(immediate=True) as connection:
                connection.execute(
                    "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                    (INTERRUPTED, INTERRUPTED_MESSAGE, time.time(), run_id, *ACTIVE_STATES))
            with self._database.read() as connection:
                row = self._visible_row(connection, run_id, viewer)
        return record_from_row(row, viewer, positions)

    # Below this method, annotations say ``builtins.list``: in the class body ``list`` is the method.
    def list(self, viewer: str | None, limit: int) -> list[RunRecord]:
        """The viewer's runs and the shared ones (None: every run), newest first."""
        with self._database.read() as connection:
            if viewer is None:
                rows = connection.execute(
                    f"SELECT {RECORD_COLUMNS} FROM runs ORDER BY created DESC, rowid DESC LIMIT ?",
                    (limit,)).fetchall()
            else:
                rows = connection.execute(
                    f"SELECT {RECORD_COLUMNS} FROM runs WHERE owner = ? OR shared = 1 "
                    "ORDER BY created DESC, rowid DESC LIMIT ?", (viewer, limit)).fetchall()
            positions = self._queue_positions(connection)
            return [record_from_row(row, viewer, positions) for row in rows]

    def history(self, run_id: str, viewer: str | None) -> builtins.list[EpochReport]:
        """Per-epoch reports of a visible run, in epoch order."""
        with self._database.read() as connection:
            self._visible_row(connection, run_id, viewer)
            rows = connection.execute(
                "SELECT epoch, epochs, loss, val_loss, metrics, elapsed, eta FROM epochs "
                "WHERE run_id = ? ORDER BY epoch", (run_id,)).fetchall()
        return [EpochReport(epoch=row["epoch"], epochs=row["epochs"], loss=row["loss"],
                            val_loss=row["val_loss"], metrics=loads_json(row["metrics"], {}),
                            elapsed=row["elapsed"] or 0.0, eta=row["eta"]) for row in rows]

    def queue_turn(self, run_id: str) -> int:
        """The ``turn`` column (0 if the run is not there any more)."""
        with self._database.read() as connection:
            row = connection.execute("SELECT turn FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row["turn"] if row else 0

    def queue_position(self, run_id: str) -> int | None:
        with self._database.read() as connection:
            return self._queue_positions(connection).get(run_id)

    def active_artifacts(self, run_id: str) -> builtins.list[str] | None:
        """The artifact names of an active run; None when the run has ended or is not there."""
        with self._database.read() as connection:
            row = connection.execute("SELECT state, artifacts FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row["state"] not in ACTIVE_STATES:
            return None
        return list(loads_json(row["artifacts"], []))

    def cancel_requested(self, run_ids: builtins.list[str]) -> set[str]:
        """Which of these runs someone asked to stop (from any process)."""
        if not run_ids:
            return set()
        marks = ",".join("?" * len(run_ids))
        with self._database.read() as connection:
            rows = connection.execute(
                f"SELECT id FROM runs WHERE cancel_requested = 1 AND id IN ({marks})", run_ids).fetchall()
        return {row["id"] for row in rows}

    # -- owner actions

    def insert(self, run_id: str, *, config: dict[str, Any], owner: str, data_name: str | None,
               fingerprint: str | None, artifacts: builtins.list[str], runner: str | None,
               max_active: int | None) -> None:
        """A new queued run; LimitError if ``owner`` already has ``max_active`` runs active."""
        epochs = config.get("epochs")
        now = time.time()
        with self._database.write(immediate=True) as connection:
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
                (run_id, owner, str(config.get("kind", "")), dumps_json(config), data_name, fingerprint,
                 QUEUED, dumps_json(artifacts), epochs if isinstance(epochs, int) else None, active,
                 runner, now, now))

    def set_shared(self, run_id: str, owner: str, shared: bool) -> None:
        with self._database.write(immediate=True) as connection:
            self._visible_row(connection, run_id, owner, must_own=True)
            connection.execute("UPDATE runs SET shared = ? WHERE id = ?", (int(bool(shared)), run_id))

    def delete(self, run_id: str, viewer: str | None) -> None:
        """Delete a finished run's rows (the viewer must own it; LabError while it is active)."""
        with self._database.write(immediate=True) as connection:
            row = self._visible_row(connection, run_id, viewer, must_own=True)
            if row["state"] in ACTIVE_STATES:
                raise LabError("This run is still queued or running: cancel it before deleting it.")
            self._delete_rows(connection, [run_id])

    def delete_finished_before(self, cutoff: float) -> builtins.list[str]:
        """Delete the rows of every run that ended before ``cutoff``; returns their ids."""
        with self._database.write(immediate=True) as connection:
            places = ", ".join("?" * len(FINAL_STATES))
            rows = connection.execute(f"SELECT id FROM runs WHERE finished < ? AND state IN ({places})",
                                      (cutoff, *FINAL_STATES))
            old = [row["id"] for row in rows]
            self._delete_rows(connection, old)
        return old

    @staticmethod
    def _delete_rows(connection: sqlite3.Connection, run_ids: builtins.list[str]) -> None:
        connection.executemany("DELETE FROM epochs WHERE run_id = ?", [(run_id,) for run_id in run_ids])
        connection.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in run_ids])

    def request_cancel(self, run_id: str, viewer: str | None) -> None:
        """Flag an active run; a queued one, or one whose process is gone, is cancelled at once."""
        now = time.time()
        with self._database.write(immediate=True) as connection:
            row = self._visible_row(connection, run_id, viewer, must_own=True)
            if row["state"] in ACTIVE_STATES:
                connection.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))
                if row["state"] == QUEUED or not runner_alive(row["runner"], row["heartbeat"], now):
                    connection.execute(
                        "UPDATE runs SET state = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                        (CANCELLED, now, run_id, *ACTIVE_STATES))

    # -- the runner's side (no ownership checks)

    def claim(self, run_id: str, runner: str) -> bool:
        with self._database.write(immediate=True) as connection:
            cursor = connection.execute(
                "UPDATE runs SET runner = ?, heartbeat = ? WHERE id = ? AND state = ?",
                (runner, time.time(), run_id, QUEUED))
            return cursor.rowcount == 1

    def heartbeat(self, runner: str) -> None:
        with self._database.write() as connection:
            connection.execute("UPDATE runs SET heartbeat = ? WHERE runner = ? AND state IN (?, ?)",
                               (time.time(), runner, *ACTIVE_STATES))

    def mark_running(self, run_id: str, worker: str | None) -> bool:
        with self._database.write() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, started = ?, worker = ? WHERE id = ? AND state = ?",
                (RUNNING, time.time(), worker, run_id, QUEUED))
            return cursor.rowcount == 1

    def add_epochs(self, run_id: str, reports: builtins.list[EpochReport]) -> bool:
        """Epoch rows of an active run and its latest progress, in one transaction; False (nothing
        written) if the run is over."""
        rows = [plain(report.to_dict()) for report in reports]
        last = max(rows, key=lambda row: row["epoch"])
        with self._database.write() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, started = COALESCE(started, ?), progress = ?, "
                "epochs_done = MAX(epochs_done, ?), epochs_total = ? WHERE id = ? AND state IN (?, ?)",
                (RUNNING, time.time(), dumps_json(last), last["epoch"], last["epochs"], run_id,
                 *ACTIVE_STATES))
            if cursor.rowcount != 1:
                return False
            connection.executemany(
                f"INSERT OR REPLACE INTO epochs ({_EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, row["epoch"], row["epochs"], row["loss"], row["val_loss"],
                  dumps_json(row["metrics"] or {}), row["elapsed"], row["eta"]) for row in rows])
        return True

    def finish(self, run_id: str, state: str, error: str | None) -> bool:
        with self._database.write() as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                (state, error, time.time(), run_id, *ACTIVE_STATES))
            return cursor.rowcount == 1

    def finish_success(self, run_id: str, result: RunResult, artifacts: builtins.list[str]) -> bool:
        """Metrics, summary, full history and ``succeeded`` in one transaction; False if the run had
        ended meanwhile."""
        history = [plain(report) for report in result.history]
        last = history[-1] if history else None
        with self._database.write(immediate=True) as connection:
            cursor = connection.execute(
                "UPDATE runs SET state = ?, error = NULL, metrics = ?, summary = ?, artifacts = ?, "
                "progress = COALESCE(?, progress), epochs_done = COALESCE(?, epochs_done), "
                "finished = ?, fit_seconds = ? WHERE id = ? AND state IN (?, ?)",
                (SUCCEEDED, dumps_json(as_dict(result.metrics)), dumps_json(as_dict(result.summary) or {}),
                 dumps_json(artifacts),
                 None if last is None else dumps_json(last), None if last is None else last["epoch"],
                 time.time(), plain(float(result.fit_seconds)), run_id, *ACTIVE_STATES))
            if cursor.rowcount == 1 and history:
                connection.execute("DELETE FROM epochs WHERE run_id = ?", (run_id,))
                connection.executemany(
                    f"INSERT INTO epochs ({_EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, item["epoch"], item["epochs"], item["loss"], item.get("val_loss"),
                      dumps_json(item.get("metrics") or {}), item.get("elapsed"), item.get("eta"))
                     for item in history])
            return cursor.rowcount == 1

    def interrupt_orphaned(self, keep_runner: str | None, now: float) -> tuple[int, set[str]]:
        """Mark ``interrupted`` every active run whose runner is gone (except ``keep_runner``'s).
        Returns how many, and the ids of every run in the table (to find orphan folders)."""
        with self._database.write(immediate=True) as connection:
            rows = connection.execute(
                "SELECT id, runner, heartbeat FROM runs WHERE state IN (?, ?)", ACTIVE_STATES).fetchall()
            stale = [row for row in rows if row["runner"] != keep_runner
                     and not runner_alive(row["runner"], row["heartbeat"], now)]
            connection.executemany(
                "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                [(INTERRUPTED, interrupted_message(row["runner"]), now, row["id"], *ACTIVE_STATES)
                 for row in stale])
            known = {row["id"] for row in connection.execute("SELECT id FROM runs")}
        return len(stale), known

