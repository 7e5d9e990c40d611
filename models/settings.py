"""Deployment settings, read from environment variables in one place.

=================================  ==========================================================
``LSTMLAB_DATA_DIR``               folder of the run store (``runs.sqlite``) and artifacts;
                                   default ``./lab-data`` (relative to the working directory)
``LSTMLAB_SCHEDULER``              address of an existing Dask scheduler (``tcp://host:8786``);
                                   unset: an embedded LocalCluster on 127.0.0.1
``LSTMLAB_WORKERS``                worker processes of the embedded cluster (one run each);
                                   default ``max(1, min(2, cpu_count))``
``LSTMLAB_KEEP_DAYS``              finished runs older than this many days are deleted with
                                   their files; unset: every run is kept
=================================  ==========================================================

The per-owner queue limit (``LSTMLAB_MAX_QUEUED_PER_OWNER``, default 3) lives with the other limits
in models/limits.py and is read at each submit.

No TensorFlow, no Streamlit: the app, the CLI and the workers all read these.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from models.errors import ConfigError

DATA_DIR_ENV = "LSTMLAB_DATA_DIR"
SCHEDULER_ENV = "LSTMLAB_SCHEDULER"
WORKERS_ENV = "LSTMLAB_WORKERS"
KEEP_DAYS_ENV = "LSTMLAB_KEEP_DAYS"

DEFAULT_DATA_DIR = "lab-data"
CLI_OWNER = "cli"  # the named owner of runs made from the command line


def default_workers() -> int:
    """One worker per core, at most two: each worker trains one run at a time."""
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    """Where runs are stored and where they are computed."""

    data_dir: Path
    scheduler: str | None = None  # None: embedded LocalCluster
    workers: int = 1  # embedded cluster only
    max_queued_per_owner: int | None = None  # None: models.limits.max_queued_per_owner() at submit
    keep_days: int | None = None  # None: runs are kept until someone deletes them

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)


def _int_setting(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {text!r}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}.")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (``os.environ`` by default); bad values raise ConfigError."""
    environ = os.environ if environ is None else environ
    data_dir = Path(environ.get(DATA_DIR_ENV, "").strip() or DEFAULT_DATA_DIR).expanduser().resolve()
    scheduler = environ.get(SCHEDULER_ENV, "").strip() or None
    if scheduler is not None and "://" not in scheduler:
        raise ConfigError(f"{SCHEDULER_ENV} must be a scheduler address like tcp://host:8786, "
                          f"got {scheduler!r}.")
    return Settings(
        data_dir=data_dir,
        scheduler=scheduler,
        workers=_int_setting(environ, WORKERS_ENV, default_workers(), 1, 64),
        keep_days=_int_setting(environ, KEEP_DAYS_ENV, 0, 1, 36_500) or None,
    )
