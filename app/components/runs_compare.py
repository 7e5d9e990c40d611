"""Compare runs: metrics side by side, predictions and loss curves overlaid, differing settings marked."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from app import runs_charts, runtime
from app.components.runs_table import run_label
from models.engine.store import RunRecord
from models.errors import LabError
from models.forecast.predictions import PREDICTIONS_FILE, Predictions
from models.knobs import DIGITS_KNOBS, FORECAST_KNOBS
from models.summaries import DigitsMetrics, ForecastMetrics, ForecastSummary, as_dict
from models.vocabulary import RunKind, baseline_name, cell_name

DIFFERENT = "background-color: #fff3b0"  # rows whose values differ between the runs
SETTING_LABELS = {knob.name: knob.label for knob in (*DIGITS_KNOBS.values(), *FORECAST_KNOBS.values())}


def column_name(record: RunRecord) -> str:
    """A run as a person recognises it: dataset · cell · when it was started (id for a tie)."""
    if record.kind == RunKind.DIGITS:
        dataset = "digits"
    elif record.kind == RunKind.LEARN:
        dataset = "Learn"
    else:
        dataset = (record.data_name or "data").rsplit(".", 1)[0]
    cell = cell_name(getattr(record.config, "cell", None))
    started = time.strftime("%d %b %H:%M", time.localtime(record.created))
    return f"{dataset} · {cell} · {started}"


def column_names(records: list[RunRecord]) -> dict[str, str]:
    """Run id -> its column name, made unique with a short id where two runs read alike."""
    names = {record.id: column_name(record) for record in records}
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    return {run_id: f"{name} · {run_id[:4]}" if name in repeated else name for run_id, name in names.items()}


def score_rows(record: RunRecord) -> dict[str, float | str | None]:
    """The scores people compare runs by, in the Forecast and Digits pages' words. Forecasts: the
    network's scores, and scale-free ones (MASE, the ratio to the best baseline) that mean the same
    on any series."""
    metrics = record.metrics
    if isinstance(metrics, ForecastMetrics):
        summary = record.summary if isinstance(record.summary, ForecastSummary) else ForecastSummary()
        network = metrics.network
        best = summary.best_baseline
        best_scores = metrics.models.get(best) if best else None
        ratio = (network.test_rmse / best_scores.test_rmse
                 if best_scores and network.test_rmse is not None and best_scores.test_rmse else None)
        return {
            "network test MASE (scale-free; below 1 beats the naive forecast)": network.test_mase,
            "network test RMSE ÷ best baseline's (below 1 = the network wins)": ratio,
            "best baseline": baseline_name(best) if best else None,
            "network test RMSE (units of its data)": network.test_rmse,
            "network test MAE (units of its data)": network.test_mae,
            "network test sMAPE %": network.test_smape,
        }
    if isinstance(metrics, DigitsMetrics):
        return {"test accuracy": metrics.test_accuracy, "training accuracy": metrics.train_accuracy,
                "test loss": metrics.test_loss}
    return {name: value for name, value in flat_metrics(as_dict(metrics) or {}).items()}


def flat_metrics(metrics: dict[str, Any] | None, prefix: str = "") -> dict[str, float]:
    """Nested numeric metrics as {"network · test_rmse": 41.2, ...} (lists and text left out)."""
    flat: dict[str, float] = {}
    for name, value in (metrics or {}).items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flat_metrics(value, prefix=f"{key} · "))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[key] = float(value)
    return flat


def metrics_table(records: list[RunRecord]) -> pd.DataFrame:
    """Rows: scores in people's words; columns: runs; empty where a run has no such score."""
    names = column_names(records)
    columns = {names[record.id]: score_rows(record) for record in records}
    rows = list(dict.fromkeys(name for values in columns.values() for name in values))
    return pd.DataFrame({column: [_text_or_number(values.get(row)) for row in rows]
                         for column, values in columns.items()}, index=rows)


