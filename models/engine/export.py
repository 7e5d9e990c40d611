"""Export one run as a zip: its settings, scores, history, files and (forecasts) a reproduction script.

Contents (when the run has them):

    README.txt          what each file is
    run.json            id, kind, state, dataset, times (never the owner token)
    config.json         the full configuration (models.config ``to_dict``)
    metrics.json        the scores
    summary.json        extras the pages show (dataset facts, verdict, ...)
    history.csv         one row per epoch: loss, validation loss, extra metrics
    data.csv            the dataset bytes the run trained on
    predictions.csv, model.keras, weights.npz, ...   every other file the run produced
    reproduce_<data>.py (forecast runs) a plain pandas + Keras script that repeats the run, written
                        by models/forecast/repro.py when that module is available

No TensorFlow, no Streamlit.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import zipfile
from typing import Any

from models.engine.store import RunRecord, RunStore
from models.summaries import ForecastSummary
from models.vocabulary import RunKind

_RECORD_FIELDS = ("id", "kind", "state", "error", "data_name", "data_fingerprint", "shared", "created",
                  "started", "finished", "fit_seconds", "epochs_done", "epochs_total")
_DESCRIPTIONS = {
    "run.json": "the run's id, kind, state, dataset name and times",
    "config.json": "every setting of the run (load it with models.config.config_from_dict)",
    "metrics.json": "the scores of the network (and of the baselines for forecasts)",
    "summary.json": "facts the pages show: dataset, verdict, tables",
    "history.csv": "one row per epoch: training and validation loss and other per-epoch values",
    "data.csv": "the data file the run trained on, exactly as uploaded",
    "predictions.csv": "time, actual value, part (train/test/future) and every model's prediction",
    "model.keras": "the trained network (keras.saving.load_model)",
    "weights.npz": "the network's weights as NumPy arrays (models/networks/numpy_rnn.py reads them)",
}


def export_file_name(record: RunRecord) -> str:
    """A download name such as ``lstm-lab-forecast-AbC123xy.zip``."""
    return f"lstm-lab-{record.kind}-{record.id[:8]}.zip"


def export_run(store: RunStore, run_id: str, owner: str) -> bytes:
    """The zip of a run visible to ``owner`` (own or shared); RunNotFound otherwise."""
    record = store.get_run(run_id, owner)
    history = store.history(run_id, owner)
    files: dict[str, bytes] = {
        "run.json": _json({name: getattr(record, name) for name in _RECORD_FIELDS}),
        "config.json": _json(record.config.to_dict()),
    }
    if record.metrics is not None:
        files["metrics.json"] = _json(record.metrics.to_dict())
    if record.summary is not None:
        files["summary.json"] = _json(record.summary.to_dict())
    if history:
        files["history.csv"] = _history_csv([report.to_dict() for report in history])
    for name in record.artifacts:
        if name not in files:
            files[name] = store.read_artifact(run_id, name, owner)
    script = _reproduction_script(record)
    if script is not None:
        files[script[0]] = script[1].encode("utf-8")
    files = {"README.txt": _readme(record, files), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _reproduction_script(record: RunRecord) -> tuple[str, str] | None:
    """(file name, source) of the forecast reproduction script, or None when not available."""
    if record.kind != RunKind.FORECAST or record.config is None:
        return None
    try:
        repro = importlib.import_module("models.forecast.repro")  # written separately; optional here
    except ImportError:
        return None
    summary = record.summary or ForecastSummary()
    try:
        source = repro.reproduction_script(
            record.config, record.data_name, target=summary.target,
            time_column=record.config.time_column, season_length=summary.season_length)
        return repro.script_file_name(record.data_name), source
    except (AttributeError, TypeError, ValueError):  # an older repro module or an odd old config
        return None


def _readme(record: RunRecord, files: dict[str, bytes]) -> bytes:
    lines = [f"LSTM Lab {record.kind} run {record.id}", f"State: {record.state}", "",
             "Files in this archive:"]
    for name in files:
        description = _DESCRIPTIONS.get(name)
        if description is None and name.startswith("reproduce_"):
            description = "a plain pandas + Keras script that repeats this run: python " + name
        lines.append(f"  {name}: {description or 'a file this run produced'}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _history_csv(rows: list[dict[str, Any]]) -> bytes:
    extra = sorted({key for row in rows for key in (row.get("metrics") or {})})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", "epochs", "loss", "val_loss", *extra, "elapsed"])
    for row in rows:
        metrics = row.get("metrics") or {}
        writer.writerow([row["epoch"], row["epochs"], row["loss"], row.get("val_loss"),
                         *(metrics.get(key) for key in extra), row.get("elapsed")])
    return buffer.getvalue().encode("utf-8")


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, allow_nan=False).encode("utf-8")


__all__ = ["export_file_name", "export_run"]
