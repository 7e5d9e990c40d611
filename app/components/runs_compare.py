"""Compare runs: metrics side by side, predictions and loss curves overlaid, differing settings marked."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import runs_charts, runtime
from app.components.runs_table import run_label
from models.engine.store import RunRecord
from models.errors import LabError
from models.forecast.pipeline import PREDICTIONS_FILE, read_predictions_csv
from models.summaries import ForecastMetrics, as_dict
from models.vocabulary import RunKind

DIFFERENT = "background-color: #fff3b0"  # rows whose values differ between the runs


def column_name(record: RunRecord) -> str:
    """Short column header for a run."""
    return f"{record.kind} {record.id[:6]}"


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


def _metrics_dict(record: RunRecord) -> dict:
    if isinstance(record.metrics, ForecastMetrics):
        return record.metrics.to_dict(with_alias=False)  # the network once, under its own name
    return as_dict(record.metrics) or {}


def metrics_table(records: list[RunRecord]) -> pd.DataFrame:
    """Rows: metric names (first appearance order); columns: runs; empty where a run lacks a metric."""
    columns = {column_name(record): flat_metrics(_metrics_dict(record)) for record in records}
    names = list(dict.fromkeys(name for values in columns.values() for name in values))
    return pd.DataFrame({column: [values.get(name) for name in names] for column, values in columns.items()},
                        index=names)


def settings_table(records: list[RunRecord]) -> tuple[pd.DataFrame, list[bool]]:
    """Rows: settings; columns: runs (values as text); and for each row whether the runs differ."""
    columns = {column_name(record): {**({} if record.config is None else record.config.to_dict()),
                                     "dataset": record.data_name or "—"}
               for record in records}
    names = list(dict.fromkeys(name for config in columns.values() for name in config))
    frame = pd.DataFrame({column: [_text(config.get(name, "—")) for name in names]
                          for column, config in columns.items()}, index=names)
    differs = [frame.loc[name].nunique() > 1 for name in names]
    return frame, differs


def show(records: list[RunRecord], owner: str) -> None:
    """Pick two or more runs and compare them."""
    chosen_ids = st.multiselect("Runs to compare", [record.id for record in records], key="compare-runs",
                                format_func={record.id: run_label(record) for record in records}.get,
                                placeholder="pick two or more runs")
    chosen = [record for record in records if record.id in chosen_ids]
    if len(chosen) < 2:
        st.info("Pick two or more runs to see their scores, predictions, loss curves and settings together.")
        return
    st.markdown("#### Scores")
    st.dataframe(metrics_table(chosen), key="compare-metrics")
    _predictions(chosen, owner)
    histories = {}
    for record in chosen:
        try:
            histories[column_name(record)] = runtime.store().history(record.id, owner)
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
    """Forecast runs only: every run's network predictions over the same time axis."""
    tables = {}
    for record in records:
        if record.kind != RunKind.FORECAST or PREDICTIONS_FILE not in record.artifacts:
            continue
        try:
            data = runtime.store().read_artifact(record.id, PREDICTIONS_FILE, owner)
            tables[column_name(record)] = read_predictions_csv(data)
        except (LabError, ValueError):
            continue
    if not tables:
        return
    datasets = {record.data_fingerprint for record in records if record.kind == RunKind.FORECAST}
    if len(datasets) > 1:
        st.caption("These forecasts were trained on different data; their predictions share one chart "
                   "anyway.")
    st.plotly_chart(runs_charts.predictions_overlay(tables), key="compare-predictions")


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return "—" if value is None else str(value)
