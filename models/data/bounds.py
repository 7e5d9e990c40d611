"""What a file declares about its size, checked before any reader is given it.

One job: ``check_declared(data)`` refuses, with one sentence naming what is too large, a file whose
parts would cost a reader far more than its bytes: a zip (xlsx, ods) whose members unpack to more than
the read budget, a worksheet whose cells reach past the row or column limit (one cell at XFD1048576
makes a reader build a grid of 17 billion cells), a CSV whose first lines have more fields than the
column limit. The checks stream and stop early, so they cost milliseconds on a normal file and at
most a pass over the unpacked bytes on a hostile one. What they cannot see (a string shared by every
cell, a damaged part) is bounded by the child process of models/data/isolated.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO

from models import limits
from models.data.csvread import SPREADSHEET_MESSAGE, is_workbook
from models.errors import DataError

_CHUNK = 1 << 20
_FIRST_LINES = 5
_DELIMITERS = (b",", b";", b"\t", b"|")
# A <row> or <c> start tag and its r="..." address, when it has one (cells and rows without an
# address follow the previous one).
_TAG = re.compile(rb'<(row|c)\b([^>]*)>')
_ADDRESS = re.compile(rb'\br\s*=\s*["\']([A-Za-z]*)(\d+)["\']')
_LINES = re.compile(rb"\r\n|\r|\n")
_LONGEST_TAG = 1 << 16  # bytes kept from one chunk for the next: more is text between tags
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def check_declared(data: bytes) -> None:
    """Raise DataError when ``data`` declares more rows, columns or unpacked bytes than allowed."""
    if data.startswith(b"PK\x03\x04"):
        _check_archive(data)
    elif not is_workbook(data):
        _check_fields(data)


def _check_fields(data: bytes) -> None:
    """The widest of the first lines, split at the delimiter that splits it most."""
    column_limit = limits.max_columns()
    for line in _LINES.split(data, maxsplit=_FIRST_LINES)[:_FIRST_LINES]:
        fields = 1 + max(line.count(delimiter) for delimiter in _DELIMITERS)
        if fields > column_limit:
            raise DataError(f"A line of this file has {fields:,} fields, above this server's limit of "
                            f"{column_limit:,} columns: upload fewer columns (one series per file).")


def _check_archive(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(SPREADSHEET_MESSAGE) from None
    budget = limits.max_read_mb() * 1024 * 1024
    unpacked = sum(member.file_size for member in members)
    if unpacked > budget:
        raise DataError(f"This file unpacks to {unpacked / 1024 / 1024:,.0f} MB, above this server's limit "
                        f"of {limits.max_read_mb():,} MB for one file: upload a smaller extract, or save "
                        "it as CSV.")
    for member in members:
        if _SHEET_PART.fullmatch(member.filename):
            try:
                with archive.open(member) as part:
                    _check_sheet(part)
            except DataError:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):  # damaged or encrypted parts
                raise DataError(SPREADSHEET_MESSAGE) from None


def _check_sheet(part: IO[bytes]) -> None:
    """Follow the rows and cells of one worksheet's XML; stop at the first one past a limit."""
    row_limit, column_limit = limits.max_rows(), limits.max_columns()
    # Rows above the table (titles, a header) are allowed for; the reader applies the exact limit.
    most_rows = row_limit + 100
    row = column = 0
    tail = b""
    while chunk := part.read(_CHUNK):
        text = tail + chunk
        end = text.rfind(b">") + 1  # tags cut by the chunk's end are read with the next chunk
        text, tail = text[:end], text[end:]
        if len(tail) > _LONGEST_TAG:  # a long text, not a tag: keep only a tag it may end with
            start = tail.rfind(b"<", len(tail) - _LONGEST_TAG)
            tail = tail[start:] if start >= 0 else b""
        for tag in _TAG.finditer(text):
            address = _ADDRESS.search(tag.group(2))
            if tag.group(1) == b"row":
                row = int(address.group(2)) if address else row + 1
                column = 0
                continue
            column = _column_number(address.group(1).upper()) if address and address.group(1) else column + 1
            if tag.group(2).rstrip().endswith(b"/"):
                continue  # an empty cell (a format only): readers keep no cell for it
            cell_row = int(address.group(2)) if address else row
            if cell_row > most_rows:
                raise DataError(_rows_message(cell_row, row_limit))
            if column > column_limit:
                raise DataError(f"A sheet of this workbook has cells in column {column:,}, above this "
                                f"server's limit of {column_limit:,} columns: delete the cells far to "
                                "the right of the table, or upload fewer columns.")


def _rows_message(row: int, row_limit: int) -> str:
    return (f"A sheet of this workbook has cells down to row {row:,} or further, beyond this server's "
            f"limit of {row_limit:,} rows: delete the cells far below the table, or upload a shorter "
            "extract.")


def _column_number(letters: bytes) -> int:
    """Excel's column letters as a number: A is 1, Z 26, AA 27, XFD 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number
