"""Bytes of a CSV file (or a spreadsheet's rows, see models/data/sheets.py) to a table of strings.

One job: read the file's layout, not its meaning. ``parse_table`` refuses binary formats by their
signature, decodes the text (BOM, UTF-8, UTF-16/32, Latin-1), sniffs the delimiter, skips title lines,
finds the header and pads short rows. The numbers in the columns are read by models/data/numbers.py;
which column holds the times or the values is decided by models/data/timeparse.py and columns.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models import limits
from models.data.numbers import MISSING_TOKENS, decimal_mark
from models.data.words import count_phrase, lines_phrase, names_phrase
from models.errors import DataError

SPREADSHEET_MESSAGE = (
    "This looks like a spreadsheet (Excel) but it cannot be read: save it again as .xlsx or as CSV "
    "and upload that."
)
NO_NUMBERS_MESSAGE = (
    "No column holds numbers: pick a file with a numeric column such as sales or passengers."
)
_BINARY_MESSAGE = (
    "This file holds binary data, not text: upload a CSV file (plain text, one row per line)."
)
_EMPTY_MESSAGE = "The file is empty: pick a CSV file with a header row and rows of numbers below it."

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes (|)"}
_BOOLEAN_TOKENS = frozenset({"true", "false", "yes", "no"})
_MONTH_WORDS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# Parts of a date written in letters; a cell that is only these plus digits and punctuation is a time.
_DATE_WORDS = re.compile(
    rf"\b(({_MONTH_WORDS})[a-z]*\.?|q[1-4]|t|z|utc|gmt|am|pm)\b|(?<=\d)(t|z|q)(?=\d|$)|\bq(?=[1-4])",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")


# ── bytes to a table ──────────────────────────────────────────────────────────────────────────


@dataclass
class Table:
    """A parsed file: every cell a string (missing = ""), plus what reading it involved."""

    frame: pd.DataFrame  # [rows, columns] dtype str
    line_numbers: np.ndarray  # [rows] line in the file where each row ends (1-based)
    delimiter: str
    decimal: str  # "." or ","
    notes: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)  # columns whose header cell was blank
    sheet: str | None = None  # the workbook sheet read, None for a CSV


def parse_table(data: bytes) -> Table:
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
    rows, line_numbers = _split_rows(text, delimiter, limits.max_rows())
    return table_from_rows(rows, line_numbers, delimiter, notes)


def table_from_rows(
    rows: list[list[str]], line_numbers: list[int], delimiter: str, notes: list[str]
) -> Table:
    """Rows of text cells (from a CSV or a spreadsheet) to a Table: preamble, header, padding."""
    row_limit = limits.max_rows()
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
    names = _column_names(header, n_columns)
    frame = pd.DataFrame(kept_rows, columns=names, dtype="str")
    lines = np.asarray(kept_lines, dtype=np.int64)
    # Columns whose header cell is blank: an exported row index (pandas, R's write.csv) in practice.
    unnamed = [name for position, name in enumerate(names) if header_present
               and not (header[position].strip().lstrip("\ufeff").strip() if position < len(header) else "")]
    return Table(frame, lines, delimiter, decimal_mark(frame, delimiter), notes, unnamed)


def is_workbook(data: bytes) -> bool:
    """Whether ``data`` starts like a spreadsheet: a zip archive (xlsx, ods) or an OLE file (old xls)."""
    return data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _check_signature(data: bytes) -> None:
    """Refuse well-known binary formats with a sentence saying what the file seems to be."""
    head = data[:8]
    if is_workbook(data):  # pragma: no cover - workbooks are read before (models/data/sheets.py)
        raise DataError(SPREADSHEET_MESSAGE)
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
    column_limit = limits.max_columns()
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    try:
        for fields in reader:
            if not fields or not "".join(fields).strip():
                continue  # blank lines and rows of empty cells (",,,") carry nothing
            if len(fields) > column_limit:
                raise DataError(f"Line {reader.line_num} has {len(fields):,} fields, above this server's "
                                f"limit of {column_limit:,} columns: upload fewer columns.")
            rows.append(fields)
            line_numbers.append(reader.line_num)
            if len(rows) > row_limit + 1:
                break
    except csv.Error as error:
        raise DataError(
            f"Line {reader.line_num} cannot be read as CSV ({error}): fix or remove it."
        ) from None
    return rows, line_numbers


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
    where = lines_phrase(line_numbers[:preamble])
    notes.append(f"Skipped {count_phrase(preamble, 'line')} above the table ({where}).")
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
            f"Skipped {count_phrase(len(ragged_lines), 'row')} with more fields than the header "
            f"({lines_phrase(ragged_lines)})."
        )
    if not kept_rows:
        raise DataError("No row has the same number of fields as the header: check the file's delimiter.")
    return kept_rows, kept_lines


# ── header ────────────────────────────────────────────────────────────────────────────────────


def _cell_is_text(cell: str) -> bool:
    """True for words (a header name), False for numbers, dates, booleans and missing markers."""
    stripped = cell.strip()
    lowered = stripped.lower()
    if lowered in MISSING_TOKENS or lowered in _BOOLEAN_TOKENS:
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


def find_column(name: str, columns: list[str]) -> str:
    """The column called ``name`` (exact, else the one matching ignoring case and spaces)."""
    if name in columns:
        return name
    matches = [column for column in columns if column.strip().lower() == name.strip().lower()]
    if len(matches) == 1:
        return matches[0]
    raise DataError(f"There is no column named {name!r}: the columns are {names_phrase(columns)}.")
