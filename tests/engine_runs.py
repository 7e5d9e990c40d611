"""Run configurations and waiting for a run to reach a state, shared by the job-engine tests."""

from __future__ import annotations

import time

from models.config import ForecastConfig

TINY = ForecastConfig(mode="local", epochs=6, units=4, look_back=4, batch_size=16, ensemble=1)
# Thousands of small steps: runs for a minute unless stopped (the tests stop it after a few epochs).
LONG = ForecastConfig(mode="local", epochs=2000, units=4, look_back=4, batch_size=1, ensemble=1)


def wait_for(engine, run_id: str, owner: str, condition, timeout: float = 90.0):
    """Poll ``engine.status`` until ``condition(record)``; AssertionError with the last state on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        record = engine.status(run_id, owner)
        if condition(record):
            return record
        assert time.monotonic() < deadline, f"timed out: {record.state}, {record.epochs_done} epochs"
        time.sleep(0.02)
