"""Background runs and their records: the Dask job engine, the SQLite run store, sweeps, export.

For: submitting, polling and cancelling runs from the app and the CLI, and keeping every run,
metric and artifact on disk.
May import: dask, sqlite3 and the pure rooms below it; ``models.train`` only lazily, inside
``models.engine.worker`` (the function a worker process runs), so the app server never loads it.

Two classes face the rest of the lab, each built from small parts with one job:

- ``JobEngine`` (engine.py): ``Inbox`` (inbox.py, the notes its thread reads), ``RunQueue``
  (run_queue.py, runs waiting for a worker), ``Dispatcher`` (dispatcher.py, runs onto Dask and
  outcomes into the store), ``ClusterConnection`` (cluster.py), driven by ``EngineLoop``
  (engine_loop.py, the one background thread); the notes and the job are typed in messages.py.
- ``RunStore`` (store.py): ``RunsTable`` (runs_table.py, the SQL), ``StoreFiles`` (store_files.py,
  the artifact folder), ``Database`` (database.py, transactions and plain errors), the layout and its
  migrations in schema.py, and the values it hands out (``RunRecord`` ...) in records.py.

The names below are loaded on first use, so importing one module (a page reading ``RunRecord``)
does not start Dask's imports.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "JobEngine": "models.engine.engine",
    "RunStore": "models.engine.store",
    "RunRecord": "models.engine.records",
    "submit_from_cli": "models.engine.background",
    "work_on": "models.engine.background",
    "export_run": "models.engine.export",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
