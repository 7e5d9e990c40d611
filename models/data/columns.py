"""Which column holds the values to forecast, and the wide layout (one row per year, a column per
month or quarter) read as one series. The policies are in the package docstring (``models.data``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from models.data.csvread import NO_NUMBERS_MESSAGE, find_column
from models.data.numbers import Numbers
from models.data.timeparse import Times, looks_like_time_name
from models.data.words import names_phrase
from models.errors import DataError

_INDEX_NAMES = re.compile(r"^(rownames|row\.?names|row|rows|index|idx|id|obs|unnamed: ?\d+|no\.?)$",
                          re.IGNORECASE)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def source_columns(times: Times | None, time_name: str | None) -> set[str]:
    """The file's columns that make the time axis (two for a year + quarter pair)."""
    if times is not None and times.columns:
        return set(times.columns)
    return {time_name} if time_name else set()


def choose_target(
    columns: list[str],
    numeric_columns: list[str],
    numbers: dict[str, Numbers],
    requested: str | None,
    time_sources: set[str],
    not_target: set[str],
    times: Times | None,
    unnamed: list[str],
    skipped: dict[str, str],
    notes: list[str],
) -> str:
    """The column of values: the requested one (checked) or the first that is not an index or time."""
    if requested is not None:
        named = find_column(requested, columns)
        if named in time_sources:
            raise DataError(f"{named!r} is the time column: pick a column of values as the target.")
        if named not in numeric_columns:
            if not numeric_columns:
                raise DataError(NO_NUMBERS_MESSAGE)
            raise DataError(
                f"Column {named!r} does not hold numbers: pick one of {names_phrase(numeric_columns)}."
            )
        _flag_steady(named, numbers[named].values, notes)
        return named
    candidates = [column for column in numeric_columns if column not in not_target]
    if not candidates:
        raise DataError(NO_NUMBERS_MESSAGE)
    years = times.values.year.to_numpy(dtype=float) if times is not None else None
    chosen: str | None = None
    for column in candidates[:-1]:
        reason = _not_data_reason(column, numbers[column].values, column in unnamed, years)
        if reason is None:
            chosen = column
            break
        skipped[column] = reason
    if len(skipped) > SKIPPED_NAMED:  # a wide file: one sentence, not a line per column
        notes.append(f"Skipped {skipped_phrase(skipped)}.")
    else:
        notes.extend(f"Skipped column {column!r} because {reason}." for column, reason in skipped.items())
    if chosen is None:  # the last candidate, taken whatever it is: worth a word if it looks like an index
        chosen = candidates[-1]
        _flag_steady(chosen, numbers[chosen].values, notes)
    return chosen


SKIPPED_NAMED = 3  # columns named in a note on skipped columns; any more are counted


def skipped_phrase(skipped: dict[str, str]) -> str:
    """"'a', 'b' and 'c' because every value is 5, and 39,997 more columns": a few named with their
    reasons (grouped when they share one), the rest counted."""
    named = list(skipped.items())[:SKIPPED_NAMED]
    groups: dict[str, list[str]] = {}
    for column, reason in named:
        groups.setdefault(reason, []).append(repr(column))
    parts = [f"{_and(columns)} because {reason}" for reason, columns in groups.items()]
    rest = len(skipped) - len(named)
    if rest:
        parts.append(f"{rest:,} more column{'' if rest == 1 else 's'}")
    return parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _not_data_reason(column: str, values: np.ndarray, unnamed: bool, years: np.ndarray | None) -> str | None:
    """Why a numeric column is not the series to forecast (an index, the years again, ...), or None."""
    with np.errstate(over="ignore", invalid="ignore"):  # ±1e308 values: the refusal comes later, in words
        return _reason(column, values, unnamed, years)


def _reason(column: str, values: np.ndarray, unnamed: bool, years: np.ndarray | None) -> str | None:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return "it is empty"
    complete = present.size == values.size
    if years is not None and complete and np.array_equal(values, years):
        return "it repeats the years of the time column"
    if complete and values.size > 2 and bool(np.all(np.diff(values) == 1)):
        return "it only counts the rows"
    in_years = present.min() >= 1700 and present.max() <= 2100
    if complete and in_years and bool(np.all(np.diff(values) > 0)) and looks_like_time_name(column):
        return "its name and its rising values (years) make it a time column, though not evenly spaced"
    if unnamed or _INDEX_NAMES.match(column.strip()):
        return "it labels the rows"
    if complete and values.size > 2 and _steady(values):
        return "it rises by the same step on every row, like a time or index column"
    if float(np.ptp(present)) == 0.0:
        return f"every value is {present[0]:g}"
    return None


