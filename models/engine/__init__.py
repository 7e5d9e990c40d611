"""Background runs and their records: the Dask job engine, the SQLite run store, sweeps, export.

For: submitting, polling and cancelling runs from the app and the CLI, and keeping every run,
metric and artifact on disk.
May import: dask, sqlite3 and the pure rooms below it; ``models.train`` only lazily, inside
``models.engine.worker`` (the function a worker process runs), so the app server never loads it.
"""
