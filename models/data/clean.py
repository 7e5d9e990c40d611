"""One column of numbers (and its times) to a clean series: the missing-data and duplicate policies.

One job: decide what happens to awkward values, and say so in a note. Infinite values, magnitudes
above 10^15 and series whose every magnitude is below 10^-100 are refused; text cells in the target
count as empty; rows are sorted by time; rows sharing a time step are averaged (more than 20% repeats
means several series: refused); empty values at the ends are dropped; empty values and missing time
steps inside are linearly interpolated when together they are at most 20% of the points; the result
must be finite, not constant and at least MIN_POINTS long. Reading the file and its times is done
before (models/data/csvread.py, models/data/timeparse.py).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from models.data.csvread import NO_NUMBERS_MESSAGE
from models.data.grid import Grid, fit_grid, irregular_label_unit, labels
from models.data.numbers import Numbers
from models.data.words import count_phrase, lines_phrase, plural
from models.errors import DataError

MIN_POINTS = 12  # a series shorter than this cannot be split into useful training and test parts
MAX_MISSING_FRACTION = 0.2  # gaps + empty values above this share are refused, below it interpolated
MAX_DUPLICATE_FRACTION = 0.2  # more repeated times than this suggests several series in one file
MAX_ABS_VALUE = 1e15  # larger magnitudes lose precision and overflow the scaler's arithmetic
# Below this largest magnitude the squares of forecast errors drift into float64's underflow (1e-308):
# at 1e-160 the backtest's RMSE by step is already off in the third digit, at 1e-300 every RMSE is 0.
MIN_ABS_VALUE = 1e-100


class Cleaned(NamedTuple):
    """A clean series: values [N] float64, their times (None without a time column), labels, grid."""

    values: np.ndarray
    times: pd.DatetimeIndex | None
    labels: list[str]
    grid: Grid | None  # None when irregular or without times


def target_values(
    numbers: Numbers, cells: pd.Series, line_numbers: np.ndarray, target: str, notes: list[str]
) -> np.ndarray:
    """The target column's values [rows] (NaN where empty or text); DataError for inf or huge values."""
    if numbers.separators_removed:
        notes.append(f"Removed thousands separators from the numbers in {target!r}.")
    values = numbers.values.copy()
    infinite = np.isinf(values)
    if infinite.any():
        count = int(infinite.sum())
        raise DataError(
            f"{target!r} holds {count_phrase(count, 'infinite value')} "
            f"({lines_phrase(line_numbers[infinite])}): replace them with numbers or leave the cells empty."
        )
    largest = float(np.nanmax(np.abs(values), initial=0.0))
    if largest > MAX_ABS_VALUE:
        raise DataError(
            f"{target!r} holds numbers larger than 10^15: rescale the column (for example to millions)."
        )
    if 0.0 < largest < MIN_ABS_VALUE:
        power = -int(np.floor(np.log10(largest)))  # brings the largest value to between 1 and 10
        raise DataError(
            f"Every number in {target!r} is smaller than 10^-100, too small for the arithmetic of the "
            f"scores: rescale the column (for example multiply it by 10^{power})."
        )
    if numbers.text.any():
        bad = np.flatnonzero(numbers.text)
        examples = ", ".join(repr(cells.iloc[position].strip()) for position in bad[:3])
        count = int(bad.size)
        notes.append(
            f"Treated {count_phrase(count, 'cell')} of {target!r} that "
            f"{'is' if count == 1 else 'are'} not a number as empty ({lines_phrase(line_numbers[bad])}: "
            f"{examples})."
        )
    return values


def clean_series(
    values: np.ndarray,
    times: pd.DatetimeIndex | None,
    line_numbers: np.ndarray,
    target: str,
    notes: list[str],
) -> Cleaned:
    """Sort, merge duplicates, fill gaps and empty values, then check length and spread."""
    if times is None:
        cleaned = _positional(values, target, notes)
    else:
        cleaned = _timed(values, times, line_numbers, target, notes)
    _check_series(cleaned.values, target)
    return cleaned


def _positional(values: np.ndarray, target: str, notes: list[str]) -> Cleaned:
    """A series without times: file order, points numbered 1..N, empty values interpolated."""
    values, _ = _trim_and_fill(values, target, notes, np.arange(values.size, dtype=float), None, "")
    return Cleaned(values, None, [str(position) for position in range(1, values.size + 1)], None)


