"""The numbers in a table's columns, with the file's decimal mark: decimal comma, thousands
separators, currency and percent signs. A column is numeric when at least half of its filled cells
are numbers; its other text cells count as missing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "-", "--", "?", ".", "missing",
     "#n/a", "#na", "#div/0!", "#value!", "#num!", "#ref!", "#null!"}
)
# Thousands separators: spaces, no-break spaces, apostrophes between digit groups of three.
_SPACE_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f'’](?=\d{3}(?!\d))")
_COMMA_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_POINT_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")
_ANY_THOUSANDS = re.compile(r"\d[ ,'’\u00a0\u202f]\d{3}")
_ANY_THOUSANDS_POINT = re.compile(r"\d[ .'’\u00a0\u202f]\d{3}")
_UNIT_SIGNS = re.compile(r"^[$€£¥]\s*|\s*[$€£¥%]$")
# Cells that are numbers only under one decimal convention (used to pick the file's convention).
_ONLY_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(\.\d{3})+,\d+|0,\d+)$")
_ONLY_DECIMAL_POINT = re.compile(r"^[+-]?(\d+\.\d{1,2}|\d+\.\d{4,}|\d{1,3}(,\d{3})+\.\d+|0\.\d+)$")
_AMBIGUOUS_COMMA = re.compile(r"^[+-]?\d{1,3},\d{3}$")


def decimal_mark(frame: pd.DataFrame, delimiter: str) -> str:
    """"," when the file writes decimals with a comma (1,5), else "."; decided from the first rows."""
    sample = frame.iloc[:200, :200]
    comma_votes = point_votes = ambiguous = 0
    for position in range(sample.shape[1]):
        for cell in sample.iloc[:, position].tolist():
            cell = cell.strip().replace("\u2212", "-")  # − (minus sign) as in _parse_cleaned
            if _ONLY_DECIMAL_COMMA.match(cell):
                comma_votes += 1
            elif _ONLY_DECIMAL_POINT.match(cell):
                point_votes += 1
            elif _AMBIGUOUS_COMMA.match(cell):
                ambiguous += 1
    if comma_votes > point_votes:
        return ","
    if comma_votes == point_votes == 0 and ambiguous and delimiter == ";":
        return ","  # "1,234" in a semicolon file: the European reading, 1.234
    return "."


@dataclass
class Numbers:
    """A column read as numbers: values (NaN where missing or text), masks, and what it took."""

    values: np.ndarray  # [rows] float64
    missing: np.ndarray  # [rows] bool: empty cell or a missing marker such as NA
    text: np.ndarray  # [rows] bool: filled but not a number
    separators_removed: bool

    @property
    def is_numeric(self) -> bool:
        """At least one number, and at least as many numbers as text cells."""
        parsed = int((~self.missing & ~self.text).sum())
        return parsed > 0 and parsed >= int(self.text.sum())


def read_all_numbers(frame: pd.DataFrame, decimal: str) -> dict[str, Numbers]:
    """Every column read as numbers with the file's decimal mark (thousands separators removed).

    All cells are handled in one flat column-major array [rows * columns], so a file with thousands
    of columns costs about as much as one long column (pandas has a per-call overhead of ~1 ms).
    """
    n_rows, n_columns = frame.shape
    flat = pd.Series(frame.to_numpy(dtype=object).ravel(order="F"), dtype="str").str.strip()
    missing = flat.str.lower().isin(MISSING_TOKENS).to_numpy(bool)  # [rows * columns]
    if decimal == ".":
        # Fast path: plain numbers ("112", "-3.5", "1e3", "inf") need no cleaning.
        values = np.array(pd.to_numeric(flat, errors="coerce"), dtype=float)
        values[missing] = np.nan
    else:
        values = np.full(flat.size, np.nan)
    separators = np.zeros(n_columns, dtype=bool)
    pending = np.flatnonzero(~missing & np.isnan(values))  # filled cells not read yet
    if pending.size:
        # Cleaning uses Python regexes: try it on up to 20 cells per column first, then clean only
        # the columns where it helps, so columns of dates or words cost almost nothing.
        column_of = pending // n_rows
        first_of_column = np.searchsorted(column_of, column_of)  # pending is sorted by column
        probe = pending[np.arange(pending.size) - first_of_column < 20]
        probe_parsed = _parse_cleaned(flat.iloc[probe], decimal)
        helped = np.unique(probe[~np.isnan(probe_parsed)] // n_rows)
        todo = pending[np.isin(column_of, helped)]
        if todo.size:
            cells = flat.iloc[todo]
            parsed = _parse_cleaned(cells, decimal)
            values[todo] = parsed
            pattern = _ANY_THOUSANDS if decimal == "." else _ANY_THOUSANDS_POINT
            had_separator = cells.str.contains(pattern, regex=True).to_numpy(bool)
            separators[np.unique(todo[had_separator & ~np.isnan(parsed)] // n_rows)] = True
    text = ~missing & np.isnan(values)
    numbers = {}
    for position, column in enumerate(frame.columns):
        part = slice(position * n_rows, (position + 1) * n_rows)
        numbers[str(column)] = Numbers(values[part], missing[part], text[part], bool(separators[position]))
    return numbers


def _parse_cleaned(cells: pd.Series, decimal: str) -> np.ndarray:
    """Numbers after removing currency/percent signs and thousands separators; NaN where none."""
    cleaned = cells.str.replace(_UNIT_SIGNS, "", regex=True)
    cleaned = cleaned.str.replace(_SPACE_THOUSANDS, "", regex=True)
    cleaned = cleaned.str.replace("∞", "inf", regex=False).str.replace("\u2212", "-", regex=False)  # − minus
    if decimal == ".":
        cleaned = cleaned.str.replace(_COMMA_THOUSANDS, "", regex=True)
    else:
        cleaned = cleaned.str.replace(_POINT_THOUSANDS, "", regex=True)
        # A point left after removing thousands separators is not a number in this convention.
        cleaned = cleaned.where(~cleaned.str.contains(".", regex=False), "x")
        cleaned = cleaned.str.replace(",", ".", regex=False)
    return np.array(pd.to_numeric(cleaned, errors="coerce"), dtype=float)
