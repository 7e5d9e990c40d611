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

* Spreadsheets (.xlsx, .xls, .ods) are recognised by their bytes and read sheet by sheet
  (models/data/sheets.py) into the same table of strings; the first sheet unless ``sheet`` names one.
* Time column: a year column followed by a quarter or month column (combined, "year + quarter"),
  else the first column (columns whose name hints at time are tried first) whose cells read as
  dates or times: text dates, quarters, ISO weeks ("1991 W06"), decimal years as R writes a ts
  (1949.0833 is February 1949: steps of 1/12, 1/4, 1/52 mean monthly, quarterly, weekly), integer
  years 1700..2100 when the column is named like a year or the years advance steadily. Rows whose time
  cannot be read are dropped when they are at most 10% of the rows. Time zones are removed and local
  clock times kept (seasons follow the local clock).
* Wide tables: a year column and twelve month (or four quarter) columns are read row by row as one
  monthly (quarterly) series when neither column is chosen; choosing a target reads one column.
* Target: the first numeric column that is not part of the time, not a row counter (any start, step
  1), not a row label (a blank or index-like name such as ``rownames``), not the time column's years
  again, not rising by one same step on every row, and not constant, unless ``target_column`` names
  one. The columns passed over are in ``Series.skipped`` with their reasons; a target that still
  rises by one same step on every row gets a note. A column is numeric when at least half of its
  filled cells are numbers; its other text cells count as missing.
* Order: rows are sorted by time (a note says so when they were not).
* Duplicates: rows sharing a time step (the same month for monthly data) are averaged; when more than
  20% of the rows repeat a time the file probably holds several series and is refused.
* Frequency: the finest calendar step (hour, day, week, month, quarter, year) separating at least 30%
  of neighbouring times, "daily (weekdays)" when only Monday to Friday appear, "every 10 years" when
  all years are that far apart, or a fixed step such as "every 30 minutes" (season 48: a step of 30
  minutes or more that divides the day repeats daily); otherwise the series is irregular (None).
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
import re
from dataclasses import dataclass, field
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
    Table,
    count_phrase,
    find_column,
    is_workbook,
    names_phrase,
    parse_table,
    read_all_numbers,
)
from models.data.sheets import read_workbook, sheet_names
from models.data.timeparse import (
    MAX_BAD_TIME_FRACTION,
    MIN_STEP_SHARE,
    Times,
    detect_time_column,
    looks_like_time_name,
    read_requested_time_column,
)
from models.errors import ConfigError, DataError

__all__ = [
    "DATA_DIR", "MAX_ABS_VALUE", "MAX_BAD_TIME_FRACTION", "MAX_DUPLICATE_FRACTION", "MAX_MISSING_FRACTION",
    "MIN_POINTS", "MIN_STEP_SHARE", "MIN_TEST_TARGETS", "MIN_TRAIN_WINDOWS", "NO_NUMBERS_MESSAGE",
    "NO_TIME_COLUMN", "PREVIEW_COLUMNS", "PREVIEW_ROWS", "SPREADSHEET_MESSAGE", "Sample", "Series",
    "SplitSizes", "bundled_samples", "check_enough_points", "describe_series", "load_series", "read_table",
    "reading_sentence", "safe_csv_cell", "sample_path", "sheet_as_csv", "to_safe_csv", "train_size_for",
    "workbook_sheets",
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


def read_table(source: str | Path | bytes, *, sheet: str | None = None) -> pd.DataFrame:
    """The file as a table of strings (missing cells are ""), with detected delimiter and header.

    Raises DataError for files that cannot be read as a table (empty, binary, too big, ...).
    """
    data, _ = _source_bytes(source)
    return _table(data, sheet).frame


def workbook_sheets(source: str | Path | bytes) -> list[str]:
    """The sheet names of a spreadsheet, in order; [] for a CSV file."""
    data, _ = _source_bytes(source)
    return sheet_names(data) if is_workbook(data) else []


def sheet_as_csv(source: str | Path | bytes, sheet: str) -> bytes:
    """One sheet of a workbook as UTF-8 CSV bytes (header and cells as read), so a run that is given
    the bytes reads that sheet rather than the first."""
    data, _ = _source_bytes(source)
    table = _table(data, sheet)
    frame = table.frame.copy()
    # Blank header cells stay blank, so the CSV's row-index columns are recognised as such again.
    frame.columns = ["" if column in table.unnamed else column for column in frame.columns]
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _table(data: bytes, sheet: str | None) -> Table:
    """A workbook's sheet or a CSV file as a Table, recognised by the bytes, not the name."""
    if is_workbook(data):
        return read_workbook(data, sheet)
    if sheet is not None:
        raise DataError("This file is a CSV, not a spreadsheet: it has no sheets to choose from.")
    return parse_table(data)


# ── the series ────────────────────────────────────────────────────────────────────────────────


def load_series(
    source: str | Path | bytes,
    *,
    time_column: str | None = None,
    target_column: str | None = None,
    name: str | None = None,
    sheet: str | None = None,
) -> Series:
    """Read a CSV file or a spreadsheet (path, bytes, or a bundled sample's name) into a Series.

    ``time_column``: None to detect it, NO_TIME_COLUMN ("") for none (points numbered 1..N), or a name
    ("year + quarter" combines two columns). ``target_column``: None for the first column of data, or
    a name. ``sheet``: the workbook sheet to read (None: the first). Raises DataError with one plain
    sentence for every input that cannot become a usable series (see the module docstring).
    """
    data, default_name = _source_bytes(source)
    fingerprint = hashlib.sha256(data).hexdigest()
    table = _table(data, sheet)
    frame = table.frame
    notes = list(table.notes)
    columns = [str(column) for column in frame.columns]

    numbers = read_all_numbers(frame, table.decimal)
    wide = _wide_layout(frame, numbers) if time_column is None and target_column is None else None
    skipped: dict[str, str] = {}
    if wide is not None:
        times, time_name, target, target_numbers, cells, line_numbers = _read_wide(
            frame, numbers, table.line_numbers, *wide, notes)
        numeric_columns = [column for column in columns if column != time_name and numbers[column].is_numeric]
    else:
        if time_column is None:
            times, time_name = detect_time_column(frame, numbers, notes)
            not_target = _source_columns(times, time_name)
        elif time_column == NO_TIME_COLUMN:
            times, time_name = None, None
            found, found_name = detect_time_column(frame, numbers, [])  # still never picked as the target
            not_target = _source_columns(found, found_name)
        else:
            times, time_name = read_requested_time_column(frame, numbers, time_column)
            not_target = _source_columns(times, time_name)
        if times is not None:
            notes.extend(times.notes)
        time_sources = _source_columns(times, time_name)
        numeric_columns = [column for column in columns
                           if column not in time_sources and numbers[column].is_numeric]
        target = _choose_target(columns, numeric_columns, numbers, target_column, time_sources, not_target,
                                times, table.unnamed, skipped, notes)
        target_numbers, cells, line_numbers = numbers[target], frame[target], table.line_numbers
    if table.decimal == ",":
        notes.append("Read numbers with a decimal comma (1,5 means 1.5).")

    values = target_values(target_numbers, cells, line_numbers, target, notes)  # [rows]
    cleaned = clean_series(values, times.values if times is not None else None, line_numbers, target, notes)
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
        time_kind=times.kind if times is not None else None,
        skipped=skipped,
        sheet=table.sheet,
    )


