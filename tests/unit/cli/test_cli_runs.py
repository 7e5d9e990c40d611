"""``python -m models runs ...`` and background runs started from the command line."""

from __future__ import annotations

import json
import time

import psutil
import pytest

from models.cli import main
from models.config import ForecastConfig
from models.engine.background import submit_from_cli
from models.engine.store import RunStore
from models.results import EpochReport, RunResult
from models.settings import CLI_OWNER


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # capture only this command's output
    code = main(["runs", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def store(lab_data_dir) -> RunStore:
    return RunStore(lab_data_dir)


def test_list_show_cancel_delete(store, capsys):
    done = store.create_run(config={"kind": "forecast", "epochs": 2}, owner=CLI_OWNER, data_name="air.csv",
                            data_bytes=b"m,v\n1,2\n")
    store.mark_running(done)
    store.add_epoch(done, EpochReport(epoch=1, epochs=2, loss=0.5))
    store.finish_success(done, RunResult(kind="forecast", metrics={"lstm": {"test_rmse": 47.25}},
                                         history=[EpochReport(epoch=e, epochs=2, loss=0.5).to_dict()
                                                  for e in (1, 2)],
                                         artifacts={"predictions.csv": b"p"}, fit_seconds=2.0))
    queued = store.create_run(config={"kind": "digits", "epochs": 3}, owner=CLI_OWNER, data_name="mnist")
    someone_else = store.create_run(config={"kind": "digits"}, owner="browser-session")

    code, out, _ = _run_cli(capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "KIND", "DATA", "CREATED", "STATE"]
    assert queued in lines[1] and "queued (#1 in line)" in lines[1]
    assert done in lines[2] and lines[2].endswith("succeeded")
    assert someone_else not in out

    code, out, _ = _run_cli(capsys, "show", done)
    assert code == 0 and "lstm.test_rmse: 47.25" in out and "predictions.csv" in out
    code, out, _ = _run_cli(capsys, "show", done, "--json")
    document = json.loads(out)
    assert document["state"] == "succeeded" and [item["epoch"] for item in document["history"]] == [1, 2]

    code, out, err = _run_cli(capsys, "show", someone_else)
    assert (code, out) == (2, "") and err.startswith("error: No run with that id")
    code, out, _ = _run_cli(capsys, "--all", "--json")
    assert {item["id"] for item in json.loads(out)} == {done, queued, someone_else}

    code, out, _ = _run_cli(capsys, "cancel", queued)
    assert code == 0 and out.strip() == f"Run {queued} is cancelled."
    code, out, _ = _run_cli(capsys, "delete", done)
    assert code == 0 and not (store.artifacts_dir / done).exists()
    code, out, _ = _run_cli(capsys, "--json")
    assert [item["id"] for item in json.loads(out)] == [queued]


def _runner_processes(run_id: str) -> list[psutil.Process]:
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if run_id in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_background_runs_outlive_the_command_and_cancel_through_the_store(lab_data_dir, capsys,
                                                                          airline_csv):
    tiny = ForecastConfig(mode="local", epochs=4, units=4, look_back=4, batch_size=16, ensemble=1)
    long = ForecastConfig(mode="local", epochs=2000, units=4, look_back=4, batch_size=1, ensemble=1)
    finishing = submit_from_cli(tiny, airline_csv, "airline-passengers.csv")
    stopping = submit_from_cli(long, airline_csv, "airline-passengers.csv")
    store = RunStore(lab_data_dir)
    assert store.get_run(finishing, CLI_OWNER).state in ("queued", "running")

    deadline = time.monotonic() + 180
    while store.get_run(stopping, CLI_OWNER).epochs_done < 1:
        assert time.monotonic() < deadline, "the background run never reported an epoch"
        assert store.get_run(stopping, CLI_OWNER).active, store.get_run(stopping, CLI_OWNER).error
        time.sleep(0.1)
    started = time.monotonic()
    code, out, _ = _run_cli(capsys, "cancel", stopping)
    assert code == 0 and "Asked run" in out
    while store.get_run(stopping, CLI_OWNER).active:
        assert time.monotonic() - started < 10, "cancel through the store took too long"
        time.sleep(0.05)
    with capsys.disabled():
        print(f"CLI cancel -> cancelled in {time.monotonic() - started:.2f} s")
    assert store.get_run(stopping, CLI_OWNER).state == "cancelled"

    finished = None
    while finished is None or finished.active:
        assert time.monotonic() < deadline, "the background run did not finish"
        time.sleep(0.2)
        finished = store.get_run(finishing, CLI_OWNER)
    assert finished.state == "succeeded", finished.error
    code, out, _ = _run_cli(capsys, "show", finishing, "--json")
    assert json.loads(out)["metrics"]["lstm"]["test_rmse"] > 0
    # Both detached runners stop once their run has ended.
    while _runner_processes(finishing) or _runner_processes(stopping):
        assert time.monotonic() < deadline, "a runner process did not exit"
        time.sleep(0.2)
