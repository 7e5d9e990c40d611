"""Formula-safe CSV export: a spreadsheet opening our files never runs a formula from a cell."""

from __future__ import annotations

from typing import Any

import pandas as pd


def safe_csv_cell(value: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start)."""
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _safe_cell_or_value(cell: Any) -> Any:
    return safe_csv_cell(cell) if isinstance(cell, str) else cell


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes of ``frame`` with every text cell and column name passed through safe_csv_cell.

    Numeric columns are written as numbers (a negative number is not a formula); missing cells empty.
    """
    out = frame.copy()
    out.columns = [safe_csv_cell(str(column)) for column in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            out.isetitem(position, column.map(_safe_cell_or_value))
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")
