"""CSV in, validated univariate series out: the public face of the data modules.

One job: ``load_series`` turns a file (path, bytes, upload or bundled sample's name) into a ``Series``
by chaining the steps below; this module also holds the public types, the bundled samples, the
train/test split arithmetic and the formula-safe CSV export that share these policies. Every public
name other modules use is importable from here (see ``__all__``), wherever it is implemented:

    bytes ─ size limit ─ models/data/csvread.py: signature checks, decode (BOM, UTF-8, Latin-1), delimiter,
          rows, header, table of strings, numbers (decimal comma, thousands)
          ─ models/data/timeparse.py: time column, frequency ─ target column (here)
          ─ models/data/clean.py: sort, merge duplicates, fill gaps, checks (finite, not constant,
          long enough) ─ Series

Policies (the same words are in data/README.md and tests/data/README.md):

* Time column: the first column (columns whose name hints at time are tried first) whose cells read as
  dates or times; integer years 1700..2100 count when the column is named like a year or the years
  advance steadily. Rows whose time cannot be read are dropped when they are at most 10% of the rows.
  Time zones are removed and local clock times kept (seasons follow the local clock).
* Target: the first numeric column that is not the time column and not a row counter (0, 1, 2, ...),
  unless ``target_column`` names one. A column is numeric when at least half of its filled cells are
  numbers; its other text cells count as missing.
* Order: rows are sorted by time (a note says so when they were not).
* Duplicates: rows sharing a time step (the same month for monthly data) are averaged; when more than
  20% of the rows repeat a time the file probably holds several series and is refused.
* Frequency: the finest calendar step (hour, day, week, month, quarter, year) separating at least 30%
  of neighbouring times, "daily (weekdays)" when only Monday to Friday appear, or a fixed step such as
  "every 15 minutes"; otherwise the series is irregular (frequency None).
* Gaps and missing values: empty target cells (and text cells in it) and, for a regular series,
  missing time steps are filled by linear interpolation (along time, or along positions without a
  time column) when together they are at most 20% of the points; more is an error. Empty values at
  the very start or end are dropped, not invented.
* Layout: title lines above the table are skipped; short rows are padded with empty cells; rows with
  more filled fields than the header are skipped with a note naming their lines.
* Refused: infinite values (with their line numbers), constant series, fewer than MIN_POINTS points.
* Values are never evaluated: column names and cells stay plain strings; exports go through
  ``to_safe_csv`` so a spreadsheet never runs a formula from a cell.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from models import limits
from models.data.clean import (
    MAX_ABS_VALUE,
    MAX_DUPLICATE_FRACTION,
    MAX_MISSING_FRACTION,
    MIN_POINTS,
    clean_series,
    target_values,
)
from models.data.csvread import (
    NO_NUMBERS_MESSAGE,
    SPREADSHEET_MESSAGE,
    Numbers,
    count_phrase,
    find_column,
    names_phrase,
    parse_table,
    read_all_numbers,
)
from models.data.timeparse import (
    MAX_BAD_TIME_FRACTION,
    MIN_STEP_SHARE,
    detect_time_column,
    read_requested_time_column,
)
from models.errors import ConfigError, DataError

__all__ = [
    "DATA_DIR", "MAX_ABS_VALUE", "MAX_BAD_TIME_FRACTION", "MAX_DUPLICATE_FRACTION", "MAX_MISSING_FRACTION",
    "MIN_POINTS", "MIN_STEP_SHARE", "MIN_TEST_TARGETS", "MIN_TRAIN_WINDOWS", "NO_NUMBERS_MESSAGE",
    "NO_TIME_COLUMN", "PREVIEW_COLUMNS", "PREVIEW_ROWS", "SPREADSHEET_MESSAGE", "Sample", "Series",
    "SplitSizes", "bundled_samples", "check_enough_points", "load_series", "read_table", "safe_csv_cell",
    "sample_path", "to_safe_csv", "train_size_for",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

MIN_TRAIN_WINDOWS = 8
MIN_TEST_TARGETS = 2
PREVIEW_ROWS = 20
PREVIEW_COLUMNS = 50
NO_TIME_COLUMN = ""  # pass as time_column to ignore any time column and number the points 1..N


# ── public types ──────────────────────────────────────────────────────────────────────────────


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

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Two columns: the time labels (or positions) and the values, as the app shows them."""
        label = self.time_column or "position"
        value = self.target if self.target != label else f"{self.target} (value)"
        return pd.DataFrame({label: pd.array(self.time_labels, dtype="str"), value: self.values})


@dataclass(frozen=True)
class Sample:
    """A bundled data file: short name, path, and one line saying what it is."""

    name: str
    path: Path
    description: str


