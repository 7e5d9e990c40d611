"""Runs started from the command line with ``--background``: queued in the store, trained by a
detached runner process (``python -m models runs work RUN_ID``) through a one-worker engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import BufferedWriter
from pathlib import Path
from typing import Any

from models.config import DigitsConfig, ForecastConfig
from models.engine import workload
from models.engine.engine import JobEngine, as_config
from models.engine.records import mark_cli_runner
from models.engine.store import (
    FAILED,
    RunRecord,
    RunStore,
    process_identity,
)
from models.errors import DataError, LabError
from models.limits import max_queued_per_owner
from models.settings import CLI_OWNER, DATA_DIR_ENV, Settings, load_settings


def submit_from_cli(config: ForecastConfig | DigitsConfig | dict[str, Any], data_bytes: bytes | None,
                    data_name: str | None, owner: str = CLI_OWNER,
                    settings: Settings | None = None) -> str:
    """Queue a run from the command line and start a detached runner for it; returns the run id.

    The runner (``python -m models runs work RUN_ID``, its own session so it outlives this
    process) trains the run through a one-worker engine, or on ``LSTMLAB_SCHEDULER`` when set,
    and writes state, progress and results to the store. ``python -m models runs show/cancel``
    work through the same store.
    """
    settings = settings or load_settings()
    run_config = as_config(config)
    if isinstance(run_config, ForecastConfig) and not data_bytes:
        raise DataError("A forecast run needs a data file.")
    workload.check_run(run_config, data_bytes, data_name)
    store = RunStore(settings.data_dir)
    run_id = store.create_run(config=run_config.to_dict(), owner=owner, data_name=data_name,
                              data_bytes=data_bytes, runner=process_identity(cli_runner=True),
                              max_active=settings.max_queued_per_owner or max_queued_per_owner())
    log_dir = settings.data_dir / "logs"
    log: BufferedWriter | int  # the log file, or subprocess.DEVNULL when it cannot be opened
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{run_id}.log", "ab")  # noqa: SIM115 (handed to the child process)
    except OSError:
        log = subprocess.DEVNULL
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ, **{DATA_DIR_ENV: str(settings.data_dir)})
    environment["PYTHONPATH"] = os.pathsep.join(
        [root] + [part for part in environment.get("PYTHONPATH", "").split(os.pathsep) if part])
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "models", "runs", "work", run_id], cwd=root, env=environment,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    except OSError as error:
        store.finish(run_id, FAILED, "Could not start the background training process.")
        raise LabError(f"Could not start the background training process ({error}).") from error
    finally:
        if isinstance(log, BufferedWriter):  # not subprocess.DEVNULL
            log.close()
    # The child is responsible from now on (a server restarting meanwhile must not think it dead).
    store.claim(run_id, process_identity(child.pid, cli_runner=True))
    return run_id


def work_on(run_id: str, settings: Settings | None = None) -> RunRecord:
    """Body of the detached runner: train one queued run to its end, then stop the cluster."""
    mark_cli_runner()  # before the engine takes its identity: a kill then names this runner, not the server
    settings = settings or load_settings()
    if not settings.scheduler:
        settings = settings.replace(workers=1)
    engine = JobEngine(settings, recover=False)
    try:
        try:
            engine.wait_ready()
        except LabError as error:
            engine.store.finish(run_id, FAILED, str(error))
            raise
        engine.adopt(run_id)
        return engine.wait(run_id, "", everyone=True)
    finally:
        engine.close()
