"""CSV in, validated univariate series out.

Pipeline (each step a small function below):

    bytes ─ size and signature checks ─ decode (BOM, UTF-8, Latin-1) ─ delimiter ─ rows ─ header
          ─ table of strings ─ numbers (decimal comma, thousands) ─ time column ─ target column
          ─ sort, merge duplicates, fill gaps ─ checks (finite, not constant, long enough) ─ Series

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

import codecs
import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from models import limits
from models.errors import ConfigError, DataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

MIN_POINTS = 12  # a series shorter than this cannot be split into useful training and test parts
MAX_MISSING_FRACTION = 0.2  # gaps + empty values above this share are refused, below it interpolated
MAX_DUPLICATE_FRACTION = 0.2  # more repeated times than this suggests several series in one file
MAX_BAD_TIME_FRACTION = 0.1  # rows whose time cannot be read: dropped up to this share
MAX_ABS_VALUE = 1e15  # larger magnitudes lose precision and overflow the scaler's arithmetic
MIN_TRAIN_WINDOWS = 8
MIN_TEST_TARGETS = 2
PREVIEW_ROWS = 20
PREVIEW_COLUMNS = 50
NO_TIME_COLUMN = ""  # pass as time_column to ignore any time column and number the points 1..N

SPREADSHEET_MESSAGE = "This looks like a spreadsheet (Excel), not a CSV: save it as CSV and upload again."
NO_NUMBERS_MESSAGE = (
    "No column holds numbers: pick a file with a numeric column such as sales or passengers."
)

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes (|)"}
_MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "-", "--", "?", ".", "missing",
     "#n/a", "#na", "#div/0!", "#value!", "#num!", "#ref!", "#null!"}
)
_BOOLEAN_TOKENS = frozenset({"true", "false", "yes", "no"})
# A name hinting at time: the word may start the name or follow a separator ("order_date", "Timestamp").
_TIME_NAME_HINT = re.compile(
    r"(?:^|[\W_])(date|time|year|month|quarter|week|day|hour|period|jahr|datum|monat|fecha|mes|año|"
    r"année|mois|yr$|ts$|dt$)",
    re.IGNORECASE,
)
_MONTH_WORDS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# Parts of a date written in letters; a cell that is only these plus digits and punctuation is a time.
_DATE_WORDS = re.compile(
    rf"\b(({_MONTH_WORDS})[a-z]*\.?|q[1-4]|t|z|utc|gmt|am|pm)\b|(?<=\d)(t|z|q)(?=\d|$)|\bq(?=[1-4])",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")
_QUARTER_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$")
_QUARTER_FIRST = re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$")
_TIME_ZONE_SUFFIX = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|UTC|GMT)$", re.IGNORECASE)
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
        plural = "window" if train_windows == 1 else "windows"
        raise DataError(
            f"Only {n_points} points: with a look-back of {look_back} and a {percent} test part the "
            f"network would have {train_windows} training {plural}; use a shorter look-back or more data."
        )
    if test_size < MIN_TEST_TARGETS:
        plural = "point" if test_size == 1 else "points"
        raise DataError(
            f"Only {n_points} points: a {percent} test part holds {test_size} {plural}, too few to score "
            f"a forecast; use a larger test part or more data."
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


# ── reading bytes and text ────────────────────────────────────────────────────────────────────


@dataclass
class _Table:
    """A parsed file: every cell a string (missing = ""), plus what reading it involved."""

    frame: pd.DataFrame  # [rows, columns] dtype str
    line_numbers: np.ndarray  # [rows] line in the file where each row ends (1-based)
    delimiter: str
    decimal: str  # "." or ","
    notes: list[str] = field(default_factory=list)


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


def _check_signature(data: bytes) -> None:
    """Refuse well-known binary formats with a sentence saying what the file seems to be."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DataError(SPREADSHEET_MESSAGE)  # xlsx/ods are zip archives, old xls is an OLE file
    if head.startswith(b"%PDF"):
        raise DataError(
            "This looks like a PDF document, not a CSV: export the table as CSV and upload again."
        )
    if head.startswith(b"\x1f\x8b") or head.startswith(b"BZh") or head.startswith(b"\xfd7zXZ"):
        raise DataError("This file is compressed: unpack it and upload the CSV file inside.")
    start = data[:512].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise DataError(
            "This looks like a web page (HTML), not a CSV: download the raw CSV file and upload that."
        )