def settings_table(records: list[RunRecord]) -> tuple[pd.DataFrame, list[bool]]:
    """Rows: settings; columns: runs (values as text); and for each row whether the runs differ."""
    labels = column_names(records)
    columns = {labels[record.id]: {"dataset": record.data_name or "—",
                                   **({} if record.config is None else record.config.to_dict())}
               for record in records}
    names = [name for name in dict.fromkeys(name for config in columns.values() for name in config)
             if name != "preset"]
    frame = pd.DataFrame({column: [_text(config.get(name, "—")) for name in names]
                          for column, config in columns.items()},
                         index=[SETTING_LABELS.get(name, name.replace("_", " ")) for name in names])
    differs = [frame.iloc[row].nunique() > 1 for row in range(len(names))]
    return frame, differs


def show(records: list[RunRecord], owner: str) -> None:
    """Pick two or more runs and compare them."""
    run_labels = {record.id: run_label(record) for record in records}
    chosen_ids = st.multiselect("Runs to compare", [record.id for record in records], key="compare-runs",
                                format_func=lambda run_id: run_labels[run_id],
                                placeholder="pick two or more runs",
                                help="Their scores, predictions, losses and settings side by side.")
    chosen = [record for record in records if record.id in chosen_ids]
    if len(chosen) < 2:
        st.info("Pick two or more runs to see their scores, predictions, loss curves and settings together.")
        return
    st.markdown("#### Scores")
    st.dataframe(metrics_table(chosen), key="compare-metrics")
    st.caption("Runs on different series compare by the scale-free rows: MASE and the ratio to the best "
               "baseline mean the same on any data; RMSE and MAE are in each series' own units.")
    _predictions(chosen, owner)
    histories = {}
    labels = column_names(chosen)
    for record in chosen:
        try:
            histories[labels[record.id]] = runtime.store().history(record.id, owner)
        except LabError:
            continue
    if any(histories.values()):
        st.plotly_chart(runs_charts.loss_overlay({label: h for label, h in histories.items() if h}),
                        key="compare-loss")
    st.markdown("#### Settings")
    frame, differs = settings_table(chosen)
    only = st.checkbox("Only settings that differ", key="compare-only-different")
    shown = frame[differs] if only else frame
    marks = dict(zip(frame.index, differs, strict=True))
    st.dataframe(shown.style.apply(lambda row: [DIFFERENT if marks[row.name] else ""] * len(row), axis=1),
                 key="compare-settings")
    st.caption(f"{sum(differs)} of {len(differs)} settings differ (highlighted).")


def _predictions(records: list[RunRecord], owner: str) -> None:
    """Forecast runs only: on the same data, every run's network predictions on one chart; on
    different data, one small chart per run (a shared time axis across series would mean nothing)."""
    tables = {}
    labels = column_names(records)
    for record in records:
        if record.kind != RunKind.FORECAST or PREDICTIONS_FILE not in record.artifacts:
            continue
        try:
            data = runtime.store().read_artifact(record.id, PREDICTIONS_FILE, owner)
            tables[labels[record.id]] = (record.data_fingerprint, Predictions.from_csv(data))
        except (LabError, ValueError):
            continue
    if not tables:
        return
    if len({fingerprint for fingerprint, _ in tables.values()}) == 1:
        frames = {label: frame for label, (_, frame) in tables.items()}
        st.plotly_chart(runs_charts.predictions_overlay(frames), key="compare-predictions")
        return
    st.caption("These runs forecast different series: each has its own chart.")
    columns = st.columns(min(len(tables), 3))
    for index, (label, (_, frame)) in enumerate(tables.items()):
        with columns[index % len(columns)]:
            st.plotly_chart(runs_charts.predictions_overlay({label: frame}, small=True),
                            key=f"compare-predictions-{index}")


def _text_or_number(value: Any) -> str:
    """A cell of the scores table: numbers to four significant digits, nothing as a dash."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.4g}"
    return "—" if value is None else str(value)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return "—" if value is None else str(value)
