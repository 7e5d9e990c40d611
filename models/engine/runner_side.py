"""The run store's engine side: claiming, progress, outcomes and recovery (no ownership checks).

A mixin of ``RunStore``: its methods use the store's connections and artifact folder. Only the job
engine and the CLI's detached runner call them.
"""

from __future__ import annotations

import contextlib
import shutil
import time

from models.engine.records import (
    ACTIVE_STATES,
    ARTIFACT_NAME,
    CANCELLED,
    DATA_ARTIFACT,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    dumps_json,
    interrupted_message,
    loads_json,
    plain,
    runner_alive,
)
from models.results import EpochReport, RunResult
from models.summaries import as_dict


class RunnerSide:
    """Engine-side calls of ``RunStore`` (see ``models.engine.store``)."""

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
                (RUNNING, time.time(), dumps_json(last), last["epoch"], last["epochs"], run_id,
                 *ACTIVE_STATES))
            if cursor.rowcount != 1:
                return False
            connection.executemany(
                "INSERT OR REPLACE INTO epochs (run_id, epoch, epochs, loss, val_loss, metrics, "
                "elapsed, eta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, row["epoch"], row["epochs"], row["loss"], row["val_loss"],
                  dumps_json(row["metrics"] or {}), row["elapsed"], row["eta"]) for row in rows])
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
            if not ARTIFACT_NAME.match(name) or name == DATA_ARTIFACT:
                raise ValueError(f"Bad artifact name {name!r}")
        with self._read() as connection:
            row = connection.execute("SELECT state, artifacts FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None or row["state"] not in ACTIVE_STATES:
            return False
        run_dir = self._run_dir(run_id)
        names = list(loads_json(row["artifacts"], []))
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
                (SUCCEEDED, dumps_json(as_dict(result.metrics)), dumps_json(as_dict(result.summary) or {}),
                 dumps_json(names),
                 None if last is None else dumps_json(last), None if last is None else last["epoch"],
                 time.time(), plain(float(result.fit_seconds)), run_id, *ACTIVE_STATES))
            if cursor.rowcount == 1 and history:
                connection.execute("DELETE FROM epochs WHERE run_id = ?", (run_id,))
                connection.executemany(
                    "INSERT INTO epochs (run_id, epoch, epochs, loss, val_loss, metrics, elapsed, "
                    "eta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, item["epoch"], item["epochs"], item["loss"], item.get("val_loss"),
                      dumps_json(item.get("metrics") or {}), item.get("elapsed"), item.get("eta"))
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
                stale = [row for row in rows if row["runner"] != keep_runner
                         and not runner_alive(row["runner"], row["heartbeat"], now)]
                connection.executemany(
                    "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN (?, ?)",
                    [(INTERRUPTED, interrupted_message(row["runner"]), now, row["id"], *ACTIVE_STATES)
                     for row in stale])
                known = {row["id"] for row in connection.execute("SELECT id FROM runs")}
            for folder in self.artifacts_dir.iterdir() if remove_orphans else ():
                # Only folders older than an hour: a run being created right now has its data first.
                if folder.name not in known and now - folder.stat().st_mtime > 3600:
                    shutil.rmtree(folder, ignore_errors=True)
        return len(stale)