_BINARY_MESSAGE = (
    "This file holds binary data, not text: upload a CSV file (plain text, one row per line)."
)


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text of ``data`` and a note naming the encoding when it was not plain UTF-8."""
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        return _decode_strict(data, "utf-32", "UTF-32"), "Read the file as UTF-32 text."
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _decode_strict(data, "utf-16", "UTF-16"), "Read the file as UTF-16 text."
    sample = data[:4096]
    if b"\x00" in sample:
        # UTF-16 without a byte-order mark: ASCII text puts a NUL in every other byte.
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return _decode_strict(data, "utf-16-le", "UTF-16"), "Read the file as UTF-16 text."
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return _decode_strict(data, "utf-16-be", "UTF-16"), "Read the file as UTF-16 text."
        raise DataError(_BINARY_MESSAGE)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, "Read the text as Latin-1 (Windows) because it is not UTF-8."


def _decode_strict(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise DataError(
            f"The file claims to be {label} text but cannot be read as such: save it again as CSV (UTF-8)."
        ) from None


def _check_text(text: str) -> None:
    """Refuse text full of control characters (random bytes decoded as Latin-1)."""
    sample = text[:8192]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n\f")
    if sample and controls > 0.01 * len(sample):
        raise DataError(_BINARY_MESSAGE)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent number (>= 2) of fields."""
    lines = [line for line in text[:65536].splitlines()[:51] if line.strip()]
    if len(lines) > 1 and not text[:65536].endswith(("\n", "\r")) and len(text) > 65536:
        lines = lines[:-1]  # the last sampled line may be cut in the middle
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(fields) for fields in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode, _ = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        consistency = sum(count == mode for count in counts) / len(counts)
        score = (round(consistency, 3), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _split_rows(text: str, delimiter: str, row_limit: int) -> tuple[list[list[str]], list[int]]:
    """Non-blank rows of fields and the line each ends on; stops after ``row_limit`` + 2 rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    try:
        for fields in reader:
            if not fields or not "".join(fields).strip():
                continue  # blank lines and rows of empty cells (",,,") carry nothing
            rows.append(fields)
            line_numbers.append(reader.line_num)
            if len(rows) > row_limit + 1:
                break
    except csv.Error as error:
        raise DataError(
            f"Line {reader.line_num} cannot be read as CSV ({error}): fix or remove it."
        ) from None
    return rows, line_numbers


# ── cell classification ───────────────────────────────────────────────────────────────────────


def _cell_is_text(cell: str) -> bool:
    """True for words (a header name), False for numbers, dates, booleans and missing markers."""
    stripped = cell.strip()
    lowered = stripped.lower()
    if lowered in _MISSING_TOKENS or lowered in _BOOLEAN_TOKENS:
        return False
    if lowered in {"inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}:
        return False
    if not _LETTER.search(stripped):
        return False  # digits and punctuation only: a number or a date
    remainder = _DATE_WORDS.sub(" ", lowered)
    if any(char.isdigit() for char in stripped) and not _LETTER.search(remainder):
        return False  # "Jul 1991", "1970 Q1", "2020-01-01T00:00Z"
    try:
        float(stripped)  # "1e5", "nan"
        return False
    except ValueError:
        return True


def _has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns.

    It does when one of its cells is a word above a column of numbers or dates, or when none of its
    cells looks like data at all. A first row of data has numbers/dates wherever its column has them.
    """
    first = rows[0]
    below = rows[1:21]
    first_text = [_cell_is_text(cell) for cell in first]
    if not any(first_text):
        return False
    if not below:
        return True  # a single line of words: a header without data
    for position, is_text in enumerate(first_text):
        if not is_text:
            continue
        cells = [row[position] for row in below if position < len(row) and row[position].strip()]
        if cells and sum(_cell_is_text(cell) for cell in cells) <= len(cells) / 2:
            return True
    # Every word in the first row sits above more words: a header only if the row holds no data.
    return all(is_text or not cell.strip() for cell, is_text in zip(first, first_text, strict=True))


def _column_names(header: list[str], n_columns: int) -> list[str]:
    """Stripped, non-empty, unique names ("column 3" for a blank one, "sales (2)" for a repeat)."""
    names: list[str] = []
    seen: set[str] = set()
    for position in range(n_columns):
        raw = header[position].strip().lstrip("\ufeff").strip() if position < len(header) else ""
        name = raw or f"column {position + 1}"
        candidate, copy = name, 2
        while candidate in seen:
            candidate, copy = f"{name} ({copy})", copy + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _lines_phrase(line_numbers: list[int] | np.ndarray, limit: int = 5) -> str:
    """'line 5', 'lines 5 and 9', 'lines 5, 9, 12, 20, 31 and 4 more'."""
    numbers = [int(number) for number in line_numbers]
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    shown = numbers[:limit]
    rest = len(numbers) - len(shown)
    if rest:
        return f"lines {', '.join(map(str, shown))} and {rest} more"
    return f"lines {', '.join(map(str, shown[:-1]))} and {shown[-1]}"


_EMPTY_MESSAGE = "The file is empty: pick a CSV file with a header row and rows of numbers below it."


def _parse_table(data: bytes) -> _Table:
    """Bytes to a table of strings, or DataError with one sentence."""
    if not data.strip():
        raise DataError(_EMPTY_MESSAGE)
    _check_signature(data)
    text, encoding_note = _decode(data)
    _check_text(text)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DataError(_EMPTY_MESSAGE)
    notes = [encoding_note] if encoding_note else []
    delimiter = _sniff_delimiter(text)
    if delimiter != ",":
        notes.append(f"Split the columns at {_DELIMITER_NAMES[delimiter]}.")
    row_limit = limits.max_rows()
    rows, line_numbers = _split_rows(text, delimiter, row_limit)
    if not rows:
        raise DataError(_EMPTY_MESSAGE)
    rows, line_numbers = _skip_preamble(rows, line_numbers, notes)

    header_present = _has_header(rows)
    header = rows[0] if header_present else []
    data_rows, data_lines = (rows[1:], line_numbers[1:]) if header_present else (rows, line_numbers)
    if not data_rows:
        raise DataError("The file has a header row but no data rows: add rows of data below the header.")
    if len(data_rows) > row_limit:
        raise DataError(
            f"The file has more than {row_limit:,} rows of data, this server's limit: use a shorter "
            f"extract or aggregate it (for example daily instead of hourly)."
        )
    if not header_present:
        notes.append('The first row holds data, not names: called the columns "column 1", "column 2", ....')
    n_columns = max(len(header), Counter(len(row) for row in data_rows).most_common(1)[0][0])
    kept_rows, kept_lines = _rectangular(data_rows, data_lines, n_columns, notes)
    frame = pd.DataFrame(kept_rows, columns=_column_names(header, n_columns), dtype="str")
    lines = np.asarray(kept_lines, dtype=np.int64)
    return _Table(frame, lines, delimiter, _decimal_mark(frame, delimiter), notes)


def _skip_preamble(
    rows: list[list[str]], line_numbers: list[int], notes: list[str]
) -> tuple[list[list[str]], list[int]]:
    """Drop title or comment lines (one field each) above a table of two or more columns."""
    typical = Counter(len(row) for row in rows).most_common(1)[0][0]
    preamble = 0
    while typical >= 2 and preamble < min(len(rows) - 1, 20) and len(rows[preamble]) == 1:
        preamble += 1
    if not preamble:
        return rows, line_numbers
    where = _lines_phrase(line_numbers[:preamble])
    notes.append(f"Skipped {_count(preamble, 'line')} above the table ({where}).")
    return rows[preamble:], line_numbers[preamble:]


def _rectangular(
    rows: list[list[str]], line_numbers: list[int], n_columns: int, notes: list[str]
) -> tuple[list[list[str]], list[int]]:
    """Rows padded to ``n_columns`` with empty cells; rows with extra filled fields are skipped."""
    kept_rows, kept_lines, ragged_lines = [], [], []
    for row, line in zip(rows, line_numbers, strict=True):
        if len(row) > n_columns:
            if any(cell.strip() for cell in row[n_columns:]):
                ragged_lines.append(line)
                continue
            row = row[:n_columns]  # trailing empty cells (a delimiter at the end of the line)
        elif len(row) < n_columns:
            row = row + [""] * (n_columns - len(row))
        kept_rows.append(row)
        kept_lines.append(line)
    if ragged_lines:
        notes.append(
            f"Skipped {_count(len(ragged_lines), 'row')} with more fields than the header "
            f"({_lines_phrase(ragged_lines)})."
        )
    if not kept_rows:
        raise DataError("No row has the same number of fields as the header: check the file's delimiter.")
    return kept_rows, kept_lines


def _count(number: int, word: str) -> str:
    """'1 row', '3 rows'."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _decimal_mark(frame: pd.DataFrame, delimiter: str) -> str:
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


# ── numbers ───────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Numbers:
    """A column read as numbers: values (NaN where missing or text), masks, and what it took."""

    values: np.ndarray  # [rows] float64
    missing: np.ndarray  # [rows] bool: empty cell or a missing marker such as NA
    text: np.ndarray  # [rows] bool: filled but not a number
    separators_removed: bool

    @property
    def is_numeric(self) -> bool:
        parsed = int((~self.missing & ~self.text).sum())
        return parsed > 0 and parsed >= int(self.text.sum())


def _read_all_numbers(frame: pd.DataFrame, decimal: str) -> dict[str, _Numbers]:
    """Every column read as numbers with the file's decimal mark (thousands separators removed).

    All cells are handled in one flat column-major array [rows * columns], so a file with thousands
    of columns costs about as much as one long column (pandas has a per-call overhead of ~1 ms).
    """
    n_rows, n_columns = frame.shape
    flat = pd.Series(frame.to_numpy(dtype=object).ravel(order="F"), dtype="str").str.strip()
    missing = flat.str.lower().isin(_MISSING_TOKENS).to_numpy(bool)  # [rows * columns]
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
        numbers[str(column)] = _Numbers(values[part], missing[part], text[part], bool(separators[position]))
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


# ── time ──────────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Times:
    """A column read as times: [rows] datetime64 (NaT where unreadable) and how it was read."""

    values: pd.DatetimeIndex
    notes: list[str]


def _read_times(column: pd.Series, numbers: _Numbers, hinted: bool) -> _Times | None:
    """Try to read a column as times; None when it does not hold dates or times."""
    filled = ~numbers.missing
    if not filled.any():
        return None
    if numbers.is_numeric:  # years or YYYYMMDD; never read "1120" (a flow) as a date string
        return _read_numeric_times(numbers.values, hinted)
    return _read_text_times(column, filled)


def _read_numeric_times(values: np.ndarray, hinted: bool) -> _Times | None:
    """Integer years (1700..2100) or compact YYYYMMDD numbers."""
    present = values[~np.isnan(values)]
    if present.size == 0 or np.any(present != np.floor(present)):
        return None
    if present.min() >= 1700 and present.max() <= 2100:
        steps = np.diff(np.unique(present))
        steady = present.size == np.unique(present).size and (steps.size == 0 or np.median(steps) == 1)
        if not (hinted or steady):
            return None
        stamps = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        known = ~np.isnan(values)
        stamps[known] = (values[known].astype(np.int64) - 1970).astype("datetime64[Y]")
        return _Times(pd.DatetimeIndex(stamps), [])
    if present.min() >= 17000101 and present.max() <= 21001231:
        strings = pd.Series(np.where(np.isnan(values), "", values.astype(np.int64).astype(str)), dtype="str")
        index = pd.to_datetime(strings, format="%Y%m%d", errors="coerce")
        if index.notna().sum() == present.size:
            return _Times(pd.DatetimeIndex(index), [])
    return None


def _read_text_times(column: pd.Series, filled: np.ndarray) -> _Times | None:
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
        return _Times(quarters, notes)

    best_format, best_share = None, 0.0
    for time_format in _TIME_FORMATS:
        share = pd.to_datetime(sample, format=time_format, errors="coerce").notna().mean()
        if share > best_share:
            best_format, best_share = time_format, share
        if share == 1.0:
            break
    if best_format is None or best_share < 1.0 - MAX_BAD_TIME_FRACTION:
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
    return _Times(index, notes)


def _parse_times(cells: pd.Series, time_format: str) -> pd.DatetimeIndex:
    """Times in ``time_format``; NaT where unreadable or outside 1678..2261 (nanosecond range)."""
    index = pd.DatetimeIndex(pd.to_datetime(cells, format=time_format, errors="coerce"))
    return index.where((index.year >= 1678) & (index.year <= 2261))


def _read_quarters(cells: pd.Series) -> pd.DatetimeIndex | None:
    """'1970 Q1', '1970Q1', '1970-Q1', 'Q1 1970' -> first day of each quarter; None if not quarters."""
    probe = cells[cells.str.len() > 0].iloc[:100]
    for pattern, year_group, quarter_group in ((_QUARTER_YEAR_FIRST, 0, 1), (_QUARTER_FIRST, 1, 0)):
        if probe.str.match(pattern).mean() < 1.0 - MAX_BAD_TIME_FRACTION:
            continue  # checked on a sample first: extracting from every cell is slow
        parts = cells.str.extract(pattern)
        found = parts.notna().all(axis=1)
        filled = cells.str.len() > 0
        if found.sum() == 0 or found.sum() < (1.0 - MAX_BAD_TIME_FRACTION) * filled.sum():
            continue
        years = pd.to_numeric(parts.iloc[:, year_group], errors="coerce")
        quarters = pd.to_numeric(parts.iloc[:, quarter_group], errors="coerce")
        months = (quarters - 1) * 3 + 1
        frame = pd.DataFrame({"year": years, "month": months, "day": 1})
        return pd.DatetimeIndex(pd.to_datetime(frame, errors="coerce"))
    return None


def _irregularity(index: pd.DatetimeIndex) -> int:
    """How badly times fit a regular grid: missing grid steps, or the point count when none fits."""
    present = pd.DatetimeIndex(np.unique(index.dropna().values))
    if present.size < 3:
        return int(present.size)
    grid = _detect_grid(present)
    keys = grid.keys(present, present[0]) if grid is not None else None
    if keys is None:
        return int(present.size)
    return int(keys[-1] - keys[0] + 1 - np.unique(keys).size)


# ── frequency and the regular grid ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Grid:
    """A regular time grid: how to number times on it and how to name its steps."""

    words: str  # "monthly"
    unit: str  # "month" (for notes: "Filled 2 missing months ...")
    season_length: int | None
    label_unit: str  # numpy datetime_as_string unit for labels: "Y", "M", "D", "m", "s" or "Q"
    period: str | None = None  # pandas period alias for calendar steps
    step: np.timedelta64 | None = None  # fixed step otherwise
    weekdays: bool = False

    def keys(self, times: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray | None:
        """Integer step number of each time, or None when the times do not sit on this grid."""
        if self.period is not None:
            return times.to_period(self.period).asi8.astype(np.int64)
        if self.weekdays:
            days = times.values.astype("datetime64[D]")
            if np.any(np.is_busday(days) == 0) or np.any(times.values != days.astype(times.values.dtype)):
                return None
            return np.busday_count(np.datetime64(origin.date()), days).astype(np.int64)
        offsets = (times.values - origin.to_datetime64()).astype("timedelta64[ns]").astype(np.int64)
        step = int(self.step.astype("timedelta64[ns]").astype(np.int64))
        if np.any(offsets % step != 0):
            return None
        return offsets // step

    def times_for(self, keys: np.ndarray, origin: pd.Timestamp) -> pd.DatetimeIndex:
        """Times of grid step numbers ``keys`` (inverse of ``keys``)."""
        if self.period is not None:
            return pd.PeriodIndex.from_ordinals(keys, freq=self.period).to_timestamp()
        if self.weekdays:
            days = np.busday_offset(np.datetime64(origin.date()), keys, roll="forward")
            return pd.DatetimeIndex(days.astype("datetime64[ns]"))
        return pd.DatetimeIndex(origin.to_datetime64() + keys * self.step)


_DAY = np.timedelta64(1, "D")
_GRIDS = {
    "yearly": _Grid("yearly", "year", None, "Y", period="Y"),
    "quarterly": _Grid("quarterly", "quarter", 4, "Q", period="Q"),
    "monthly": _Grid("monthly", "month", 12, "M", period="M"),
    "weekly": _Grid("weekly", "week", 52, "D", step=np.timedelta64(7, "D")),
    "daily": _Grid("daily", "day", 7, "D", step=_DAY),
    "weekdays": _Grid("daily (weekdays)", "weekday", 5, "D", weekdays=True),
    "hourly": _Grid("hourly", "hour", 24, "m", step=np.timedelta64(1, "h")),
}


_DAY_SECONDS = 86400
# Calendar steps, finest first, as ranges of seconds between consecutive times.
_STEP_CLASSES = (
    ("hourly", 3600, 3600),
    ("daily", _DAY_SECONDS, _DAY_SECONDS),
    ("weekly", 7 * _DAY_SECONDS, 7 * _DAY_SECONDS),
    ("monthly", 28 * _DAY_SECONDS, 31 * _DAY_SECONDS),
    ("quarterly", 89 * _DAY_SECONDS, 92 * _DAY_SECONDS),
    ("yearly", 365 * _DAY_SECONDS, 366 * _DAY_SECONDS),
)
MIN_STEP_SHARE = 0.3  # a calendar step must separate at least this share of neighbours to count


def _detect_grid(times: pd.DatetimeIndex) -> _Grid | None:
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
    median = int(np.median(steps))
    if median >= 60 and median % 60 == 0:  # a fixed step such as 15 minutes or 6 hours
        words, unit = _step_words(median)
        label_unit = "m" if median < _DAY_SECONDS else "D"
        return _Grid(words, unit, None, label_unit, step=np.timedelta64(median, "s"))
    return None


def _step_words(seconds: int) -> tuple[str, str]:
    for size, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"every {count} {name}s", f"{count}-{name} step"
    return f"every {seconds} seconds", "step"  # pragma: no cover - median is whole minutes here


def _labels(times: pd.DatetimeIndex, unit: str) -> list[str]:
    """Display strings for times: '1949-01' monthly, '1970 Q1' quarterly, '2020-01-05 13:00' hourly."""
    values = times.values
    if unit == "Q":
        years = times.year.to_numpy()
        quarters = times.quarter.to_numpy()
        return [f"{year} Q{quarter}" for year, quarter in zip(years, quarters, strict=True)]
    strings = np.datetime_as_string(values, unit=unit)
    if unit in ("m", "s"):
        return [label.replace("T", " ") for label in strings.tolist()]
    return strings.tolist()


def _irregular_label_unit(times: pd.DatetimeIndex) -> str:
    nanoseconds = times.values.astype("datetime64[ns]").astype(np.int64)
    if np.all(nanoseconds % (86400 * 10**9) == 0):
        return "D"
    if np.all(nanoseconds % (60 * 10**9) == 0):
        return "m"
    return "s"


# ── the series ────────────────────────────────────────────────────────────────────────────────


def read_table(source: str | Path | bytes) -> pd.DataFrame:
    """The file as a table of strings (missing cells are ""), with detected delimiter and header.

    Raises DataError for files that cannot be read as a table (empty, binary, too big, ...).
    """
    data, _ = _source_bytes(source)
    return _parse_table(data).frame


def _find_column(name: str, columns: list[str]) -> str:
    """The column called ``name`` (exact, else the one matching ignoring case and spaces)."""
    if name in columns:
        return name
    matches = [column for column in columns if column.strip().lower() == name.strip().lower()]
    if len(matches) == 1:
        return matches[0]
    raise DataError(f"There is no column named {name!r}: the columns are {_names_phrase(columns)}.")


def _names_phrase(names: list[str], limit: int = 10) -> str:
    quoted = [repr(name) for name in names[:limit]]
    if len(names) > limit:
        return f"{', '.join(quoted)} and {len(names) - limit} more"
    return ", ".join(quoted)


def _is_counter(values: np.ndarray) -> bool:
    """True for a row counter such as 0, 1, 2, ... or 1, 2, 3, ... (an exported index column)."""
    return values.size > 2 and not np.isnan(values).any() and bool(np.all(np.diff(values) == 1)) and (
        values[0] in (0.0, 1.0)
    )


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
    table = _parse_table(data)
    frame = table.frame
    notes = list(table.notes)
    columns = [str(column) for column in frame.columns]

    numbers = _read_all_numbers(frame, table.decimal)

    if time_column is None:
        times, time_name = _detect_time_column(frame, numbers, notes)
        not_target = time_name
    elif time_column == NO_TIME_COLUMN:
        times, time_name = None, None
        _, not_target = _detect_time_column(frame, numbers, [])  # still never picked as the target
    else:
        times, time_name = _read_requested_time_column(frame, numbers, time_column)
        not_target = time_name
    if times is not None:
        notes.extend(times.notes)
    numeric_columns = [column for column in columns if column != time_name and numbers[column].is_numeric]
    target = _choose_target(columns, numeric_columns, numbers, target_column, time_name, not_target, notes)
    if table.decimal == ",":
        notes.append("Read numbers with a decimal comma (1,5 means 1.5).")
    column_numbers = numbers[target]
    if column_numbers.separators_removed:
        notes.append(f"Removed thousands separators from the numbers in {target!r}.")

    line_numbers = table.line_numbers
    values = column_numbers.values.copy()
    infinite = np.isinf(values)
    if infinite.any():
        count = int(infinite.sum())
        raise DataError(
            f"{target!r} holds {_count(count, 'infinite value')} "
            f"({_lines_phrase(line_numbers[infinite])}): replace them with numbers or leave the cells empty."
        )
    if np.nanmax(np.abs(values), initial=0.0) > MAX_ABS_VALUE:
        raise DataError(
            f"{target!r} holds numbers larger than 10^15: rescale the column (for example to millions)."
        )
    if column_numbers.text.any():
        bad = np.flatnonzero(column_numbers.text)
        examples = ", ".join(repr(frame[target].iloc[position].strip()) for position in bad[:3])
        count = int(bad.size)
        notes.append(
            f"Treated {count} {'cell' if count == 1 else 'cells'} of {target!r} that "
            f"{'is' if count == 1 else 'are'} not a number as empty ({_lines_phrase(line_numbers[bad])}: "
            f"{examples})."
        )

    if times is None:
        result_values, result_times, labels, grid = _positional(values, target, notes)
    else:
        result_values, result_times, labels, grid = _timed(values, times.values, line_numbers, target, notes)

    _check_series(result_values, target)
    preview = frame.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS].copy()
    return Series(
        values=result_values,
        time_labels=labels,
        times=result_times,
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


def _read_requested_time_column(
    frame: pd.DataFrame, numbers: dict[str, _Numbers], requested: str
) -> tuple[_Times, str]:
    """The column the user named as time, or DataError when its cells are not dates or times."""
    chosen = _find_column(requested, list(frame.columns))
    times = _read_times(frame[chosen], numbers[chosen], hinted=True)
    filled = int((~numbers[chosen].missing).sum())
    if times is None or times.values.notna().sum() < (1.0 - MAX_BAD_TIME_FRACTION) * filled:
        example = next((cell.strip() for cell in frame[chosen].tolist() if cell.strip()), "")
        raise DataError(
            f"Column {chosen!r} does not hold dates or times that can be read (for example {example!r}): "
            f"pick another time column or none."
        )
    return times, chosen


def _detect_time_column(
    frame: pd.DataFrame, numbers: dict[str, _Numbers], notes: list[str]
) -> tuple[_Times | None, str | None]:
    """The first column that reads as times (columns named like time first), or (None, None)."""
    columns = list(frame.columns)
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
        if times is not None and times.values.notna().sum() >= (1.0 - MAX_BAD_TIME_FRACTION) * len(frame):
            return times, column
    unread = [column for column in hinted if not numbers[column].is_numeric]
    if unread:
        notes.append(
            f"Column {unread[0]!r} looks like a time column but its cells could not be read as dates, "
            f"so the points are numbered 1, 2, 3, ... instead."
        )
    return None, None


def _choose_target(
    columns: list[str],
    numeric_columns: list[str],
    numbers: dict[str, _Numbers],
    requested: str | None,
    time_name: str | None,
    not_target: str | None,
    notes: list[str],
) -> str:
    """The column of values: the requested one (checked) or the first numeric non-counter column."""
    if requested is not None:
        chosen = _find_column(requested, columns)
        if chosen == time_name:
            raise DataError(f"{chosen!r} is the time column: pick a column of values as the target.")
        if chosen not in numeric_columns:
            if not numeric_columns:
                raise DataError(NO_NUMBERS_MESSAGE)
            raise DataError(
                f"Column {chosen!r} does not hold numbers: pick one of {_names_phrase(numeric_columns)}."
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


def _positional(
    values: np.ndarray, target: str, notes: list[str]
) -> tuple[np.ndarray, None, list[str], None]:
    """A series without times: file order, points numbered 1..N, empty values interpolated."""
    no_gaps = np.zeros(values.size, dtype=bool)
    values, _ = _trim_and_fill(values, target, notes, np.arange(values.size, dtype=float), no_gaps, "")
    return values, None, [str(position) for position in range(1, values.size + 1)], None


def _timed(
    values: np.ndarray,
    times: pd.DatetimeIndex,
    line_numbers: np.ndarray,
    target: str,
    notes: list[str],
) -> tuple[np.ndarray, pd.DatetimeIndex, list[str], _Grid | None]:
    """Drop unreadable times, sort, merge duplicates, fill gaps on the detected grid."""
    readable = np.asarray(times.notna())
    if not readable.all():
        bad = np.flatnonzero(~readable)
        count = int(bad.size)
        notes.append(
            f"Dropped {_count(count, 'row')} whose time is empty or could not be read "
            f"({_lines_phrase(line_numbers[bad])})."
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

    grid = _detect_grid(sorted_times)
    origin = sorted_times[0]
    keys = grid.keys(sorted_times, origin) if grid is not None else None
    if grid is not None and keys is None:
        grid = None
    if keys is None:
        keys = stamps.astype(np.int64)
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
            f"Averaged the rows of {shared} {_plural(unit, shared)} that appear more than once."
        )
        values = merged
        # first original time of each key (irregular series keep their exact times)
        first_positions = np.searchsorted(keys, unique_keys)
        stamps = stamps[first_positions]
    keys = unique_keys

    if grid is None:
        positions = (stamps.astype(np.int64) - stamps[0].astype(np.int64)).astype(float)
        no_gaps = np.zeros(values.size, dtype=bool)
        values, keep = _trim_and_fill(values, target, notes, positions, no_gaps, unit)
        result_times = pd.DatetimeIndex(stamps[keep])
        labels = _labels(result_times, _irregular_label_unit(result_times))
        return values, result_times, labels, None

    grid_size = int(keys[-1] - keys[0] + 1)
    if grid_size - keys.size > MAX_MISSING_FRACTION * grid_size:  # before allocating a huge grid
        span = _labels(sorted_times[[0, -1]], grid.label_unit)
        raise _too_many_missing(grid_size - keys.size, grid_size, grid.unit, target, span)
    full_keys = np.arange(keys[0], keys[-1] + 1, dtype=np.int64)  # [grid points]
    full_values = np.full(full_keys.size, np.nan)
    full_values[keys - keys[0]] = values
    gaps = np.ones(full_keys.size, dtype=bool)  # grid points without any row
    gaps[keys - keys[0]] = False
    values, keep = _trim_and_fill(full_values, target, notes, full_keys.astype(float), gaps, grid.unit)
    result_times = grid.times_for(full_keys[keep], origin)
    return values, result_times, _labels(result_times, grid.label_unit), grid


def _plural(unit: str, count: int) -> str:
    return unit if count == 1 else unit + "s"


def _trim_and_fill(
    values: np.ndarray, target: str, notes: list[str], positions: np.ndarray, gaps: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray]:
    """Drop empty values at both ends, then interpolate the inside ones (see ``_fill_missing``).

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
                f"Dropped {_count(dropped, 'point')} at the start or end "
                f"without a value of {target!r}."
            )
    gap_count = int(gaps[keep].sum())
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
        notes.append(f"Filled {gap_count} missing {_plural(unit, gap_count)} by linear interpolation.")
    if empty_count:
        notes.append(
            f"Filled {_count(empty_count, 'empty value')} of {target!r} "
            f"by linear interpolation."
        )
    return filled


def _too_many_missing(
    missing: int, size: int, unit: str, target: str, span: list[str] | None = None
) -> DataError:
    points = _plural(unit, size) if unit not in ("", "time") else "points"
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
            f"Only {_count(values.size, 'point')} of {target!r}: a series needs "
            f"at least {MIN_POINTS} to train and test a forecaster."
        )
    if float(np.ptp(values)) == 0.0:
        raise DataError(
            f"Every value of {target!r} is {values[0]:g}: a constant series has nothing to learn, "
            f"so pick another column."
        )
