"""``load_series``: the steps from a file to a Series, chained (see the package docstring)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from models.data.clean import clean_series, target_values
from models.data.columns import choose_target, read_wide, source_columns, wide_layout
from models.data.isolated import read_isolated
from models.data.numbers import read_all_numbers
from models.data.series import PREVIEW_COLUMNS, PREVIEW_ROWS, Series
from models.data.sheets import UNCALCULATED_MESSAGE, has_uncalculated_formulas
from models.data.source import source_bytes, table_of
from models.data.timeparse import Times, detect_time_column, read_requested_time_column
from models.errors import DataError

NO_TIME_COLUMN = ""  # pass as time_column to ignore any time column and number the points 1..N


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
    sentence for every input that cannot become a usable series (see the module docstring). The file
    is parsed in a bounded child process (models/data/isolated.py).
    """
    data, default_name = source_bytes(source)
    return read_isolated(series_from_bytes, data, time_column, target_column, name or default_name, sheet)


def series_from_bytes(data: bytes, time_column: str | None, target_column: str | None, name: str,
                      sheet: str | None) -> Series:
    """The parse itself, in whatever process calls it (``load_series`` calls it in a child)."""
    try:
        return _series(data, time_column, target_column, name, sheet)
    except DataError:
        if has_uncalculated_formulas(data):  # the cells read as empty: say why instead
            raise DataError(UNCALCULATED_MESSAGE) from None
        raise


def _series(data: bytes, time_column: str | None, target_column: str | None, name: str,
            sheet: str | None) -> Series:
    fingerprint = hashlib.sha256(data).hexdigest()
    table = table_of(data, sheet)
    frame = table.frame
    notes = list(table.notes)
    columns = [str(column) for column in frame.columns]

    numbers = read_all_numbers(frame, table.decimal)
    wide = wide_layout(frame, numbers) if time_column is None and target_column is None else None
    skipped: dict[str, str] = {}
    times: Times | None
    time_name: str | None
    if wide is not None:
        times, time_name, target, target_numbers, cells, line_numbers = read_wide(
            frame, numbers, table.line_numbers, *wide, notes)
        numeric_columns = [column for column in columns if column != time_name and numbers[column].is_numeric]
    else:
        if time_column is None:
            times, time_name = detect_time_column(frame, numbers, notes)
            not_target = source_columns(times, time_name)
        elif time_column == NO_TIME_COLUMN:
            times, time_name = None, None
            found, found_name = detect_time_column(frame, numbers, [])  # still never picked as the target
            not_target = source_columns(found, found_name)
        else:
            times, time_name = read_requested_time_column(frame, numbers, time_column)
            not_target = source_columns(times, time_name)
        if times is not None:
            notes.extend(times.notes)
        time_sources = source_columns(times, time_name)
        numeric_columns = [column for column in columns
                           if column not in time_sources and numbers[column].is_numeric]
        target = choose_target(columns, numeric_columns, numbers, target_column, time_sources, not_target,
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
        name=name,
        time_kind=times.kind if times is not None else None,
        skipped=skipped,
        sheet=table.sheet,
    )