_INDEX_NAMES = re.compile(r"^(rownames|row\.?names|row|rows|index|idx|id|obs|unnamed: ?\d+|no\.?)$",
                          re.IGNORECASE)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _source_columns(times: Times | None, time_name: str | None) -> set[str]:
    """The file's columns that make the time axis (two for a year + quarter pair)."""
    if times is not None and times.columns:
        return set(times.columns)
    return {time_name} if time_name else set()


def _choose_target(
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
        chosen = find_column(requested, columns)
        if chosen in time_sources:
            raise DataError(f"{chosen!r} is the time column: pick a column of values as the target.")
        if chosen not in numeric_columns:
            if not numeric_columns:
                raise DataError(NO_NUMBERS_MESSAGE)
            raise DataError(
                f"Column {chosen!r} does not hold numbers: pick one of {names_phrase(numeric_columns)}."
            )
        _flag_steady(chosen, numbers[chosen].values, notes)
        return chosen
    candidates = [column for column in numeric_columns if column not in not_target]
    if not candidates:
        raise DataError(NO_NUMBERS_MESSAGE)
    years = times.values.year.to_numpy(dtype=float) if times is not None else None
    for column in candidates[:-1]:
        reason = _not_data_reason(column, numbers[column].values, column in unnamed, years)
        if reason is None:
            return column
        skipped[column] = reason
        notes.append(f"Skipped column {column!r} because {reason}.")
    chosen = candidates[-1]
    _flag_steady(chosen, numbers[chosen].values, notes)
    return chosen


def _not_data_reason(column: str, values: np.ndarray, unnamed: bool, years: np.ndarray | None) -> str | None:
    """Why a numeric column is not the series to forecast (an index, the years again, ...), or None."""
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


def _wide_layout(frame: pd.DataFrame, numbers: dict[str, Numbers]) -> tuple[str, list[str], int] | None:
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
        if all(parts) and all(numbers[column].is_numeric for column in parts):
            positions = [columns.index(column) for column in parts]
            if positions == sorted(positions):
                return year, list(parts), cycles
    return None


_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")


def _read_wide(
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


# ── what was read, in words ─────────────────────────────────────────────────────────────────


def reading_sentence(series: Series) -> str:
    """One sentence: which column is the time, which the target, what was skipped and why."""
    if series.time_column:
        details = ", ".join(part for part in (series.frequency or "irregular", series.time_kind) if part)
        time = f"Time: {series.time_column!r} ({details})"
    else:
        time = "No time column (the points are numbered 1, 2, 3, ...)"
    sentence = f"{time}; target: {series.target!r}"
    if series.skipped:
        reasons = "; ".join(f"{column!r} because {reason}" for column, reason in series.skipped.items())
        sentence += f"; skipped {reasons}"
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
