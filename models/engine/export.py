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
    series.csv          (forecast runs) the cleaned series the run trained on: time, value
    reproduce_<data>.py (forecast runs) a plain NumPy + Keras script that repeats the run from
                        series.csv, run from the unpacked folder with no arguments
    reproduce_digits.py (digits runs) the same for a digits run, with mnist-5k.npz when the run
                        trained on the bundled digits

No TensorFlow, no Streamlit.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from models.config import DigitsConfig, ForecastConfig
from models.data import to_safe_csv
from models.digits import repro as digits_repro
from models.digits.data import BUNDLED_PATH
from models.engine.store import RunRecord, RunStore
from models.forecast.predictions import PREDICTIONS_FILE, Predictions
from models.forecast.repro import PRETRAINED_FILE, SERIES_FILE, reproduction_script, script_file_name
from models.summaries import DigitsMetrics, DigitsSummary, ForecastMetrics, ForecastSummary
from models.vocabulary import RunKind

_RECORD_FIELDS = ("id", "kind", "state", "error", "data_name", "data_fingerprint", "shared", "created",
                  "started", "finished", "fit_seconds", "epochs_done", "epochs_total")
_DESCRIPTIONS = {
    "run.json": "the run's id, kind, state, dataset name and times",
    "config.json": "every setting of the run (load it with models.config.config_from_dict)",
    "metrics.json": "the scores of the network (and of the baselines for forecasts)",
    "summary.json": "facts the pages show: dataset, verdict, tables",
    "history.csv": "one row per epoch: training and validation loss and other per-epoch values",
    "data.csv": "the data file the run read, exactly as uploaded",
    "series.csv": "the series the run trained on (time, value), after reading and tidying data.csv",
    "predictions.csv": "time, actual value, part (train/test/future) and every model's prediction",
    "model.keras": "the trained network (keras.saving.load_model)",
    "weights.npz": "the network's weights as NumPy arrays (models/networks/numpy_rnn.py reads them)",
    "mnist-5k.npz": "the 5,000 bundled MNIST digits the run trained and tested on",
    PRETRAINED_FILE: "the pretrained network's weights the run started from (the script reads them)",
}


def export_file_name(record: RunRecord) -> str:
    """A download name such as ``lstm-lab-forecast-AbC123xy.zip`` (the id's first eight characters, any
    dash or underscore at their end left out: a name ending in a dash looks cut)."""
    return f"lstm-lab-{record.kind}-{record.id[:8].rstrip('-_')}.zip"


def export_run(store: RunStore, run_id: str, owner: str, *, everyone: bool = False) -> bytes:
    """The zip of a run visible to ``owner`` (own or shared; ``everyone``: any run); RunNotFound
    otherwise. The one builder behind the Forecast page's download, the Runs page and the CLI."""
    record = store.get_run(run_id, owner, everyone=everyone)
    history = store.history(run_id, owner, everyone=everyone)
    files: dict[str, bytes] = {"run.json": _json({name: getattr(record, name) for name in _RECORD_FIELDS})}
    if record.config is not None:  # None: a kind this version does not know
        files["config.json"] = _json(record.config.to_dict())
    if record.metrics is not None:
        files["metrics.json"] = _json(record.metrics.to_dict())
    if record.summary is not None:
        files["summary.json"] = _json(record.summary.to_dict())
    if history:
        files["history.csv"] = _history_csv([report.to_dict() for report in history])
    for name in record.artifacts:
        if name not in files:
            files[name] = store.read_artifact(run_id, name, owner, everyone=everyone)
    if record.kind == RunKind.FORECAST and isinstance(record.config, ForecastConfig):
        files.update(_forecast_files(record, record.config, files))
    elif record.kind == RunKind.DIGITS and isinstance(record.config, DigitsConfig):
        files.update(_digits_files(record, record.config))
    files = {"README.txt": _readme(record, files), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            # A fixed date: the same run always gives the same bytes, whichever way it is exported.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16  # rw-r--r-- once unpacked
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _forecast_files(record: RunRecord, config: ForecastConfig, files: dict[str, bytes]) -> dict[str, bytes]:
    """``series.csv`` (the cleaned series the run trained on, from its predictions) and the
    reproduction script of ``config`` (the run's) that reads it; {} for a run without predictions."""
    if PREDICTIONS_FILE not in files:
        return {}
    series = Predictions.from_csv(files[PREDICTIONS_FILE]).observed()
    summary = record.summary if isinstance(record.summary, ForecastSummary) else ForecastSummary()
    models = record.metrics.models if isinstance(record.metrics, ForecastMetrics) else {}
    stored = {name: scores.test_rmse for name, scores in models.items() if scores.test_rmse is not None}
    script = reproduction_script(config, data_name=record.data_name, target=summary.target,
                                 season_length=summary.season_length, stored_test_rmse=stored,
                                 mode=summary.mode if record.summary is not None else None,
                                 network_look_back=summary.look_back)
    return {SERIES_FILE: to_safe_csv(series), script_file_name(record.data_name): script.encode("utf-8")}


def _digits_files(record: RunRecord, config: DigitsConfig) -> dict[str, bytes]:
    """The reproduction script of ``config`` (the digits run's), and the bundled digits when the run
    trained on them."""
    summary = record.summary if isinstance(record.summary, DigitsSummary) else DigitsSummary()
    source = summary.source or ("keras" if config.source == "keras" else "bundled")
    metrics = record.metrics if isinstance(record.metrics, DigitsMetrics) else DigitsMetrics()
    # A score the run could not compute (None) is left out: the script prints it as None all the same.
    stored = {name: value for name, value in (("test_accuracy", metrics.test_accuracy),
                                              ("test_loss", metrics.test_loss)) if value is not None}
    files = {digits_repro.SCRIPT_NAME: digits_repro.reproduction_script(
        config, source=source, stored=stored).encode("utf-8")}
    if source == "bundled":
        files[digits_repro.BUNDLED_FILE] = BUNDLED_PATH.read_bytes()
    return files


def _readme(record: RunRecord, files: dict[str, bytes]) -> bytes:
    lines = [f"LSTM Lab {record.kind} run {record.id}", f"State: {record.state}", "",
             "Files in this archive:"]
    for name in files:
        description = _DESCRIPTIONS.get(name)
        if name == digits_repro.SCRIPT_NAME:
            description = ("a plain NumPy + Keras script that repeats this run and prints its test accuracy: "
                           "python " + name)
        elif description is None and name.startswith("reproduce_"):
            description = ("a plain NumPy + Keras script that repeats this run from series.csv and prints "
                           "every model's test RMSE: python " + name)
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
