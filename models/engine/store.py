"""The run store: every run in one SQLite file, its files in an artifact folder.

Layout of the data folder (``LSTMLAB_DATA_DIR``)::

    runs.sqlite                 table ``runs`` (one row per run) and ``epochs`` (one row per epoch)
    artifacts/<run_id>/<name>   data.csv (the uploaded bytes), predictions.csv, model.keras, ...

``RunStore`` is the one face of three parts: ``RunsTable`` (the SQL, models/engine/runs_table.py),
``StoreFiles`` (the artifact folder, models/engine/store_files.py) and ``Database`` (transactions and
plain errors, models/engine/database.py); ``schema.open_database`` creates or upgrades the file.

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
  or a half-stored run; a damaged store file is refused in one sentence and never rewritten.

No TensorFlow here: the app process reads the store on every progress tick.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from models.engine import schema
from models.engine.database import Database
from models.engine.records import (
    ACTIVE_STATES,
    ARTIFACT_NAME,
    CANCELLED,
    DATA_ARTIFACT,
    FAILED,
    FINAL_STATES,
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    QUEUED,
    RUNNING,
    STALE_HEARTBEAT_SECONDS,
    SUCCEEDED,
    RunRecord,
    cannot_write_message,
    disk_full_message,
    new_run_id,
    plain,
    process_identity,
    runner_alive,
)
from models.engine.runs_table import RunsTable
from models.engine.store_files import StoreFiles
from models.errors import LabError, RunNotFound
from models.results import EpochReport, RunResult


class RunStore:
    """SQLite run store plus artifact folder under ``data_dir``.

    Reader calls take ``owner`` (``everyone=True``: any run, for the CLI and tools); runner-side
    calls (``claim``, ``mark_running``, ``add_epochs``, ``finish``, ``finish_success`` ...) are used
    by the job engine and the CLI's detached runner only and do not check ownership.
    """

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.db_path = self.data_dir / "runs.sqlite"
        self.artifacts_dir = self.data_dir / "artifacts"
        self._database = Database(self.db_path, self.data_dir)
        with self._database.plain_errors():
            self._files = StoreFiles(self.artifacts_dir)
            schema.open_database(self.db_path, self.data_dir)
        self._runs = RunsTable(self._database)

    # -- reader side

    def get_run(self, run_id: str, owner: str, *, everyone: bool = False) -> RunRecord:
        """The run if ``owner`` may see it (own or shared; ``everyone``: any run), else RunNotFound.

        A run still marked queued or running whose process is gone (a killed server or CLI runner)
        is marked ``interrupted`` here, so whoever looks next sees the truth.
        """
        return self._runs.get(run_id, None if everyone else owner)

    def list_runs(self, owner: str, *, everyone: bool = False, limit: int = 500) -> list[RunRecord]:
        """The owner's runs and the shared ones (``everyone``: all runs), newest first."""
        return self._runs.list(None if everyone else owner, limit)

    def history(self, run_id: str, owner: str, *, everyone: bool = False) -> list[EpochReport]:
        """Per-epoch reports of a visible run, in epoch order."""
        return self._runs.history(run_id, None if everyone else owner)

    def artifact_path(self, run_id: str, name: str, owner: str, *, everyone: bool = False) -> Path:
        """Path of one artifact of a visible run (RunNotFound if the run or file is not there)."""
        record = self.get_run(run_id, owner, everyone=everyone)
        if name not in record.artifacts:
            raise RunNotFound(f"This run has no file named {name}.")
        return self._files.path(run_id, name)

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
        return self._runs.queue_turn(run_id)

    def queue_position(self, run_id: str) -> int | None:
        """1 = next to start; None when the run is not queued."""
        return self._runs.queue_position(run_id)

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
        fingerprint = None if data_bytes is None else hashlib.sha256(data_bytes).hexdigest()
        with self._database.plain_errors():
            try:
                # The dataset goes first: a queued row always has its data (a crash here leaves only an
                # orphan folder, removed by ``recover_interrupted``).
                if data_bytes is not None:
                    self._files.write(run_id, DATA_ARTIFACT, data_bytes)
                self._runs.insert(run_id, config=config, owner=owner, data_name=data_name,
                                  fingerprint=fingerprint,
                                  artifacts=[DATA_ARTIFACT] if data_bytes is not None else [],
                                  runner=runner, max_active=max_active)
            except BaseException:
                self._files.remove_run(run_id)
                raise
        return run_id

    def set_shared(self, run_id: str, owner: str, shared: bool) -> RunRecord:
        """Share a run with every user (or stop sharing it). Only its owner may."""
        self._runs.set_shared(run_id, owner, shared)
        return self.get_run(run_id, owner)

    def delete_run(self, run_id: str, owner: str, *, everyone: bool = False) -> None:
        """Delete a finished run and its files. Only its owner may; an active run must be stopped first."""
        with self._database.plain_errors():
            self._runs.delete(run_id, None if everyone else owner)
            self._files.remove_run(run_id)

    def remove_finished_before(self, cutoff: float) -> int:
        """Delete every run that ended before ``cutoff`` (unix seconds), with its epochs and files
        (the retention setting ``LSTMLAB_KEEP_DAYS``); runs waiting or training are never touched.
        Returns how many runs were deleted."""
        with self._database.plain_errors():
            old = self._runs.delete_finished_before(cutoff)
            for run_id in old:
                self._files.remove_run(run_id)
        return len(old)

    def request_cancel(self, run_id: str, owner: str, *, everyone: bool = False) -> RunRecord:
        """Ask a run to stop. A queued run is cancelled at once; a running one is flagged and its
        engine forwards the request to the worker (the run turns ``cancelled`` within about a
        second). A run whose process is gone is cancelled at once. Finished runs are unchanged.
        """
        self._runs.request_cancel(run_id, None if everyone else owner)
        return self.get_run(run_id, owner, everyone=everyone)

    # -- runner side: the job engine and the CLI's detached runner (no ownership checks)

    def load_data(self, run_id: str) -> bytes | None:
        """The dataset bytes kept with a run (None for runs without uploaded data)."""
        try:
            return self._files.read(run_id, DATA_ARTIFACT)
        except FileNotFoundError:
            return None

    def claim(self, run_id: str, runner: str) -> bool:
        """Make ``runner`` responsible for a queued run; False if it is no longer queued."""
        return self._runs.claim(run_id, runner)

    def heartbeat(self, runner: str) -> None:
        """Sign of life for every active run of ``runner`` (read by other hosts' recovery)."""
        self._runs.heartbeat(runner)

    def mark_running(self, run_id: str, worker: str | None = None) -> bool:
        """queued -> running (the task started on a worker); False if the run is no longer queued."""
        return self._runs.mark_running(run_id, worker)

    def add_epochs(self, run_id: str, reports: list[EpochReport]) -> bool:
        """Record epochs of an active run (and mark it running) in one transaction; False if the run
        is over (a late report never changes a finished run)."""
        return self._runs.add_epochs(run_id, reports) if reports else True

    def add_epoch(self, run_id: str, report: EpochReport) -> bool:
        """Record one epoch (see ``add_epochs``)."""
        return self.add_epochs(run_id, [report])

    def finish(self, run_id: str, state: str, error: str | None = None) -> bool:
        """An active run ends without results (failed, cancelled, interrupted); False if it had ended."""
        if state not in (FAILED, CANCELLED, INTERRUPTED):
            raise ValueError(f"finish() cannot set state {state!r}")
        return self._runs.finish(run_id, state, error)

    def finish_success(self, run_id: str, result: RunResult) -> bool:
        """Store a finished run: artifacts first (atomic files), then one transaction with the
        metrics, summary, full history and state ``succeeded``. False (and no files) if the run
        had already ended, e.g. cancelled while its last epoch was computing; LabError (and no
        files, the run still active) when they cannot be written, e.g. the disk is full.
        """
        for name in result.artifacts:
            if not ARTIFACT_NAME.match(name) or name == DATA_ARTIFACT:
                raise ValueError(f"Bad artifact name {name!r}")
        names = self._runs.active_artifacts(run_id)
        if names is None:
            return False
        written: list[str] = []
        stored = False
        try:
            with self._database.plain_errors():
                for name, data in result.artifacts.items():
                    self._files.write(run_id, name, bytes(data))
                    written.append(name)
                    if name not in names:
                        names.append(name)
                stored = self._runs.finish_success(run_id, result, names)
        finally:
            if not stored:  # ended meanwhile, or could not be saved (disk full): no half-stored results
                self._files.remove(run_id, written)
        return stored

    def cancel_requested(self, run_ids: list[str]) -> set[str]:
        """Which of these runs someone asked to stop (from any process)."""
        return self._runs.cancel_requested(run_ids)

    def recover_interrupted(self, keep_runner: str | None = None, remove_orphans: bool = True) -> int:
        """Mark ``interrupted`` every queued/running run whose process is gone (server restart,
        killed CLI runner). Returns how many runs were marked.

        ``keep_runner``: the caller's own identity (its runs are alive by definition).
        ``remove_orphans``: also delete artifact folders of runs that were never recorded (only
        folders older than an hour: a run being created right now has its data first).
        """
        now = time.time()
        with self._database.plain_errors():
            stale, known = self._runs.interrupt_orphaned(keep_runner, now)
            if remove_orphans:
                self._files.remove_orphans(known, now)
        return stale


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
