"""The SQLite run store: ownership, queue, atomic results, recovery, unwritable folders. No Dask."""

from __future__ import annotations

import ctypes
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from models.config import ForecastConfig
from models.engine.schema import SCHEMA_VERSION
from models.engine.store import INTERRUPTED_MESSAGE, RunStore, plain, process_identity
from models.errors import LabError, LimitError, RunNotFound
from models.results import EpochReport, RunResult

ROOT = Path(__file__).resolve().parents[3]
CONFIG = {"kind": "forecast", "epochs": 3, "units": 4}


def _result(**artifacts: bytes) -> RunResult:
    history = [EpochReport(epoch=i, epochs=3, loss=1.0 / i, val_loss=2.0 / i, elapsed=i * 0.5).to_dict()
               for i in (1, 2, 3)]
    return RunResult(kind="forecast", metrics={"lstm": {"test_rmse": 12.5, "test_mape": float("nan")}},
                     summary={"verdict": "fine"}, history=history, artifacts=artifacts, fit_seconds=1.5)


@pytest.fixture
def store(lab_data_dir: Path) -> RunStore:
    return RunStore(lab_data_dir)


def test_ids_are_unguessable_and_other_owners_get_run_not_found(store):
    alice = store.create_run(config=CONFIG, owner="alice", data_name="a.csv", data_bytes=b"x\n1\n")
    bob = store.create_run(config=CONFIG, owner="bob", data_name="b.csv", data_bytes=b"x\n2\n")
    assert len(alice) >= 20 and alice != bob
    assert [run.id for run in store.list_runs("alice")] == [alice]
    assert [run.id for run in store.list_runs("bob")] == [bob]
    for action in (lambda: store.get_run(alice, "bob"), lambda: store.history(alice, "bob"),
                   lambda: store.read_artifact(alice, "data.csv", "bob"),
                   lambda: store.request_cancel(alice, "bob"), lambda: store.set_shared(alice, "bob", True),
                   lambda: store.get_run("not-a-real-id-at-all", "alice")):
        with pytest.raises(RunNotFound):
            action()
    assert store.read_artifact(alice, "data.csv", "alice") == b"x\n1\n"


def test_shared_runs_are_readable_but_only_the_owner_may_change_them(store):
    run_id = store.create_run(config=CONFIG, owner="alice", data_name="a.csv", data_bytes=b"x\n1\n")
    store.finish(run_id, "failed", "boom")
    store.set_shared(run_id, "alice", True)
    seen = store.get_run(run_id, "bob")
    assert seen.shared and not seen.mine and seen.owner is None  # the owner's id is not revealed
    assert [run.id for run in store.list_runs("bob")] == [run_id]
    with pytest.raises(RunNotFound):
        store.delete_run(run_id, "bob")
    with pytest.raises(RunNotFound):
        store.set_shared(run_id, "bob", False)
    store.set_shared(run_id, "alice", False)
    assert store.list_runs("bob") == []


def test_queue_positions_go_round_robin_by_owner_and_the_owner_limit_holds(store):
    ids = [store.create_run(config=CONFIG, owner="alice", max_active=3) for _ in range(3)]
    bob = store.create_run(config=CONFIG, owner="bob", max_active=3)
    carol = store.create_run(config=CONFIG, owner="carol", max_active=3)
    # Everyone's first run before anyone's second: Bob's and Carol's first runs wait behind Alice's
    # first only, however many Alice queued before them.
    assert [store.get_run(run_id, "alice").queue_position for run_id in ids] == [1, 4, 5]
    assert (store.get_run(bob, "bob").queue_position, store.get_run(carol, "carol").queue_position) == (2, 3)
    assert [store.queue_turn(run_id) for run_id in (*ids, bob, carol)] == [0, 1, 2, 0, 0]
    with pytest.raises(LimitError, match="limit is 3"):
        store.create_run(config=CONFIG, owner="alice", data_bytes=b"x\n1\n", max_active=3)
    assert len(list(store.artifacts_dir.iterdir())) == 0  # the refused run left no files behind
    store.mark_running(ids[0], worker="tcp://w")
    assert store.get_run(bob, "bob").queue_position == 1
    assert store.get_run(ids[1], "alice").queue_position == 3
    store.request_cancel(ids[1], "alice")  # queued: cancelled at once
    assert store.get_run(ids[1], "alice").state == "cancelled"
    again = store.create_run(config=CONFIG, owner="alice", max_active=3)  # a slot is free again
    assert store.queue_turn(again) == 2  # Alice still has two runs waiting or running


