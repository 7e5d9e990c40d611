"""Exporting a run as a zip: every file, no owner token, ownership respected, a reproduction script."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest

from models.config import DigitsConfig, ForecastConfig
from models.engine.export import export_file_name, export_run
from models.engine.store import RunStore
from models.errors import RunNotFound
from models.results import RunResult, make_report
from models.summaries import ForecastMetrics

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ForecastConfig(mode="local", look_back=3, units=5, epochs=2, ensemble=1)
METRICS = {"lstm": {"test_rmse": 41.5}, "seasonal_naive": {"test_rmse": 42.3}}


def _finished_run(store: RunStore, owner: str, config, data: bytes | None,
                  artifacts: dict[str, bytes]) -> str:
    run_id = store.create_run(config=config.to_dict(), owner=owner, data_name="airline-passengers.csv",
                              data_bytes=data)
    history = [make_report(epoch, 2, 1.0 / epoch, 0.0, float(epoch), val_loss=2.0 / epoch).to_dict()
               for epoch in (1, 2)]
    summary = {"target": "Passengers", "season_length": 12}
    result = RunResult(kind=config.kind, metrics=METRICS, summary=summary, history=history,
                       artifacts=artifacts, fit_seconds=1.5)
    assert store.finish_success(run_id, result)
    return run_id


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_forecast_zip_holds_settings_scores_files_and_a_reproduction_script(tmp_path, airline_csv):
    store = RunStore(tmp_path)
    artifacts = {"predictions.csv": b"time,actual,part,lstm\n1949-01,112,train,\n", "model.keras": b"KERAS",
                 "config.json": b'{"ignored": true}'}
    run_id = _finished_run(store, "alice", CONFIG, airline_csv, artifacts)
    record = store.get_run(run_id, "alice")
    files = _unzip(export_run(store, run_id, "alice"))

    assert export_file_name(record) == f"lstm-lab-forecast-{run_id[:8].rstrip('-_')}.zip"
    assert export_file_name(dataclasses.replace(record, id="AbC123x-rest")) == "lstm-lab-forecast-AbC123x.zip"
    assert json.loads(files["config.json"]) == CONFIG.to_dict()  # from the record, not the old file
    metrics = json.loads(files["metrics.json"])  # typed: every score, the network under both keys
    assert metrics == ForecastMetrics.from_dict(METRICS).to_dict()
    assert metrics["network"]["test_rmse"] == metrics["lstm"]["test_rmse"] == METRICS["lstm"]["test_rmse"]
    assert json.loads(files["summary.json"])["target"] == "Passengers"
    assert files["data.csv"] == airline_csv
    assert files["predictions.csv"] == artifacts["predictions.csv"] and files["model.keras"] == b"KERAS"
    run = json.loads(files["run.json"])
    assert run["id"] == run_id and run["state"] == "succeeded" and "owner" not in run
    assert b"alice" not in b"".join(files.values())  # the owner token never leaves in an export
    rows = list(csv.DictReader(io.StringIO(files["history.csv"].decode())))
    assert [row["epoch"] for row in rows] == ["1", "2"] and float(rows[1]["val_loss"]) == 1.0
    scripts = [name for name in files if name.startswith("reproduce_")]
    assert scripts == ["reproduce_airline-passengers.py"]
    compile(files[scripts[0]], scripts[0], "exec")
    assert b"LOOK_BACK = 3" in files[scripts[0]] and b"UNITS = 5" in files[scripts[0]]
    readme = files["README.txt"].decode()
    assert all(name in readme for name in files if name != "README.txt")


def test_a_digits_zip_carries_its_script_and_the_bundled_digits(tmp_path):
    store = RunStore(tmp_path)
    run_id = _finished_run(store, "alice", DigitsConfig(epochs=2, source="bundled"), None,
                           {"weights.npz": b"NPZ"})
    files = _unzip(export_run(store, run_id, "alice"))
    assert files["weights.npz"] == b"NPZ" and "data.csv" not in files
    assert files["mnist-5k.npz"] == (ROOT / "data" / "mnist-5k.npz").read_bytes()
    script = files["reproduce_digits.py"]
    compile(script, "reproduce_digits.py", "exec")
    assert b"SOURCE = 'bundled'" in script and b"EPOCHS = 2" in script


def test_only_the_owner_or_a_shared_link_can_export(tmp_path, airline_csv):
    store = RunStore(tmp_path)
    run_id = _finished_run(store, "alice", CONFIG, airline_csv, {"model.keras": b"K"})
    with pytest.raises(RunNotFound):
        export_run(store, run_id, "bob")
    store.set_shared(run_id, "alice", True)
    assert "model.keras" in _unzip(export_run(store, run_id, "bob"))
