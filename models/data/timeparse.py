"""Times in a table: which column holds them and how to read it.

One job: turn a column of cells into times. ``detect_time_column`` tries the
columns (those named like time first); cells may be ISO or written-out dates, day/month or month/day
(the reading with the more regular spacing wins), quarters ("1970 Q1"), ISO weeks ("1991 W06"), decimal
years as R writes a ts (1949.0833: steps of 1/12, 1/4, 1/52 are months, quarters, weeks), integer years
or YYYYMMDD numbers; a year column next to a quarter or month column is combined into one axis; time
zones are dropped and local clock times kept. Their rhythm (the regular grid, frequency, season
length and display labels) is models/data/grid.py's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.data.csvread import find_column
from models.data.grid import fit_grid
from models.data.numbers import Numbers
from models.errors import DataError

MAX_BAD_TIME_FRACTION = 0.1  # rows whose time cannot be read: dropped up to this share

# A name hinting at time: the word may start the name or follow a separator ("order_date", "Timestamp").
_TIME_NAME_HINT = re.compile(
    r"(?:^|[\W_])(date|time|year|month|quarter|week|day|hour|period|jahr|datum|monat|fecha|mes|año|"
    r"année|mois|yr$|ts$|dt$)",
    re.IGNORECASE,
)
_YEAR_NAME = re.compile(r"^(year|years|yr|jahr|año|ano|année|annee|anno)$", re.IGNORECASE)
_PART_NAMES = {
    4: re.compile(r"^(quarter|qtr|q|quartal|trimestre)$", re.IGNORECASE),
    12: re.compile(r"^(month|mon|monat|mes|mois|mese)$", re.IGNORECASE),
}
_WEEK = re.compile(r"^(\d{4})\s*-?\s*W(\d{1,2})$", re.IGNORECASE)
# Decimal years (R's ts time): cycles per year recognised from the step, with their words.
_CYCLES = ((12, 12.0), (4, 4.0), (52, 52.0), (52, 365.25 / 7))
_QUARTER_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$")
_QUARTER_FIRST = re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$")
_TIME_ZONE_SUFFIX = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|UTC|GMT)$", re.IGNORECASE)

# String time formats tried in order on a sample of the column; the first that reads it wins.
# (Quarters, integer years and compact YYYYMMDD numbers are handled separately.)
_TIME_FORMATS = (
    "ISO8601",  # 2020-01-31, 1949-01, 2020-01-31 13:00, 2020/01/31, 2020-01-31T13:00:00
    "%Y %b", "%b %Y", "%Y-%b", "%b-%Y", "%b-%y", "%b %y", "%Y %B", "%B %Y", "%B-%Y",
    "%b-%d-%Y", "%b %d %Y", "%b %d, %Y", "%B %d, %Y", "%B %d %Y",
    "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%y", "%d %b %y",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%y",
    "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S", "%m/%d/%y", "%d/%m/%y", "%m/%Y", "%d-%m-%Y", "%m-%d-%Y",
    "%Y%m%d %H:%M",  # plain YYYYMMDD cells are numbers: see _read_numeric_times
)
# Day-first and month-first twins: when both read every date the more regular spacing wins.
_TWIN_FORMATS = {
    "%m/%d/%Y": "%d/%m/%Y", "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S", "%m/%d/%y": "%d/%m/%y", "%m-%d-%Y": "%d-%m-%Y",
    "%d-%m-%Y": "%m-%d-%Y",
}
_FORMAT_WORDS = {"%m/%d": "month/day/year", "%d/%m": "day/month/year", "%m-%d": "month-day-year",
                 "%d-%m": "day-month-year"}


# ── the time column ───────────────────────────────────────────────────────────────────────────


@dataclass
class Times:
    """A column read as times: [rows] datetime64 (NaT where unreadable) and how it was read."""

    values: pd.DatetimeIndex
    notes: list[str]
    kind: str = "dates"  # how the cells wrote the time: "dates", "years", "decimal years", "quarters", ...
    columns: tuple[str, ...] = ()  # the file's columns it was built from, when more than one


def _mostly(read: float, total: float) -> bool:
    """Whether ``read`` of ``total`` cells is enough for a time column (the rest are dropped later)."""
    return read >= (1.0 - MAX_BAD_TIME_FRACTION) * total


def looks_like_time_name(name: str) -> bool:
    """Whether a column's name hints at time ("Month", "order_date", "Jahr", ...)."""
    return bool(_TIME_NAME_HINT.search(name))