class SplitSizes(NamedTuple):
    """How a series of ``n_points`` is divided (see ``check_enough_points``)."""

    train_size: int
    test_size: int
    train_windows: int
    test_targets: int


_SAMPLES = {
    "airline-passengers": (
        "airline-passengers.csv",
        "Airline passengers: monthly totals in thousands, 1949–1960 (the seed article's data)",
    ),
    "sunspots-yearly": ("sunspots-yearly.csv", "Sunspots: yearly mean sunspot numbers, 1700–2008"),
    "nile-flow": ("nile-flow.csv", "Nile: yearly flow at Aswan in 10⁸ m³, 1871–1970"),
    "electrical-equipment": (
        "electrical-equipment.csv",
        "Electrical equipment: monthly turnover index of euro-area manufacturers, 1995–2016",
    ),
}


def bundled_samples() -> dict[str, Sample]:
    """The bundled series in data/, keyed by short name (the file name without .csv)."""
    return {
        name: Sample(name=name, path=DATA_DIR / file_name, description=description)
        for name, (file_name, description) in _SAMPLES.items()
    }


def sample_path(name: str) -> Path:
    """Path of a bundled sample by name or unique prefix ("airline" -> data/airline-passengers.csv)."""
    samples = bundled_samples()
    key = name.strip().lower().removesuffix(".csv")
    if key in samples:
        return samples[key].path
    matches = [sample for sample_name, sample in samples.items() if sample_name.startswith(key)]
    if key and len(matches) == 1:
        return matches[0].path
    raise DataError(f"There is no bundled sample named {name!r}: the samples are {', '.join(samples)}.")


# ── split arithmetic ──────────────────────────────────────────────────────────────────────────


def train_size_for(n_points: int, test_fraction: float) -> int:
    """Points in the training part: int(round(n * (1 - test_fraction), 6)).

    Rounding to 6 decimals first removes float noise, so 144 points with test_fraction 0.33 give 96
    like the seed program's int(144 * 0.67).
    """
    return int(round(n_points * (1.0 - test_fraction), 6))


def check_enough_points(n_points: int, look_back: int, test_fraction: float) -> SplitSizes:
    """Raise DataError unless the split leaves enough windows to train and targets to score.

    Definitions (the windowing code follows them):
      train part  = the first ``train_size_for(n, test_fraction)`` points, test part = the rest;
      training windows = train_size - look_back (inputs and target all inside the train part);
      test targets = test_size (each test point is forecast from the ``look_back`` actual values
      before it, which for the first ones reach back into the end of the train part).
    Needs at least MIN_TRAIN_WINDOWS (8) training windows and MIN_TEST_TARGETS (2) test targets.
    """
    if isinstance(look_back, bool) or not isinstance(look_back, int) or look_back < 1:
        raise ConfigError(f"The look-back must be a whole number of at least 1, got {look_back!r}.")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ConfigError(f"The test part must be between 0% and 100% of the data, got {test_fraction!r}.")
    train_size = train_size_for(n_points, test_fraction)
    test_size = n_points - train_size
    train_windows = max(train_size - look_back, 0)
    percent = f"{float(test_fraction) * 100:.4g}%"
    if train_windows < MIN_TRAIN_WINDOWS:
        raise DataError(
            f"Only {n_points} points: with a look-back of {look_back} and a {percent} test part the "
            f"network would have {count_phrase(train_windows, 'training window')}; use a shorter "
            f"look-back or more data."
        )
    if test_size < MIN_TEST_TARGETS:
        raise DataError(
            f"Only {n_points} points: a {percent} test part holds {count_phrase(test_size, 'point')}, "
            f"too few to score a forecast; use a larger test part or more data."
        )
    return SplitSizes(train_size, test_size, train_windows, test_size)


# ── safe export ───────────────────────────────────────────────────────────────────────────────


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


# ── reading the source ────────────────────────────────────────────────────────────────────────


def _source_bytes(source: Any) -> tuple[bytes, str]:
    """The raw bytes of ``source`` and a default display name, checking the size limit first."""
    limit = limits.max_upload_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "uploaded data"
    elif hasattr(source, "getvalue") or hasattr(source, "read"):  # file-like, e.g. Streamlit's upload
        data = source.getvalue() if hasattr(source, "getvalue") else source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = Path(str(getattr(source, "name", "") or "uploaded data")).stem
    elif isinstance(source, (str, Path)):
        if isinstance(source, str) and ("\n" in source or len(source) > 4096):
            raise DataError("Give the path of a CSV file or its bytes, not its text.")
        path = Path(source)
        if not path.exists() and isinstance(source, str) and "/" not in source and "\\" not in source:
            path = sample_path(source)  # a bundled sample's name (DataError when it is none)
        if not path.is_file():
            raise DataError(f"No file was found at {str(path)!r}: check the path.")
        size = path.stat().st_size
        if size > limit:
            raise DataError(_too_big_message(size, limit))
        data, name = path.read_bytes(), path.stem
    else:
        raise DataError(f"Cannot read data from a {type(source).__name__}: give a file path or its bytes.")
    if len(data) > limit:
        raise DataError(_too_big_message(len(data), limit))
    return data, name


