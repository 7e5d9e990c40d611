"""The run store's artifact folder: one folder per run, files written atomically.

``artifacts/<run_id>/<name>``: data.csv (the uploaded bytes), predictions.csv, model.keras, ...
OS errors propagate as they are: ``RunStore`` wraps its calls in ``Database.plain_errors``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from pathlib import Path

from models.errors import RunNotFound

ORPHAN_AGE_SECONDS = 3600  # a run being created right now has its folder before its row


class StoreFiles:
    """The folder ``artifacts_dir`` (created when missing) and the files of each run in it."""

    def __init__(self, artifacts_dir: Path):
        self.artifacts_dir = artifacts_dir
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)

    def run_dir(self, run_id: str) -> Path:
        """The run's folder; RunNotFound for an id that could climb out of the artifact folder."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", run_id or ""):
            raise RunNotFound("No run with that id.")
        return self.artifacts_dir / run_id

    def path(self, run_id: str, name: str) -> Path:
        return self.run_dir(run_id) / name

    def read(self, run_id: str, name: str) -> bytes:
        """The file's bytes (FileNotFoundError when it is not there)."""
        return self.path(run_id, name).read_bytes()

    def write(self, run_id: str, name: str, data: bytes) -> None:
        """Write ``data`` atomically: temporary file, fsync, rename (never a half-written file)."""
        path = self.path(run_id, name)
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

    def remove(self, run_id: str, names: list[str]) -> None:
        """Remove some files of a run, as far as possible (undoing a half-stored result)."""
        for name in names:
            with contextlib.suppress(OSError):
                self.path(run_id, name).unlink()

    def remove_run(self, run_id: str) -> None:
        """Remove a run's folder with everything in it, as far as possible."""
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def remove_orphans(self, known: set[str], now: float) -> None:
        """Remove folders of runs that were never recorded (a crash between folder and row)."""
        for folder in self.artifacts_dir.iterdir():
            if folder.name not in known and now - folder.stat().st_mtime > ORPHAN_AGE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
