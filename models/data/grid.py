"""The regular grid a series' times follow: its frequency in words, season length, step numbers for
filling gaps, and the labels the pages show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_STEP_SHARE = 0.3  # a calendar step must separate at least this share of neighbours to count

@dataclass(frozen=True)
class Grid:
    """A regular time grid: how to number times on it and how to name its steps."""

    words: str  # "monthly"
    unit: str  # "month" (for notes: "Filled 2 missing months ...")
    season_length: int | None
    label_unit: str  # numpy datetime_as_string unit for labels: "Y", "M", "D", "m", "s" or "Q"
    period: str | None = None  # pandas period alias for calendar steps
    step: np.timedelta64 | None = None  # fixed step otherwise
    weekdays: bool = False
    years: int = 0  # a step of this many whole years (every 10 years, ...)

    def keys(self, times: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray | None:
        """Integer step number of each time, or None when the times do not sit on this grid."""
        if self.years:
            offsets = times.year.to_numpy() - origin.year
            if np.any(offsets % self.years != 0) or np.any((times.month != 1) | (times.day != 1)):
                return None
            return (offsets // self.years).astype(np.int64)
        if self.period is not None:
            return times.to_period(self.period).asi8.astype(np.int64)
        if self.weekdays:
            days = times.values.astype("datetime64[D]")
            if np.any(np.is_busday(days) == 0) or np.any(times.values != days.astype(times.values.dtype)):
                return None
            return np.busday_count(np.datetime64(origin.date()), days).astype(np.int64)
        if self.step is None:
            return None
        offsets = (times.values - origin.to_datetime64()).astype("timedelta64[ns]").astype(np.int64)
        step = int(self.step.astype("timedelta64[ns]").astype(np.int64))
        if np.any(offsets % step != 0):
            return None
        return offsets // step

    def times_for(self, keys: np.ndarray, origin: pd.Timestamp) -> pd.DatetimeIndex:
        """Times of grid step numbers ``keys`` (inverse of ``keys``)."""
        if self.years:
            years = origin.year + np.asarray(keys, dtype=np.int64) * self.years
            return pd.DatetimeIndex((years - 1970).astype("datetime64[Y]").astype("datetime64[ns]"))
        if self.period is not None:
            return pd.PeriodIndex.from_ordinals(keys, freq=self.period).to_timestamp()
        if self.weekdays:
            days = np.busday_offset(np.datetime64(origin.date()), keys, roll="forward")
            return pd.DatetimeIndex(days.astype("datetime64[ns]"))
        return pd.DatetimeIndex(origin.to_datetime64() + keys * self.step)


_DAY_SECONDS = 86400
_GRIDS = {
    "yearly": Grid("yearly", "year", None, "Y", period="Y"),
    "quarterly": Grid("quarterly", "quarter", 4, "Q", period="Q"),
    "monthly": Grid("monthly", "month", 12, "M", period="M"),
    "weekly": Grid("weekly", "week", 52, "D", step=np.timedelta64(7, "D")),
    "daily": Grid("daily", "day", 7, "D", step=np.timedelta64(1, "D")),
    "weekdays": Grid("daily (weekdays)", "weekday", 5, "D", weekdays=True),
    "hourly": Grid("hourly", "hour", 24, "m", step=np.timedelta64(1, "h")),
}
# Calendar steps, finest first, as ranges of seconds between consecutive times.
_STEP_CLASSES = (
    ("hourly", 3600, 3600),
    ("daily", _DAY_SECONDS, _DAY_SECONDS),
    ("weekly", 7 * _DAY_SECONDS, 7 * _DAY_SECONDS),
    ("monthly", 28 * _DAY_SECONDS, 31 * _DAY_SECONDS),
    ("quarterly", 89 * _DAY_SECONDS, 92 * _DAY_SECONDS),
    ("yearly", 365 * _DAY_SECONDS, 366 * _DAY_SECONDS),
)


def fit_grid(times: pd.DatetimeIndex) -> tuple[Grid, np.ndarray] | None:
    """The grid the sorted ``times`` follow and each time's step number on it (from ``times[0]``).

    None for an irregular series, including times that fall between the detected grid's steps.
    """
    grid = detect_grid(times)
    keys = grid.keys(times, times[0]) if grid is not None else None
    return None if grid is None or keys is None else (grid, keys)


def detect_grid(times: pd.DatetimeIndex) -> Grid | None:
    """The regular grid the sorted unique ``times`` follow, or None for an irregular series.

    The finest calendar step (hour, day, week, month, quarter, year) that separates at least 30% of
    neighbouring times wins, so a monthly series with many missing months is still monthly (and then
    refused for its gaps) rather than silently irregular.
    """
    unique = np.unique(times.values)
    if unique.size < 3:
        return None
    steps = np.diff(unique).astype("timedelta64[s]").astype(np.int64)  # [unique - 1] seconds
    for name, low, high in _STEP_CLASSES:
        if np.mean((steps >= low) & (steps <= high)) >= MIN_STEP_SHARE:
            if name == "daily":
                all_weekdays = bool(np.all(np.is_busday(unique.astype("datetime64[D]"))))
                if all_weekdays and np.any(steps == 3 * _DAY_SECONDS) and unique.size >= 10:
                    return _GRIDS["weekdays"]
            return _GRIDS[name]
    year_step = _year_step(unique)
    if year_step:
        return Grid(f"every {year_step} years", f"{year_step}-year step", None, "Y", years=year_step)
    if _years_only(unique):  # years apart by different steps: irregular, never a guessed day count
        return None
    median = int(np.median(steps))
    if median >= 60 and median % 60 == 0:  # a fixed step such as 15 minutes or 6 hours
        words, unit = _step_words(median)
        label_unit = "m" if median < _DAY_SECONDS else "D"
        # A step of 30 minutes or more that divides the day repeats daily (48 half hours); finer steps
        # would need a season longer than most uploaded series.
        season = _DAY_SECONDS // median if median >= 1800 and _DAY_SECONDS % median == 0 else None
        return Grid(words, unit, season, label_unit, step=np.timedelta64(median, "s"))
    return None


def _year_step(unique: np.ndarray) -> int:
    """N when every time is 1 January and all of them are exactly N (> 1) years apart, else 0.

    Years apart by different steps (every 4 years with some missing) are left irregular, not guessed.
    """
    index = pd.DatetimeIndex(unique)
    if not _years_only(unique):
        return 0
    differences = np.unique(np.diff(index.year.to_numpy()))
    return int(differences[0]) if differences.size == 1 and differences[0] > 1 else 0


def _years_only(unique: np.ndarray) -> bool:
    """Every time is 1 January at midnight: the file gave years, nothing finer."""
    index = pd.DatetimeIndex(unique)
    return bool(np.all((index.month == 1) & (index.day == 1)) and np.all(index.normalize() == index))


def _step_words(seconds: int) -> tuple[str, str]:
    for size, name in ((_DAY_SECONDS, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"every {count} {name}s", f"{count}-{name} step"
    return f"every {seconds} seconds", "step"  # pragma: no cover - median is whole minutes here


# ── display ───────────────────────────────────────────────────────────────────────────────────


def labels(times: pd.DatetimeIndex, unit: str) -> list[str]:
    """Display strings for times: '1949-01' monthly, '1970 Q1' quarterly, '2020-01-05 13:00' hourly."""
    values = times.values
    if unit == "Q":
        years = times.year.to_numpy()
        quarters = times.quarter.to_numpy()
        return [f"{year} Q{quarter}" for year, quarter in zip(years, quarters, strict=True)]
    # NumPy's stubs take the unit only as a literal; ``unit`` is one of the grid's own unit letters.
    strings = np.datetime_as_string(values, unit=unit)  # type: ignore[call-overload]
    if unit in ("m", "s"):
        return [label.replace("T", " ") for label in strings.tolist()]
    return strings.tolist()


def irregular_label_unit(times: pd.DatetimeIndex) -> str:
    """The coarsest label unit that shows irregular ``times`` exactly: days, minutes or seconds."""
    nanoseconds = times.values.astype("datetime64[ns]").astype(np.int64)
    if np.all(nanoseconds % (_DAY_SECONDS * 10**9) == 0):
        return "D"
    if np.all(nanoseconds % (60 * 10**9) == 0):
        return "m"
    return "s"
