"""Spreadsheets (.xlsx, .xlsm, .xls, .ods) to the same table of strings a CSV becomes.

One job: read a workbook's cells with python-calamine (a maintained reader for every Excel format
and OpenDocument) and write them as the text a CSV export would hold, so detection, limits and
messages are the CSV ones (models/data/csvread.py). A workbook is recognised by its bytes, whatever
its file name says.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import TYPE_CHECKING

from models import limits
from models.data.csvread import SPREADSHEET_MESSAGE, Table, table_from_rows
from models.data.words import names_phrase
from models.errors import DataError

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

PASSWORD_MESSAGE = (
    "This workbook is protected by a password: save a copy without the password (or export the sheet "
    "as CSV) and upload that."
)
UNCALCULATED_MESSAGE = (
    "This workbook's formulas were saved without their results (the program that wrote it does not "
    "calculate them): open it in a spreadsheet program and save it again, or export the sheet as CSV."
)
# An Office file encrypted with a password is an OLE container holding this stream (name in UTF-16).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# A formula cell whose cached result is missing: no <v> after the formula, or an empty one.
_UNCALCULATED = re.compile(rb"(</f>|<f\b[^>]*/>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>")
_NOT_A_WORKBOOK = (
    "This file is a zip archive, not a spreadsheet or a CSV: unpack it and upload the file inside."
)


def sheet_names(data: bytes) -> list[str]:
    """The names of the workbook's sheets, in order (DataError when it cannot be read)."""
    return list(_open(data).sheet_names)


def read_workbook(data: bytes, sheet: str | None = None) -> Table:
    """One sheet (the first unless ``sheet`` names one) as a Table of strings."""
    workbook = _open(data)
    names = list(workbook.sheet_names)
    if not names:
        raise DataError(SPREADSHEET_MESSAGE)
    if sheet is None:
        chosen = names[0]
    else:
        matches = [name for name in names if name == sheet] or [
            name for name in names if name.strip().lower() == sheet.strip().lower()]
        if len(matches) != 1:
            raise DataError(f"There is no sheet named {sheet!r}: the sheets are {names_phrase(names)}.")
        chosen = matches[0]
    row_limit = limits.max_rows()
    try:
        cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=True, nrows=row_limit + 2)
    except Exception:  # the reader raises its own error types for damaged parts
        raise DataError(SPREADSHEET_MESSAGE) from None
    rows, line_numbers = [], []
    for number, row in enumerate(cells, start=1):
        texts = [_cell_text(cell) for cell in row]
        while texts and not texts[-1].strip():
            texts.pop()  # the sheet's used area is as wide as its widest row
        if texts:
            rows.append(texts)
            line_numbers.append(number)
    if not rows:
        raise DataError(f"The sheet {chosen!r} is empty: pick the sheet that holds the table.")
    notes = [f"Read the sheet {chosen!r} of the workbook."] if len(names) > 1 else []
    table = table_from_rows(rows, line_numbers, ",", notes)
    table.sheet = chosen
    return table


def has_uncalculated_formulas(data: bytes) -> bool:
    """Whether a worksheet of this .xlsx holds a formula saved without its result (openpyxl and other
    writers save formulas so): such cells read as empty."""
    if not data.startswith(b"PK"):
        return False
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") and _UNCALCULATED.search(archive.read(member)):
                return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return False


def _open(data: bytes) -> CalamineWorkbook:
    if _ENCRYPTED_STREAM in data[:1 << 20] and not data.startswith(b"PK"):
        raise DataError(PASSWORD_MESSAGE)
    if data.startswith(b"PK"):
        try:
            entries = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise DataError(SPREADSHEET_MESSAGE) from None
        if not any(name.startswith(("xl/", "content.xml")) for name in entries):
            raise DataError(_NOT_A_WORKBOOK)
    from python_calamine import CalamineWorkbook  # imported here: CSV-only work never needs it

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # damaged or password-protected files raise the reader's own error types
        if any(word in str(error).lower() for word in ("password", "encrypt")):
            raise DataError(PASSWORD_MESSAGE) from None
        raise DataError(SPREADSHEET_MESSAGE) from None


def _cell_text(cell: object) -> str:
    """A cell as a CSV export writes it: numbers in full precision, dates in ISO form."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time():
            return cell.date().isoformat()
        return cell.isoformat(sep=" ")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    if isinstance(cell, dt.timedelta):
        return str(cell)
    return str(cell)
