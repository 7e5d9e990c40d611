"""CSV in, validated univariate series out: the public face of the data modules.

One job: ``load_series`` (load.py) turns a file (path, bytes, upload or bundled sample's name) into
a ``Series`` (series.py) by chaining the steps below. Every public name other modules use is
importable from here (see ``__all__``), wherever it is implemented:

    bytes ─ source.py: size limit ─ csvread.py: signature checks, decode (BOM, UTF-8, Latin-1),
          delimiter, rows, header, table of strings, numbers (decimal comma, thousands)
          (sheets.py for workbooks) ─ timeparse.py: time column, frequency ─ columns.py: target
          column, wide tables ─ clean.py: sort, merge duplicates, fill gaps, checks (finite, not
          constant, long enough) ─ Series

Beside them: samples.py (the bundled series) and safe_csv.py (formula-safe CSV export).

May import: NumPy, pandas, the spreadsheet readers, ``models.errors``, ``models.limits``. Never a
network library, Streamlit, Dask or another ``models`` subpackage: every other room reads data
through this one, so it sits at the bottom.

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

from models.data.clean import MAX_ABS_VALUE, MAX_DUPLICATE_FRACTION, MAX_MISSING_FRACTION, MIN_POINTS
from models.data.csvread import NO_NUMBERS_MESSAGE, SPREADSHEET_MESSAGE
from models.data.grid import MIN_STEP_SHARE
from models.data.load import NO_TIME_COLUMN, load_series
from models.data.safe_csv import safe_csv_cell, to_safe_csv
from models.data.samples import DATA_DIR, Sample, bundled_samples, sample_path
from models.data.series import PREVIEW_COLUMNS, PREVIEW_ROWS, Series, describe_series, reading_sentence
from models.data.source import read_table, sheet_as_csv, workbook_sheets
from models.data.timeparse import MAX_BAD_TIME_FRACTION

__all__ = [
    "DATA_DIR", "MAX_ABS_VALUE", "MAX_BAD_TIME_FRACTION", "MAX_DUPLICATE_FRACTION", "MAX_MISSING_FRACTION",
    "MIN_POINTS", "MIN_STEP_SHARE", "NO_NUMBERS_MESSAGE", "NO_TIME_COLUMN", "PREVIEW_COLUMNS",
    "PREVIEW_ROWS", "SPREADSHEET_MESSAGE", "Sample", "Series", "bundled_samples", "describe_series",
    "load_series", "read_table", "reading_sentence", "safe_csv_cell", "sample_path", "sheet_as_csv",
    "to_safe_csv", "workbook_sheets",
]