def detect_time_column(
    frame: pd.DataFrame, numbers: dict[str, Numbers], notes: list[str]
) -> tuple[Times | None, str | None]:
    """The first column that reads as times (columns named like time first), or (None, None)."""
    columns = list(frame.columns)
    combined = _combined_time(frame, numbers)
    if combined is not None:
        return combined, " + ".join(combined.columns)
    hinted = [column for column in columns if _TIME_NAME_HINT.search(column)]
    others = [column for column in columns if column not in hinted]
    numeric_count = sum(numbers[column].is_numeric for column in columns)
    for position, column in enumerate(hinted + others):
        column_numbers = numbers[column]
        if column_numbers.is_numeric:
            if column not in hinted and numeric_count < 2:
                continue  # an unnamed column of steady years is the values when it is the only numbers
            times = _read_numeric_times(column_numbers.values, column in hinted)
        elif column in hinted or position < len(hinted) + 5:
            # Text columns cost ~40 format trials each: only named ones and the first few are tried.
            times = _read_times(frame[column], column_numbers, column in hinted)
        else:
            continue
        if times is not None and _mostly(times.values.notna().sum(), len(frame)):
            return times, column
    unread = [column for column in hinted if not numbers[column].is_numeric]
    if unread:
        notes.append(
            f"Column {unread[0]!r} looks like a time column but its cells could not be read as dates, "
            f"so the points are numbered 1, 2, 3, ... instead."
        )
    return None, None


def read_requested_time_column(
    frame: pd.DataFrame, numbers: dict[str, Numbers], requested: str
) -> tuple[Times, str]:
    """The column the user named as time, or DataError when its cells are not dates or times."""
    parts = [part.strip() for part in requested.split("+")]
    if len(parts) == 2 and requested not in frame.columns:
        year, part = (find_column(name, list(frame.columns)) for name in parts)
        combined = _combine(numbers[year].values, numbers[part].values, (year, part))
        if combined is None:
            raise DataError(
                f"Columns {year!r} and {part!r} do not hold years and quarters or months: pick another "
                f"time column or none."
            )
        return combined, f"{year} + {part}"
    chosen = find_column(requested, list(frame.columns))
    times = _read_times(frame[chosen], numbers[chosen], hinted=True)
    filled = int((~numbers[chosen].missing).sum())
    if times is None or not _mostly(times.values.notna().sum(), filled):
        example = next((cell.strip() for cell in frame[chosen].tolist() if cell.strip()), "")
        raise DataError(
            f"Column {chosen!r} does not hold dates or times that can be read (for example {example!r}): "
            f"pick another time column or none."
        )
    return times, chosen


def _read_times(column: pd.Series, numbers: Numbers, hinted: bool) -> Times | None:
    """Try to read a column as times; None when it does not hold dates or times."""
    filled = ~numbers.missing
    if not filled.any():
        return None
    if numbers.is_numeric:  # years or YYYYMMDD; never read "1120" (a flow) as a date string
        return _read_numeric_times(numbers.values, hinted)
    return _read_text_times(column, filled)


def _combined_time(frame: pd.DataFrame, numbers: dict[str, Numbers]) -> Times | None:
    """A year column next to a quarter or month column (1..4 or 1..12) read as one time axis."""
    columns = list(frame.columns)
    for position, column in enumerate(columns[:-1]):
        if _YEAR_NAME.match(column.strip()):
            part = columns[position + 1]
            if any(pattern.match(part.strip()) for pattern in _PART_NAMES.values()):
                return _combine(numbers[column].values, numbers[part].values, (column, part))
    return None


