"""The table of runs: one row per run (kind, dataset, key settings, state, headline metric, time),
with kind and state filters. Pure helpers (``run_row``, ``run_label`` ...) serve the other Runs pieces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from models.engine.store import RunRecord

KINDS = ("forecast", "digits", "learn")
STATES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")


def key_settings(record: RunRecord) -> str:
    """The few settings that tell runs apart, in one short line."""
    config = record.config
    if record.kind == "forecast":
        return (f"{config.get('cell')} {config.get('units')}u · look-back {config.get('look_back')} · "
                f"{config.get('epochs')} ep · {config.get('transform')}")
    if record.kind == "digits":
        limit = config.get("limit")
        return (f"{config.get('cell')} {config.get('units')}u · {config.get('epochs')} ep · "
                f"{'all' if limit is None else limit} digits")
    if record.kind == "learn" and config.get("task") == "memory":
        lengths = ", ".join(str(length) for length in config.get("lengths", []))
        return f"memory · {', '.join(config.get('cells', []))} · N {lengths}"
    if record.kind == "learn":
        return f"roommate · {config.get('cell')} {config.get('units')}u · {config.get('epochs')} ep"
    return ""


def test_rmse(record: RunRecord) -> float | None:
    """The network's test RMSE of a finished forecast run."""
    value = ((record.metrics or {}).get("lstm") or {}).get("test_rmse") if record.kind == "forecast" else None
    return value if isinstance(value, (int, float)) else None


def test_accuracy(record: RunRecord) -> float | None:
    """Test accuracy of a digits or roommate run; the LSTM at the longest distance for a memory run."""
    metrics = record.metrics or {}
    value = metrics.get("test_accuracy")
    if record.kind == "learn" and "accuracy" in metrics:
        by_length = (metrics.get("accuracy") or {}).get("lstm") or {}
        value = by_length[max(by_length, key=int)] if by_length else None
    return value if isinstance(value, (int, float)) else None


def duration(record: RunRecord) -> float | None:
    """Seconds from start to end (or until now for a running run)."""
    if record.fit_seconds is not None and not record.active:
        return round(record.fit_seconds, 1)
    if record.started is None:
        return None
    end = record.finished or datetime.now().timestamp()
    return round(end - record.started, 1)


def run_label(record: RunRecord) -> str:
    """How a run is named in pickers: kind, dataset, key settings, short id."""
    dataset = f" · {record.data_name}" if record.data_name and record.kind == "forecast" else ""
    return f"{record.kind}{dataset} · {key_settings(record)} · {record.id[:6]}"


def run_row(record: RunRecord) -> dict[str, Any]:
    """One table row."""
    return {
        "run": record.id[:8],
        "kind": record.kind,
        "dataset": record.data_name or ("MNIST digits" if record.kind == "digits" else "—"),
        "settings": key_settings(record),
        "state": record.state,
        "test RMSE": test_rmse(record),
        "test accuracy": test_accuracy(record),
        "seconds": duration(record),
        "started": datetime.fromtimestamp(record.created),
        "shared": record.shared,
        "mine": record.mine,
    }


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The table of ``records`` (empty frame with the right columns for no records)."""
    columns = list(run_row_columns())
    return pd.DataFrame([run_row(record) for record in records], columns=columns)


def run_row_columns() -> tuple[str, ...]:
    return ("run", "kind", "dataset", "settings", "state", "test RMSE", "test accuracy", "seconds", "started",
            "shared", "mine")


def show(records: list[RunRecord]) -> list[RunRecord]:
    """Filters and the table; returns the records that pass the filters."""
    left, right = st.columns(2)
    kinds = left.multiselect("Kind", KINDS, key="runs-kinds", placeholder="all kinds")
    states = right.multiselect("State", STATES, key="runs-states", placeholder="all states")
    shown = [record for record in records
             if (not kinds or record.kind in kinds) and (not states or record.state in states)]
    st.dataframe(
        runs_frame(shown), hide_index=True, key="runs-table", placeholder="—",
        column_config={
            "test RMSE": st.column_config.NumberColumn(format="%.3f",
                                                       help="Forecasts: the network's test RMSE."),
            "test accuracy": st.column_config.NumberColumn(
                format="percent", help="Digits and roommate runs; memory runs: the LSTM at the longest N."),
            "seconds": st.column_config.NumberColumn("duration (s)", format="%.1f"),
            "started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "shared": st.column_config.CheckboxColumn(help="Visible to anyone with its link."),
            "mine": st.column_config.CheckboxColumn(help="Yours, or shared with you by someone else."),
        })
    st.caption(f"{len(shown)} of {len(records)} runs. Click a column header to sort.")
    return shown