def test_progress_then_success_stores_everything_atomically(store):
    run_id = store.create_run(config=CONFIG, owner="alice", data_name="a.csv", data_bytes=b"t,v\n1,2\n",
                              runner=process_identity())
    assert store.mark_running(run_id, worker="tcp://127.0.0.1:1")
    assert store.add_epoch(run_id, EpochReport(epoch=1, epochs=3, loss=float("nan"), elapsed=0.1))
    record = store.get_run(run_id, "alice")
    assert (record.state, record.epochs_done, record.progress.loss) == ("running", 1, None)
    files = {"predictions.csv": b"a,b\n1,2\n", "model.keras": b"\0" * 99}
    assert store.finish_success(run_id, _result(**files))
    record = store.get_run(run_id, "alice")
    assert record.state == "succeeded" and record.finished >= record.started
    assert record.metrics.network.test_rmse == 12.5 and record.metrics.network.test_mape is None  # never NaN
    assert record.artifacts == ("data.csv", "predictions.csv", "model.keras")
    assert [report.epoch for report in store.history(run_id, "alice")] == [1, 2, 3]
    assert store.read_artifact(run_id, "model.keras", "alice") == b"\0" * 99
    files = sorted(path.name for path in (store.artifacts_dir / run_id).iterdir())
    assert files == ["data.csv", "model.keras", "predictions.csv"]  # no temporary files left
    # A finished run never changes state again.
    assert not store.add_epoch(run_id, EpochReport(epoch=4, epochs=3, loss=1.0))
    assert not store.finish(run_id, "failed", "late")
    assert store.get_run(run_id, "alice").state == "succeeded"


def test_a_result_arriving_after_cancel_is_dropped(store):
    run_id = store.create_run(config=CONFIG, owner="alice")
    store.request_cancel(run_id, "alice")
    assert not store.finish_success(run_id, _result(**{"predictions.csv": b"1"}))
    record = store.get_run(run_id, "alice")
    assert record.state == "cancelled" and record.metrics is None
    assert not (store.artifacts_dir / run_id / "predictions.csv").exists()


def test_restarted_store_marks_runs_of_dead_processes_interrupted(lab_data_dir):
    store = RunStore(lab_data_dir)
    gone = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    dead_runner = process_identity(gone.pid)
    gone.kill()
    gone.wait()
    running = store.create_run(config=CONFIG, owner="alice", runner=dead_runner)
    store.mark_running(running)
    store.add_epoch(running, EpochReport(epoch=1, epochs=3, loss=0.5))
    waiting = store.create_run(config=CONFIG, owner="alice", runner=dead_runner)
    done = store.create_run(config=CONFIG, owner="alice", data_bytes=b"x\n1\n", runner=dead_runner)
    store.finish_success(done, _result(**{"predictions.csv": b"p"}))
    alive = store.create_run(config=CONFIG, owner="bob", runner=process_identity())  # this process

    restarted = RunStore(lab_data_dir)
    assert restarted.recover_interrupted() == 2
    for run_id in (running, waiting):
        record = restarted.get_run(run_id, "alice")
        assert (record.state, record.error) == ("interrupted", INTERRUPTED_MESSAGE)
    assert restarted.get_run(running, "alice").epochs_done == 1  # what it did is kept
    finished = restarted.get_run(done, "alice")
    assert finished.state == "succeeded" and finished.metrics.network.test_rmse == 12.5
    assert restarted.read_artifact(done, "predictions.csv", "alice") == b"p"
    assert restarted.get_run(alive, "bob").state == "queued"


