"""A run whose CLI background runner died says that runner stopped; a server's run still says the
server restarted. Whoever notices first (a reader, a restarted store, the engine) gives the same words."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from models.engine import records
from models.engine.store import INTERRUPTED_MESSAGE, RunStore, process_identity
from models.results import EpochReport

CONFIG = {"kind": "forecast", "epochs": 3}
CLI_MESSAGE = ("The background runner started from the command line (--background) stopped while this run "
               "was in progress.")


def _dead_identity(cli_runner: bool) -> str:
    gone = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = process_identity(gone.pid, cli_runner=cli_runner)
    gone.kill()
    gone.wait()
    return identity


def test_a_killed_cli_runner_is_named_and_a_dead_server_still_is(lab_data_dir):
    store = RunStore(lab_data_dir)
    by_cli = store.create_run(config=CONFIG, owner="cli", runner=_dead_identity(cli_runner=True))
    store.mark_running(by_cli)
    store.add_epoch(by_cli, EpochReport(epoch=1, epochs=3, loss=0.5))
    by_server = store.create_run(config=CONFIG, owner="cli", runner=_dead_identity(cli_runner=False))

    # `runs show` notices first ...
    record = store.get_run(by_cli, "cli")
    assert (record.state, record.error, record.epochs_done) == ("interrupted", CLI_MESSAGE, 1)
    # ... or a restarting server.
    assert RunStore(lab_data_dir).recover_interrupted() == 1
    assert store.get_run(by_server, "cli").error == INTERRUPTED_MESSAGE
    assert [run.error for run in store.list_runs("cli")] == [INTERRUPTED_MESSAGE, CLI_MESSAGE]


def test_the_recovery_stores_the_runners_own_words(lab_data_dir):
    store = RunStore(lab_data_dir)
    run_id = store.create_run(config=CONFIG, owner="cli", runner=_dead_identity(cli_runner=True))
    assert store.recover_interrupted() == 1
    with sqlite3.connect(lab_data_dir / "runs.sqlite") as connection:
        (stored,) = connection.execute("SELECT error FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert stored == CLI_MESSAGE


def test_an_engine_closing_in_a_cli_runner_blames_that_runner(lab_data_dir):
    # The engine's shutdown writes the server's words; the runner column tells whose run it was.
    store = RunStore(lab_data_dir)
    run_id = store.create_run(config=CONFIG, owner="cli", runner=process_identity(cli_runner=True))
    assert store.finish(run_id, "interrupted", INTERRUPTED_MESSAGE)
    assert store.get_run(run_id, "cli").error == CLI_MESSAGE


def test_the_detached_runner_and_its_parent_write_the_same_identity(monkeypatch):
    monkeypatch.setitem(records._this_process, "cli_runner", False)
    plain = process_identity()
    assert plain.count("|") == 2 and records.interrupted_message(plain) == INTERRUPTED_MESSAGE
    records.mark_cli_runner()  # what `runs work` does first
    assert process_identity() == process_identity(os.getpid(), cli_runner=True) == plain + "|cli"
    assert records.runner_alive(process_identity(), None)  # older readers parse the first three fields


@pytest.mark.parametrize("runner", [None, "", "otherhost|12|3.00", "otherhost|12|3.00|server"])
def test_anything_else_is_the_server(runner):
    assert records.interrupted_message(runner) == INTERRUPTED_MESSAGE