def _steady(values: np.ndarray) -> bool:
    """True when the values change by one same nonzero step on every row (within float noise)."""
    with np.errstate(over="ignore", invalid="ignore"):  # ±1e308 rows: inf steps are not steady
        steps = np.diff(values)
    if steps.size < 2 or np.isnan(steps).any() or steps[0] == 0:
        return False
    return bool(np.allclose(steps, steps[0], rtol=1e-9, atol=1e-9 * max(1.0, abs(float(values[0])))))


def _flag_steady(column: str, values: np.ndarray, notes: list[str]) -> None:
    """The safety net: a target rising by exactly one step per row is worth a word before training."""
    if values.size > 2 and not np.isnan(values).any() and _steady(values):
        notes.append(
            f"Column {column!r} rises by the same step on every row: it looks like a time or index column, "
            f"not data to forecast; pick another column to forecast if so."
        )


# ── wide tables: one row per year, one column per month or quarter ──────────────────────────


def wide_layout(frame: pd.DataFrame, numbers: dict[str, Numbers]) -> tuple[str, list[str], int] | None:
    """(year column, the 12 month or 4 quarter columns in order, cycles) for a wide table, else None."""
    columns = list(frame.columns)
    year = next((column for column in columns if re.fullmatch(r"(?i)\s*(year|yr|jahr|año|année)\s*", column)),
                None)
    if year is None:
        return None
    values = numbers[year].values
    present = values[~np.isnan(values)]
    if present.size < 2 or np.any(present != np.floor(present)):
        return None
    if present.min() < 1700 or present.max() > 2100:
        return None
    if np.unique(present).size != present.size:
        return None  # a year repeated: a long table, not one row per year
    lowered = [column.strip().lower() for column in columns]
    months = [next((column for column, low in zip(columns, lowered, strict=True)
                    if low[:3] == month and (len(low) == 3 or low.startswith(_FULL_MONTHS[index]))), None)
              for index, month in enumerate(_MONTH_NAMES)]
    quarters = [next((column for column, low in zip(columns, lowered, strict=True) if low == name), None)
                for name in ("q1", "q2", "q3", "q4")]
    for parts, cycles in ((months, 12), (quarters, 4)):
        found = [column for column in parts if column is not None]
        if len(found) == len(parts) and all(numbers[column].is_numeric for column in found):
            positions = [columns.index(column) for column in found]
            if positions == sorted(positions):
                return year, found, cycles
    return None


_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")


def read_wide(
    frame: pd.DataFrame,
    numbers: dict[str, Numbers],
    line_numbers: np.ndarray,
    year: str,
    parts: list[str],
    cycles: int,
    notes: list[str],
) -> tuple[Times, str, str, Numbers, pd.Series, np.ndarray]:
    """The wide table read row by row as one series: its times, names, numbers, cells and lines."""
    years = numbers[year].values  # [rows]
    stacked = {attribute: np.stack([getattr(numbers[column], attribute) for column in parts], axis=1).ravel()
               for attribute in ("values", "missing", "text")}  # [rows * cycles], row by row
    long_numbers = Numbers(stacked["values"], stacked["missing"], stacked["text"],
                           any(numbers[column].separators_removed for column in parts))
    cells = pd.Series(frame[parts].to_numpy(dtype=object).ravel(), dtype="str")
    months = np.tile(np.arange(cycles) * (12 // cycles) + 1, years.size)
    row_years = np.repeat(years, cycles)
    known = ~np.isnan(row_years)
    stamps = np.full(row_years.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    stamps[known] = pd.to_datetime(pd.DataFrame({"year": row_years[known], "month": months[known], "day": 1}))
    unit = "month" if cycles == 12 else "quarter"
    target = f"{parts[0]}-{parts[-1]}"
    others = [column for column in frame.columns if column not in parts and column != year]
    ignored = f" (ignored {names_phrase(others)})" if others else ""
    notes.append(
        f"Read the {cycles} {unit} columns {parts[0]!r} to {parts[-1]!r} as one {unit}ly series, one row "
        f"per year{ignored}; pick one of them as the column to forecast to read it alone."
    )
    times = Times(pd.DatetimeIndex(stamps), [], "a row per year, a column per " + unit)
    return times, year, target, long_numbers, cells, np.repeat(line_numbers, cycles)
