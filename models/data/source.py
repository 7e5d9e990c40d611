"""A file, its bytes or a sample's name -> a table of strings, with the upload size limit checked first.

Every public reader here parses in a bounded child process (models/data/isolated.py), which checks
what the file declares first (models/data/bounds.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models import limits
from models.data.csvread import Table, is_workbook, parse_table
from models.data.isolated import read_isolated
from models.data.samples import sample_path
from models.data.sheets import read_workbook, sheet_names
from models.errors import DataError


def source_bytes(source: Any) -> tuple[bytes, str]:
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
    data, _ = source_bytes(source)
    return read_isolated(_frame_of, data, sheet)


def workbook_sheets(source: str | Path | bytes) -> list[str]:
    """The sheet names of a spreadsheet, in order; [] for a CSV file."""
    data, _ = source_bytes(source)
    return read_isolated(sheet_names, data) if is_workbook(data) else []


def sheet_as_csv(source: str | Path | bytes, sheet: str) -> bytes:
    """One sheet of a workbook as UTF-8 CSV bytes (header and cells as read), so a run that is given
    the bytes reads that sheet rather than the first."""
    data, _ = source_bytes(source)
    return read_isolated(_sheet_csv, data, sheet)


def _frame_of(data: bytes, sheet: str | None) -> pd.DataFrame:
    return table_of(data, sheet).frame


def _sheet_csv(data: bytes, sheet: str) -> bytes:
    table = table_of(data, sheet)
    frame = table.frame.copy()
    # Blank header cells stay blank, so the CSV's row-index columns are recognised as such again.
    frame.columns = ["" if column in table.unnamed else column for column in frame.columns]
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def table_of(data: bytes, sheet: str | None) -> Table:
    """A workbook's sheet or a CSV file as a Table, recognised by the bytes, not the name."""
    if is_workbook(data):
        return read_workbook(data, sheet)
    if sheet is not None:
        raise DataError("This file is a CSV, not a spreadsheet: it has no sheets to choose from.")
    return parse_table(data)