def _combine(years: np.ndarray, parts: np.ndarray, columns: tuple[str, str]) -> Times | None:
    """Times from a year and a quarter or month number per row; None unless both fit."""
    known = ~np.isnan(years) & ~np.isnan(parts)
    if not known.any() or not _mostly(known.sum(), years.size):
        return None
    year, part = years[known], parts[known]
    if np.any(year != np.floor(year)) or np.any(part != np.floor(part)):
        return None
    if year.min() < 1700 or year.max() > 2100:
        return None
    cycles = 4 if part.max() <= 4 and _PART_NAMES[4].match(columns[1].strip()) else 12
    if part.min() < 1 or part.max() > cycles:
        return None
    months = (part - 1) * (12 // cycles) + 1
    stamps = np.full(years.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    stamps[known] = pd.to_datetime(pd.DataFrame({"year": year, "month": months, "day": 1})).to_numpy()
    kind = "year and quarter columns" if cycles == 4 else "year and month columns"
    return Times(pd.DatetimeIndex(stamps), [], kind, columns)


def _read_decimal_years(values: np.ndarray) -> Times | None:
    """R's ts time, year + (cycle - 1) / frequency, for 12, 4 or 52 cycles a year; None otherwise."""
    known = ~np.isnan(values)
    present = values[known]
    if present.size < 3 or present.min() < 1700 or present.max() > 2100:
        return None
    unique = np.unique(present)
    if unique.size != present.size:
        return None
    step = float(np.min(np.diff(unique)))
    cycles, per_year = min(_CYCLES, key=lambda cycle: abs(step * cycle[1] - 1.0))  # 52 or 365.25/7 a year
    if abs(step * per_year - 1.0) > 0.001:
        return None
    offsets = (unique - unique[0]) * per_year  # steps from the first time
    if np.max(np.abs(offsets - np.round(offsets))) > 0.02:
        return None  # times between the steps: not a ts time axis
    stamps = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    if cycles == 52:
        # Weeks: the first time's day of the year, then whole weeks (R's 52.18 weeks a year drift).
        year = int(np.floor(unique[0] + 1e-6))
        new_year = pd.Timestamp(year=year, month=1, day=1)
        days = 366 if new_year.is_leap_year else 365
        start = new_year + pd.Timedelta(days=round((unique[0] - year) * days))
        steps = np.round((values[known] - unique[0]) * per_year).astype(np.int64)
        stamps[known] = (start.to_datetime64() + steps * np.timedelta64(7, "D")).astype("datetime64[ns]")
        return Times(pd.DatetimeIndex(stamps), [], "decimal years")
    whole = np.floor(values[known] + 1e-6)
    cycle = np.round((values[known] - whole) * cycles).astype(np.int64)
    whole, cycle = np.where(cycle == cycles, whole + 1, whole), np.where(cycle == cycles, 0, cycle)
    months = cycle * (12 // cycles) + 1
    stamps[known] = pd.to_datetime(pd.DataFrame({"year": whole, "month": months, "day": 1})).to_numpy()
    return Times(pd.DatetimeIndex(stamps), [], "decimal years")


def _read_numeric_times(values: np.ndarray, hinted: bool) -> Times | None:
    """Decimal years (R's ts time), integer years (1700..2100) or compact YYYYMMDD numbers."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return None
    if np.any(present != np.floor(present)):
        return _read_decimal_years(values)
    if present.min() >= 1700 and present.max() <= 2100:
        steps = np.diff(np.unique(present))
        steady = present.size == np.unique(present).size and (steps.size == 0 or np.median(steps) == 1)
        if not (hinted or steady):
            return None
        stamps = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        known = ~np.isnan(values)
        stamps[known] = (values[known].astype(np.int64) - 1970).astype("datetime64[Y]")
        return Times(pd.DatetimeIndex(stamps), [], "year numbers")
    if present.min() >= 17000101 and present.max() <= 21001231:
        strings = pd.Series(np.where(np.isnan(values), "", values.astype(np.int64).astype(str)), dtype="str")
        index = pd.to_datetime(strings, format="%Y%m%d", errors="coerce")
        if index.notna().sum() == present.size:
            return Times(pd.DatetimeIndex(index), [])
    return None


def _read_text_times(column: pd.Series, filled: np.ndarray) -> Times | None:
    """Dates written as text: quarters, or the first of _TIME_FORMATS that reads the sample."""
    cells = column.str.strip()
    sample = cells[filled].iloc[:100]
    if sample.str.contains(r"\d", regex=True).mean() < 0.9:
        return None  # dates always have digits; skip words cheaply
    notes: list[str] = []
    zones = sample.str.extract(_TIME_ZONE_SUFFIX, expand=False).dropna()
    if not zones.empty and sample.str.contains(r"\d[T ]?\d{1,2}:\d{2}", regex=True).mean() >= 0.9:
        kept = sorted({"UTC" if zone == "Z" else zone for zone in zones.str.upper()})[:3]
        notes.append(f"Ignored the time zone ({', '.join(kept)}) and kept the local clock times.")
        cells = cells.str.replace(_TIME_ZONE_SUFFIX, "", regex=True)
        sample = cells[filled].iloc[:100]

    quarters = _read_quarters(cells)
    if quarters is not None:
        return Times(quarters, notes, "quarters")
    weeks = _read_weeks(cells)
    if weeks is not None:
        return Times(weeks, notes, "ISO weeks")

    best_format, best_share = None, 0.0
    for time_format in _TIME_FORMATS:
        share = pd.to_datetime(sample, format=time_format, errors="coerce").notna().mean()
        if share > best_share:
            best_format, best_share = time_format, share
        if share == 1.0:
            break
    if best_format is None or not _mostly(best_share, 1.0):
        return None
    index = _parse_times(cells, best_format)
    twin = _TWIN_FORMATS.get(best_format)
    if twin is not None:
        other = _parse_times(cells, twin)
        if other.notna().sum() > index.notna().sum() or (
            other.notna().sum() == index.notna().sum() and _irregularity(other) < _irregularity(index)
        ):
            best_format, index = twin, other
        notes.append(f"Read the dates as {_FORMAT_WORDS[best_format[:5]]}.")
    return Times(index, notes)


def _parse_times(cells: pd.Series, time_format: str) -> pd.DatetimeIndex:
    """Times in ``time_format``; NaT where unreadable or outside 1678..2261 (nanosecond range)."""
    index = pd.DatetimeIndex(pd.to_datetime(cells, format=time_format, errors="coerce"))
    return index.where((index.year >= 1678) & (index.year <= 2261))


def _read_quarters(cells: pd.Series) -> pd.DatetimeIndex | None:
    """'1970 Q1', '1970Q1', '1970-Q1', 'Q1 1970' -> first day of each quarter; None if not quarters."""
    probe = cells[cells.str.len() > 0].iloc[:100]
    for pattern, year_group, quarter_group in ((_QUARTER_YEAR_FIRST, 0, 1), (_QUARTER_FIRST, 1, 0)):
        if not _mostly(probe.str.match(pattern).mean(), 1.0):
            continue  # checked on a sample first: extracting from every cell is slow
        parts = cells.str.extract(pattern)
        found = parts.notna().all(axis=1)
        filled = cells.str.len() > 0
        if found.sum() == 0 or not _mostly(found.sum(), filled.sum()):
            continue
        years = pd.to_numeric(parts.iloc[:, year_group], errors="coerce")
        quarters = pd.to_numeric(parts.iloc[:, quarter_group], errors="coerce")
        months = (quarters - 1) * 3 + 1
        frame = pd.DataFrame({"year": years, "month": months, "day": 1})
        return pd.DatetimeIndex(pd.to_datetime(frame, errors="coerce"))
    return None


def _read_weeks(cells: pd.Series) -> pd.DatetimeIndex | None:
    """ISO weeks as tsibble writes them ('1991 W06') -> the Monday of each week; None if not weeks."""
    probe = cells[cells.str.len() > 0].iloc[:100]
    if probe.empty or not _mostly(probe.str.match(_WEEK).mean(), 1.0):
        return None
    parts = cells.str.extract(_WEEK)
    text = parts[0] + "-W" + parts[1].str.zfill(2) + "-1"
    return pd.DatetimeIndex(pd.to_datetime(text, format="%G-W%V-%u", errors="coerce"))


def _irregularity(index: pd.DatetimeIndex) -> int:
    """How badly times fit a regular grid: missing grid steps, or the point count when none fits."""
    present = pd.DatetimeIndex(np.unique(index.dropna().values))
    fitted = fit_grid(present)
    if fitted is None:
        return int(present.size)
    _, keys = fitted
    return int(keys[-1] - keys[0] + 1 - np.unique(keys).size)