def test_delete_removes_files_but_not_active_runs(store):
    run_id = store.create_run(config=CONFIG, owner="alice", data_bytes=b"x\n1\n")
    with pytest.raises(LabError, match="cancel it before deleting"):
        store.delete_run(run_id, "alice")
    store.request_cancel(run_id, "alice")
    store.delete_run(run_id, "alice")
    assert not (store.artifacts_dir / run_id).exists()
    with pytest.raises(RunNotFound):
        store.get_run(run_id, "alice")


def test_plain_turns_numpy_and_non_finite_values_into_json():
    value = plain({"a": np.float32(1.5), "b": np.array([1.0, np.inf]), 3: (np.int64(2), float("-inf"))})
    assert value == {"a": 1.5, "b": [1.0, None], "3": [2, None]}
    json.dumps(value, allow_nan=False)


_READ_ONLY_CHECK = """
import sys
from models.errors import LabError
from models.engine.store import RunStore
try:
    RunStore(sys.argv[1])
except LabError as error:
    print("fresh:", error)
try:
    RunStore(sys.argv[2]).create_run(config={"kind": "forecast"}, owner="alice", data_bytes=b"x")
except LabError as error:
    print("existing:", error)
"""


def _without_root_file_powers() -> None:
    """In the child before exec: drop the capabilities that let root ignore file permissions
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so a read-only folder is read-only to it."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop capabilities")


def test_read_only_data_folder_gives_one_plain_error_and_no_damage(tmp_path):
    base = tmp_path / "shared"
    base.mkdir()
    existing = base / "existing"
    store = RunStore(existing)
    kept = store.create_run(config=CONFIG, owner="alice", data_bytes=b"x\n1\n")
    fresh = base / "fresh"
    fresh.mkdir()
    for folder in (existing / "artifacts" / kept, existing / "artifacts", existing, fresh):
        folder.chmod(0o555)
    for path in existing.glob("runs.sqlite*"):
        path.chmod(0o444)
    as_root = os.geteuid() == 0
    try:
        output = subprocess.run(
            [sys.executable, "-c", _READ_ONLY_CHECK, str(fresh / "lab-data"), str(existing)],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60, preexec_fn=_without_root_file_powers if as_root else None)
    except OSError as error:
        pytest.skip(f"cannot run a process without root's file powers here ({error})")
    finally:
        for path in [*existing.rglob("*"), existing, fresh]:
            path.chmod(0o755)
    assert output.returncode == 0, output.stderr
    lines = output.stdout.splitlines()
    assert lines == [
        f"fresh: Cannot write to the data folder {fresh / 'lab-data'}: check its permissions and free space.",
        f"existing: Cannot write to the data folder {existing}: check its permissions and free space.",
    ]
    # The store is intact and usable again once writable.
    with sqlite3.connect(existing / "runs.sqlite") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = RunStore(existing)
    assert [run.id for run in again.list_runs("alice")] == [kept]
    assert again.read_artifact(kept, "data.csv", "alice") == b"x\n1\n"


def test_busy_store_readers_are_fast(store):
    run_id = store.create_run(config=CONFIG, owner="alice")
    started = time.perf_counter()
    for _ in range(50):
        store.get_run(run_id, "alice")
    assert (time.perf_counter() - started) / 50 < 0.05  # a page tick must stay cheap


def test_run_ids_never_look_like_a_command_line_flag():
    from models.engine.store import new_run_id

    ids = [new_run_id() for _ in range(3000)]  # about 47 of them would start with "-" by chance
    assert not any(run_id.startswith("-") for run_id in ids)
    assert len(set(ids)) == len(ids) and all(len(run_id) == 22 for run_id in ids)


def test_runs_of_other_versions_still_open_typed(store):
    """A run stored before the network's key was "network", with settings and fields this version
    does not know, is read with its known parts; the network is written under both keys."""
    config = {**CONFIG, "retired_setting": 3, "units": -5}  # unknown key, and a value no longer valid
    run_id = store.create_run(config=config, owner="alice", data_name="a.csv", data_bytes=b"t,v\n1,2\n")
    store.mark_running(run_id)
    old = RunResult(kind="forecast", metrics={"lstm": {"test_rmse": 3.5, "retired_score": 1.0}},
                    summary={"target": "v", "verdict": "Old words.", "retired_fact": True},
                    artifacts={"predictions.csv": b"x"})
    assert store.finish_success(run_id, old)
    record = store.get_run(run_id, "alice")
    assert record.config.epochs == CONFIG["epochs"] and record.config.units == ForecastConfig().units
    assert record.metrics.network.test_rmse == 3.5 and record.summary.verdict == "Old words."
    written = record.to_dict()
    assert written["metrics"]["network"] == written["metrics"]["lstm"]
    assert written["state"] == "succeeded" and written["config"]["kind"] == "forecast"


VERSION_1_SCHEMA = """
CREATE TABLE runs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, shared INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL, config TEXT NOT NULL, data_name TEXT, data_fingerprint TEXT, state TEXT NOT NULL,
    error TEXT, metrics TEXT, summary TEXT, artifacts TEXT NOT NULL DEFAULT '[]', progress TEXT,
    epochs_done INTEGER NOT NULL DEFAULT 0, epochs_total INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0,
    runner TEXT, heartbeat REAL, worker TEXT, created REAL NOT NULL, started REAL, finished REAL,
    fit_seconds REAL);