def _timed(
    values: np.ndarray,
    times: pd.DatetimeIndex,
    line_numbers: np.ndarray,
    target: str,
    notes: list[str],
) -> Cleaned:
    """Drop unreadable times, sort, merge duplicates, fill gaps on the detected grid."""
    readable = np.asarray(times.notna())
    if not readable.all():
        bad = np.flatnonzero(~readable)
        notes.append(
            f"Dropped {count_phrase(int(bad.size), 'row')} whose time is empty or could not be read "
            f"({lines_phrase(line_numbers[bad])})."
        )
        values, times = values[readable], times[readable]
    if values.size == 0:  # pragma: no cover - the time column needs 90% readable cells
        raise DataError("No row has a time that can be read: pick another time column or none.")

    stamps = times.values.astype("datetime64[ns]")  # [rows]
    order = np.argsort(stamps, kind="stable")
    if np.any(np.diff(stamps.astype(np.int64)) < 0):
        notes.append(f"Sorted {values.size} rows by time.")
    stamps, values = stamps[order], values[order]
    sorted_times = pd.DatetimeIndex(stamps)

    origin = sorted_times[0]
    fitted = fit_grid(sorted_times)
    grid, keys = fitted if fitted is not None else (None, stamps.astype(np.int64))
    unit = grid.unit if grid is not None else "time"

    unique_keys, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    repeated_rows = int(values.size - unique_keys.size)
    if repeated_rows:
        if repeated_rows > MAX_DUPLICATE_FRACTION * values.size:
            raise DataError(
                f"{repeated_rows} of {values.size} rows repeat a {unit} already seen: the file seems to "
                f"hold several series, so keep one series per file (or pick another time column)."
            )
        sums = np.bincount(inverse, weights=np.nan_to_num(values), minlength=unique_keys.size)
        filled_counts = np.bincount(inverse, weights=~np.isnan(values), minlength=unique_keys.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            merged = np.where(filled_counts > 0, sums / np.maximum(filled_counts, 1), np.nan)
        shared = int((counts > 1).sum())
        notes.append(
            f"Averaged the rows of {shared} {plural(unit, shared)} that appear more than once."
        )
        values = merged
        # first original time of each key (irregular series keep their exact times)
        first_positions = np.searchsorted(keys, unique_keys)
        stamps = stamps[first_positions]
    keys = unique_keys

    if grid is None:
        positions = (stamps.astype(np.int64) - stamps[0].astype(np.int64)).astype(float)
        values, keep = _trim_and_fill(values, target, notes, positions, None, unit)
        result_times = pd.DatetimeIndex(stamps[keep])
        return Cleaned(values, result_times, labels(result_times, irregular_label_unit(result_times)), None)

    grid_size = int(keys[-1] - keys[0] + 1)
    if grid_size - keys.size > MAX_MISSING_FRACTION * grid_size:  # before allocating a huge grid
        span = labels(sorted_times[[0, -1]], grid.label_unit)
        raise _too_many_missing(grid_size - keys.size, grid_size, grid.unit, target, span)
    full_keys = np.arange(keys[0], keys[-1] + 1, dtype=np.int64)  # [grid points]
    full_values = np.full(full_keys.size, np.nan)
    full_values[keys - keys[0]] = values
    gaps = np.ones(full_keys.size, dtype=bool)  # grid points without any row
    gaps[keys - keys[0]] = False
    values, keep = _trim_and_fill(full_values, target, notes, full_keys.astype(float), gaps, grid.unit)
    result_times = grid.times_for(full_keys[keep], origin)
    return Cleaned(values, result_times, labels(result_times, grid.label_unit), grid)


def _trim_and_fill(
    values: np.ndarray,
    target: str,
    notes: list[str],
    positions: np.ndarray,
    gaps: np.ndarray | None,
    unit: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Drop empty values at both ends, then interpolate the inside ones (see ``_fill_missing``).

    ``gaps`` marks the points that are missing time steps rather than empty cells (None: no gaps).
    Returns the filled values and the boolean mask of the input points kept.
    """
    present = ~np.isnan(values)
    keep = np.zeros(values.size, dtype=bool)
    if present.any():
        first, last = np.flatnonzero(present)[[0, -1]]
        keep[first : last + 1] = True
        dropped = int(values.size - keep.sum())
        if dropped:
            notes.append(
                f"Dropped {count_phrase(dropped, 'point')} at the start or end "
                f"without a value of {target!r}."
            )
    gap_count = int(gaps[keep].sum()) if gaps is not None else 0
    filled = _fill_missing(values[keep], target, notes, positions[keep], gap_count, unit)
    return filled, keep


def _fill_missing(
    values: np.ndarray, target: str, notes: list[str], positions: np.ndarray, gap_count: int, unit: str
) -> np.ndarray:
    """Linear interpolation of NaN values (gaps + empty cells) when they are at most 20% of the points."""
    missing = np.isnan(values)
    total = int(missing.sum())
    if values.size == 0 or total == values.size:
        raise DataError(NO_NUMBERS_MESSAGE)
    if total == 0:
        return values
    if total > MAX_MISSING_FRACTION * values.size:
        raise _too_many_missing(total, values.size, unit, target)
    filled = values.copy()
    filled[missing] = np.interp(positions[missing], positions[~missing], values[~missing])
    empty_count = total - gap_count
    if gap_count:
        notes.append(f"Filled {gap_count} missing {plural(unit, gap_count)} by linear interpolation.")
    if empty_count:
        notes.append(
            f"Filled {count_phrase(empty_count, 'empty value')} of {target!r} "
            f"by linear interpolation."
        )
    return filled


def _too_many_missing(
    missing: int, size: int, unit: str, target: str, span: list[str] | None = None
) -> DataError:
    points = plural(unit, size) if unit not in ("", "time") else "points"
    if span:  # the span shows a mistyped year at a glance
        points += f" from {span[0]} to {span[1]}"
    return DataError(
        f"{missing:,} of {size:,} {points} have no value of {target!r} ({missing / size:.0%}): "
        f"at most {MAX_MISSING_FRACTION:.0%} can be filled in, so pick a more complete column or file."
    )


def _check_series(values: np.ndarray, target: str) -> None:
    """The last checks on a cleaned series: long enough and not constant."""
    if values.size < MIN_POINTS:
        raise DataError(
            f"Only {count_phrase(values.size, 'point')} of {target!r}: a series needs "
            f"at least {MIN_POINTS} to train and test a forecaster."
        )
    if float(np.ptp(values)) == 0.0:
        raise DataError(
            f"Every value of {target!r} is {values[0]:g}: a constant series has nothing to learn, "
            f"so pick another column."
        )
