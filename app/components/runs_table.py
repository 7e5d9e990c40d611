"""The table of runs: one row per run (kind, dataset, key settings, state, headline metric, time),
with kind and state filters. Pure helpers (``run_row``, ``run_label`` ...) serve the other Runs pieces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from models.config import DigitsConfig, ForecastConfig, LearnConfig
from models.engine.store import RunRecord
from models.summaries import DigitsMetrics, ForecastMetrics, ForecastSummary, MemoryMetrics, RoommateMetrics
from models.vocabulary import RunKind, RunState

KINDS = tuple(RunKind)
MODE_WORDS = {"pretrained": "pretrained network", "fine-tuned": "pretrained, fine-tuned"}
STATES = tuple(RunState)


def key_settings(record: RunRecord) -> str:
    """The few settings that tell runs apart, in one short line."""
    config = record.config
    if isinstance(config, ForecastConfig):
        # What the run's network was (an "auto" mode as decided), once it has a result.
        mode = record.summary.mode if isinstance(record.summary, ForecastSummary) else config.mode
        if mode != "local":
            return MODE_WORDS.get(mode, "auto")
        networks = f" ×{config.ensemble}" if config.ensemble > 1 else ""
        summary = record.summary if isinstance(record.summary, ForecastSummary) else None
        look_back = summary.look_back if summary is not None and summary.look_back else config.look_back
        return (f"{config.cell} {config.units}u{networks} · look-back {look_back} · "
                f"{config.epochs} ep · {config.transform}")
    if isinstance(config, DigitsConfig):
        return (f"{config.cell} {config.units}u · {config.epochs} ep · "
                f"{'all' if config.limit is None else config.limit} digits")
    if isinstance(config, LearnConfig) and config.task == "memory":
        lengths = ", ".join(str(length) for length in config.lengths)
        return f"memory · {', '.join(config.cells)} · N {lengths}"
    if isinstance(config, LearnConfig):
        return f"roommate · {config.cell} {config.units}u · {config.epochs} ep"
    return ""


def test_rmse(record: RunRecord) -> float | None:
    """The network's test RMSE of a finished forecast run."""
    return record.metrics.network.test_rmse if isinstance(record.metrics, ForecastMetrics) else None


def test_accuracy(record: RunRecord) -> float | None:
    """Test accuracy of a digits or roommate run; the LSTM at the longest distance for a memory run."""
    metrics = record.metrics
    if isinstance(metrics, (DigitsMetrics, RoommateMetrics)):
        return metrics.test_accuracy
    if isinstance(metrics, MemoryMetrics):
        by_length = metrics.accuracy.get("lstm") or {}
        return by_length[max(by_length, key=int)] if by_length else None
    return None


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
    dataset = f" · {record.data_name}" if record.data_name and record.kind == RunKind.FORECAST else ""
    return f"{record.kind}{dataset} · {key_settings(record)} · {record.id[:6]}"


def run_row(record: RunRecord) -> dict[str, Any]:
    """One table row."""
    return {
        "run": record.id[:8],
        "kind": record.kind,
        "dataset": record.data_name or ("MNIST digits" if record.kind == RunKind.DIGITS else "—"),
        "settings": key_settings(record),
        "state": record.state,
        "test RMSE": test_rmse(record),
        "test accuracy": test_accuracy(record),
        "seconds": duration(record),
        "started": datetime.fromtimestamp(record.created),
        "worker": _worker_name(record.worker),
        "shared": record.shared,
        "mine": record.mine,
    }


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The table of ``records`` (empty frame with the right columns for no records)."""
    columns = list(run_row_columns())
    return pd.DataFrame([run_row(record) for record in records], columns=columns)


def run_row_columns() -> tuple[str, ...]:
    return ("run", "kind", "dataset", "settings", "state", "test RMSE", "test accuracy", "seconds", "started",
            "worker", "shared", "mine")


def _worker_name(address: str | None) -> str:
    """The Dask worker that trained the run, as host:port ("tcp://10.0.0.5:40123" -> "10.0.0.5:40123")."""
    return address.split("://", 1)[-1] if address else "—"


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
            "worker": st.column_config.TextColumn(help="The Dask worker process that trained the run."),
            "shared": st.column_config.CheckboxColumn(help="Visible to anyone with its link."),
            "mine": st.column_config.CheckboxColumn(help="Yours, or shared with you by someone else."),
        })
    st.caption(f"{len(shown)} of {len(records)} runs. Click a column header to sort.")
    return shown
