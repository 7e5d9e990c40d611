"""The validated series a file becomes, and what was read from the file, in words and as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.data.columns import skipped_phrase

PREVIEW_ROWS = 20
PREVIEW_COLUMNS = 50


@dataclass(frozen=True, eq=False)
class Series:
    """One validated univariate series, ready for windowing.

    ``values`` float64 [N], sorted by time, finite, not constant, N >= MIN_POINTS.
    ``time_labels`` one display string per value ("1949-01", "1970 Q1", "1700", or "1".."N").
    ``times`` the time of each value (tz-naive, local clock) or None when the file has no time column.
    ``frequency`` plain words ("monthly", "every 15 minutes", ...) or None (irregular / no time column).
    ``season_length`` 12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 weekdays, 24 hourly, else None.
    ``notes`` plain sentences describing what was done to the file's data.
    ``preview`` the first rows of the parsed table, every cell a string.
    ``fingerprint`` sha256 hex digest of the input bytes.
    ``time_kind`` how the file wrote the time ("dates", "decimal years", "years", ...) or None.
    ``skipped`` columns passed over as the target, each with the reason ("it only counts the rows").
    ``sheet`` the workbook sheet read, or None for a CSV.
    """

    values: np.ndarray
    time_labels: list[str]
    times: pd.DatetimeIndex | None
    target: str
    time_column: str | None
    frequency: str | None
    season_length: int | None
    columns: list[str]
    numeric_columns: list[str]
    notes: list[str]
    preview: pd.DataFrame
    fingerprint: str
    name: str
    time_kind: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Two columns: the time labels (or positions) and the values, as the app shows them."""
        label = self.time_column or "position"
        value = self.target if self.target != label else f"{self.target} (value)"
        return pd.DataFrame({label: pd.array(self.time_labels, dtype="str"), value: self.values})


def reading_sentence(series: Series) -> str:
    """One sentence: which column is the time, which the target, what was skipped and why."""
    if series.time_column:
        details = ", ".join(part for part in (series.frequency or "irregular", series.time_kind) if part)
        time = f"Time: {series.time_column!r} ({details})"
    else:
        time = "No time column (the points are numbered 1, 2, 3, ...)"
    sentence = f"{time}; target: {series.target!r}"
    if series.skipped:
        sentence += f"; skipped {skipped_phrase(series.skipped)}"
    if series.sheet:
        sentence += f"; sheet {series.sheet!r}"
    return sentence + "."


def describe_series(series: Series) -> dict[str, Any]:
    """What was read, as plain data (the ``inspect`` command's JSON and the Forecast page's facts)."""
    return {
        "target": series.target,
        "time_column": series.time_column,
        "time_kind": series.time_kind,
        "frequency": series.frequency,
        "season_length": series.season_length,
        "n_points": len(series),
        "first_label": series.time_labels[0],
        "last_label": series.time_labels[-1],
        "skipped_columns": [{"column": column, "reason": why} for column, why in series.skipped.items()],
        "sheet": series.sheet,
        "notes": [reading_sentence(series), *series.notes],
    }