CREATE TABLE epochs (run_id TEXT NOT NULL, epoch INTEGER NOT NULL, epochs INTEGER NOT NULL, loss REAL,
    val_loss REAL, metrics TEXT NOT NULL DEFAULT '{}', elapsed REAL, eta REAL,
    PRIMARY KEY (run_id, epoch)) WITHOUT ROWID;
INSERT INTO runs (id, owner, kind, config, state, metrics, epochs_done, epochs_total, created, finished)
    VALUES ('old-finished-run-0001', 'alice', 'forecast', '{"kind": "forecast", "epochs": 3}', 'succeeded',
            '{"network": {"test_rmse": 12.5}}', 3, 3, 1.0, 2.0),
           ('old-waiting-run-00002', 'alice', 'forecast', '{"kind": "forecast", "epochs": 3}', 'queued',
            NULL, 0, 3, 3.0, NULL);
INSERT INTO epochs (run_id, epoch, epochs, loss) VALUES ('old-finished-run-0001', 1, 3, 0.5);
"""


def test_a_store_of_the_previous_version_is_migrated_once_and_keeps_every_run(lab_data_dir):
    """Version 1 (no ``turn``, no version number written) opens, gains the column, keeps its runs."""
    lab_data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(lab_data_dir / "runs.sqlite") as connection:
        connection.executescript(VERSION_1_SCHEMA)
    store = RunStore(lab_data_dir)
    with sqlite3.connect(store.db_path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finished = store.get_run("old-finished-run-0001", "alice", everyone=True)
    assert finished.state == "succeeded" and finished.metrics.network.test_rmse == 12.5
    assert len(store.history("old-finished-run-0001", "alice")) == 1
    assert store.queue_turn("old-waiting-run-00002") == 0
    newer = store.create_run(config=CONFIG, owner="alice")
    assert store.queue_turn(newer) == 1  # the migrated waiting run counts
    RunStore(lab_data_dir)  # opening it again changes nothing
    assert store.get_run(newer, "alice").queue_position == 1 + 1


def test_a_store_written_by_a_newer_version_is_refused_plainly_and_left_alone(lab_data_dir):
    RunStore(lab_data_dir)
    with sqlite3.connect(lab_data_dir / "runs.sqlite") as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(LabError, match="written by a newer LSTM Lab"):
        RunStore(lab_data_dir)
    with sqlite3.connect(lab_data_dir / "runs.sqlite") as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 99
