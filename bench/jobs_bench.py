"""Job engine benchmark: what a page pays while a run trains, and what a run waits for.

    .venv/bin/python bench/jobs_bench.py        (or: python -m bench.jobs_bench)

Starts an embedded engine (LSTMLAB_WORKERS workers, default up to 2) on a temporary data folder,
trains real airline-passengers runs and prints one line per figure:

- engine start: constructor return (what the page's first load pays), cluster up, TensorFlow
  imported on every worker (the background warm-up);
- submit() call time, submit -> running and submit -> first epoch seen in the store (warm cluster);
- while a run trains: the page's polling reads (run status, epoch history, run list), median and p95;
- cancel -> cancelled.

There is no reference program for these figures (the seed programs train in the foreground); the
lines give the engine's own numbers. Memory and the app's page reruns: bench/app_speed.py.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import figure, percentile  # noqa: E402

OWNER = "bench"
CANCEL_TARGET = 1.5  # seconds: the page promises "a training run stops within about a second"


def _line(name: str, value: float, unit: str, note: str = "", **target) -> None:
    figure(name, value, unit, note=note or None, digits=4, **target)


def _wait(engine, run_id: str, condition, timeout: float = 300.0, poll: float = 0.005):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        record = engine.status(run_id, OWNER)
        if condition(record):
            return record
        time.sleep(poll)
    raise TimeoutError(f"run {run_id} did not get there in {timeout} s")


def main() -> int:
    from models.config import ForecastConfig
    from models.engine.engine import JobEngine
    from models.engine.worker import is_warm
    from models.settings import load_settings

    data = (ROOT / "data" / "airline-passengers.csv").read_bytes()
    tiny = ForecastConfig(epochs=10, units=8, look_back=12, batch_size=16)
    long = ForecastConfig(epochs=2000, units=8, look_back=12, batch_size=1)

    with tempfile.TemporaryDirectory(prefix="jobs-bench-") as folder:
        settings = load_settings().replace(data_dir=Path(folder), scheduler=None, max_queued_per_owner=100)
        started = time.perf_counter()
        engine = JobEngine(settings)
        _line("engine constructor", (time.perf_counter() - started) * 1000, "ms", "what a page load pays")
        try:
            engine.wait_ready()
            _line("cluster up", time.perf_counter() - started, "s", f"{settings.workers} worker(s)")
            while not all(engine.client.run(is_warm).values()):
                time.sleep(0.2)
            _line("workers warm (TensorFlow imported)", time.perf_counter() - started, "s")

            # Submit -> first epoch on a warm worker (the first run of a worker also builds its graphs).
            click, to_running, to_epoch = [], [], []
            for seed in range(3):
                t0 = time.perf_counter()
                run_id = engine.submit(tiny.replace(seed=seed), data, "airline", OWNER)
                click.append(time.perf_counter() - t0)
                _wait(engine, run_id, lambda record: record.state != "queued")
                to_running.append(time.perf_counter() - t0)
                _wait(engine, run_id, lambda record: record.epochs_done >= 1 or not record.active)
                to_epoch.append(time.perf_counter() - t0)
                engine.wait(run_id, OWNER)
            _line("submit() call", statistics.median(click) * 1000, "ms", "median of 3")
            _line("submit -> running", statistics.median(to_running), "s", "median of 3, warm worker")
            _line("submit -> first epoch in the store", statistics.median(to_epoch), "s",
                  f"median of 3, warm worker; first run {to_epoch[0]:.2f} s")

            # The page's own polling while a run trains.
            run_id = engine.submit(long, data, "airline", OWNER)
            _wait(engine, run_id, lambda record: record.epochs_done >= 1)
            timings: dict[str, list[float]] = {"status": [], "history": [], "list_runs": []}
            calls = {"status": lambda: engine.status(run_id, OWNER),
                     "history": lambda: engine.progress(run_id, OWNER),
                     "list_runs": lambda: engine.list_runs(OWNER)}
            for _ in range(300):
                for name, call in calls.items():
                    t0 = time.perf_counter()
                    call()
                    timings[name].append(time.perf_counter() - t0)
                time.sleep(0.002)
            epochs = engine.status(run_id, OWNER).epochs_done
            for name, values in timings.items():
                _line(f"poll {name} median", statistics.median(values) * 1000, "ms", "while a run trains")
                _line(f"poll {name} p95", percentile(values, 0.95) * 1000, "ms", f"{epochs} epochs stored")

            t0 = time.perf_counter()
            engine.cancel(run_id, OWNER)
            _wait(engine, run_id, lambda record: not record.active)
            cancel_seconds = time.perf_counter() - t0
            _line("cancel -> cancelled", cancel_seconds, "s", target=f"< {CANCEL_TARGET} s",
                  met=cancel_seconds < CANCEL_TARGET)
        finally:
            engine.close()
    return 0


if __name__ == "__main__":  # spawned worker processes re-import this file: keep the work under the guard
    sys.exit(main())