def _too_big_message(size: int, limit: int) -> str:
    return (
        f"The file is {size / 1024 / 1024:.1f} MB, above the limit of {limit // (1024 * 1024)} MB: "
        f"upload a smaller extract (fewer rows or columns)."
    )


def read_table(source: str | Path | bytes) -> pd.DataFrame:
    """The file as a table of strings (missing cells are ""), with detected delimiter and header.

    Raises DataError for files that cannot be read as a table (empty, binary, too big, ...).
    """
    data, _ = _source_bytes(source)
    return parse_table(data).frame


# ── the series ────────────────────────────────────────────────────────────────────────────────


def load_series(
    source: str | Path | bytes,
    *,
    time_column: str | None = None,
    target_column: str | None = None,
    name: str | None = None,
) -> Series:
    """Read a CSV file (path, bytes, or a bundled sample's name) into a validated Series.

    ``time_column``: None to detect it, NO_TIME_COLUMN ("") for none (points numbered 1..N), or a name.
    ``target_column``: None for the first numeric column, or a name. Raises DataError with one plain
    sentence for every input that cannot become a usable series (see the module docstring).
    """
    data, default_name = _source_bytes(source)
    fingerprint = hashlib.sha256(data).hexdigest()
    table = parse_table(data)
    frame = table.frame
    notes = list(table.notes)
    columns = [str(column) for column in frame.columns]

    numbers = read_all_numbers(frame, table.decimal)

    if time_column is None:
        times, time_name = detect_time_column(frame, numbers, notes)
        not_target = time_name
    elif time_column == NO_TIME_COLUMN:
        times, time_name = None, None
        _, not_target = detect_time_column(frame, numbers, [])  # still never picked as the target
    else:
        times, time_name = read_requested_time_column(frame, numbers, time_column)
        not_target = time_name
    if times is not None:
        notes.extend(times.notes)
    numeric_columns = [column for column in columns if column != time_name and numbers[column].is_numeric]
    target = _choose_target(columns, numeric_columns, numbers, target_column, time_name, not_target, notes)
    if table.decimal == ",":
        notes.append("Read numbers with a decimal comma (1,5 means 1.5).")

    values = target_values(numbers[target], frame[target], table.line_numbers, target, notes)  # [rows]
    cleaned = clean_series(
        values, times.values if times is not None else None, table.line_numbers, target, notes
    )
    grid = cleaned.grid
    preview = frame.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS].copy()
    return Series(
        values=cleaned.values,
        time_labels=cleaned.labels,
        times=cleaned.times,
        target=target,
        time_column=time_name,
        frequency=grid.words if grid is not None else None,
        season_length=grid.season_length if grid is not None else None,
        columns=columns,
        numeric_columns=numeric_columns,
        notes=notes,
        preview=preview,
        fingerprint=fingerprint,
        name=name or default_name,
    )


def _choose_target(
    columns: list[str],
    numeric_columns: list[str],
    numbers: dict[str, Numbers],
    requested: str | None,
    time_name: str | None,
    not_target: str | None,
    notes: list[str],
) -> str:
    """The column of values: the requested one (checked) or the first numeric non-counter column."""
    if requested is not None:
        chosen = find_column(requested, columns)
        if chosen == time_name:
            raise DataError(f"{chosen!r} is the time column: pick a column of values as the target.")
        if chosen not in numeric_columns:
            if not numeric_columns:
                raise DataError(NO_NUMBERS_MESSAGE)
            raise DataError(
                f"Column {chosen!r} does not hold numbers: pick one of {names_phrase(numeric_columns)}."
            )
        return chosen
    candidates = [column for column in numeric_columns if column != not_target]
    if not candidates:
        raise DataError(NO_NUMBERS_MESSAGE)
    for column in candidates:
        if _is_counter(numbers[column].values) and column != candidates[-1]:
            notes.append(f"Skipped column {column!r} because it only counts the rows.")
            continue
        return column
    return candidates[-1]  # pragma: no cover - the loop always returns


def _is_counter(values: np.ndarray) -> bool:
    """True for a row counter such as 0, 1, 2, ... or 1, 2, 3, ... (an exported index column)."""
    return values.size > 2 and not np.isnan(values).any() and bool(np.all(np.diff(values) == 1)) and (
        values[0] in (0.0, 1.0)
    )

