"""models.data and models.limits: CSV in, validated series out (no TensorFlow here).

The corpus in tests/data/ holds one awkward or hostile file per case; CORPUS below states the outcome
of each (the same table, in words, is tests/data/README.md). Big files are generated in tmp_path.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

from models import limits
from models.data import (
    NO_NUMBERS_MESSAGE,
    NO_TIME_COLUMN,
    Series,
    bundled_samples,
    load_series,
    read_table,
    safe_csv_cell,
    sample_path,
    to_safe_csv,
)
from models.errors import ConfigError, DataError, LimitError
from models.forecast.split import check_enough_points

ROOT = Path(__file__).resolve().parents[3]
CORPUS_DIR = ROOT / "tests" / "data"
EMPTY = "The file is empty: pick a CSV file with a header row and rows of numbers below it."
BINARY = "This file holds binary data, not text: upload a CSV file (plain text, one row per line)."
UTF16 = "Read the file as UTF-16 text."
SEMICOLONS = "Split the columns at semicolons."
DECIMAL_COMMA = "Read numbers with a decimal comma (1,5 means 1.5)."


class Parsed(NamedTuple):
    n: int
    time_column: str | None
    target: str
    frequency: str | None
    season_length: int | None
    first_label: str
    last_label: str
    first_values: list[float]
    notes: list[str]


class Refused(NamedTuple):
    message: str


def monthly(n=24, notes=(), time_column="Month", target="Passengers", first="1949-01", last="1950-12",
            values=(112.0, 118.0, 132.0)) -> Parsed:
    """The most common expectation: monthly airline-like data."""
    return Parsed(n, time_column, target, "monthly", 12, first, last, list(values), list(notes))


CORPUS: dict[str, Parsed | Refused] = {
    "all-missing.csv": Refused(NO_NUMBERS_MESSAGE),
    "ambiguous-slash-dates.csv": monthly(
        time_column="Date", target="Value", first="2019-01", last="2020-12",
        notes=["Read the dates as day/month/year."],
    ),
    "blank-lines.csv": Refused(EMPTY),
    "booleans-only.csv": Refused(NO_NUMBERS_MESSAGE),
    "business-days.csv": Parsed(30, "Date", "Close", "daily (weekdays)", 5, "2020-01-01", "2020-02-11",
                                [112.25, 118.25, 132.25], []),
    "compressed.csv": Refused("This file is compressed: unpack it and upload the CSV file inside."),
    "constant.csv": Refused(
        "Every value of 'Passengers' is 5: a constant series has nothing to learn, so pick another column."
    ),
    "currency-percent.csv": monthly(target="Revenue", values=(112.5, 118.5, 132.5)),
    "day-first-dates.csv": Parsed(30, "Date", "Value", "daily", 7, "2020-01-01", "2020-01-30",
                                  [118.0, 132.0, 129.0], ["Split the columns at semicolons."]),
    "document-pdf.csv": Refused(
        "This looks like a PDF document, not a CSV: export the table as CSV and upload again."
    ),
    "duplicate-names.csv": monthly(target="Sales"),
    "duplicated-dates.csv": monthly(
        values=(112.0, 118.0, 131.0), notes=["Averaged the rows of 2 months that appear more than once."]
    ),
    "empty.csv": Refused(EMPTY),
    "formula-cells.csv": monthly(),
    "gaps.csv": monthly(36, last="1951-12", notes=["Filled 3 missing months by linear interpolation."]),
    "header-only.csv": Refused(
        "The file has a header row but no data rows: add rows of data below the header."
    ),
    "huge-values.csv": Refused(
        "'Passengers' holds numbers larger than 10^15: rescale the column (for example to millions)."
    ),
    "index-column.csv": monthly(notes=["Skipped column 'column 1' because it only counts the rows."]),
    "infinities.csv": Refused(
        "'Passengers' holds 2 infinite values (lines 5 and 12): replace them with numbers or leave the "
        "cells empty."
    ),
    "irregular-times.csv": Parsed(30, "Time", "Reading", None, None, "2020-01-01 07:13", "2020-01-06 12:35",
                                  [112.0, 118.0, 132.0], []),
    "latin1-names.csv": Parsed(
        24, "Année", "Côté", "yearly", None, "1950", "1973", [112.0, 118.0, 132.0],
        ["Read the text as Latin-1 (Windows) because it is not UTF-8.", "Split the columns at semicolons."],
    ),
    "long-format.csv": Refused(
        "24 of 48 rows repeat a month already seen: the file seems to hold several series, so keep one "
        "series per file (or pick another time column)."
    ),
    "markup-in-names.csv": monthly(time_column="<b>Month</b>", target="<script>alert(1)</script>"),
    "missing-at-ends.csv": monthly(
        23, first="1949-03", last="1951-01", values=(132.0, 129.0, 121.0),
        notes=["Dropped 3 points at the start or end without a value of 'Passengers'."],
    ),
    "missing-markers.csv": monthly(notes=["Filled 3 empty values of 'Passengers' by linear interpolation."]),
    "month-day-year-words.csv": monthly(time_column="DATE", target="elec", first="1995-01", last="1996-12"),
    "month-word-year.csv": monthly(time_column="Period", target="Value", first="1991-07", last="1993-06"),
    "newest-first.csv": monthly(notes=["Sorted 24 rows by time."]),
    "no-header.csv": monthly(
        time_column="column 1", target="column 2",
        notes=['The first row holds data, not names: called the columns "column 1", "column 2", ....'],
    ),
    "no-time-column.csv": Parsed(30, None, "value", None, None, "1", "30", [112.0, 118.0, 132.0], []),
    "nul-bytes.csv": Refused(BINARY),
    "old-excel-xls.csv": monthly(),
    "old-mac-line-endings.csv": monthly(),
    "one-row.csv": Refused(
        "Only 1 point of 'Passengers': a series needs at least 12 to train and test a forecaster."
    ),
    "pipe-delimited.csv": monthly(notes=["Split the columns at pipes (|)."]),
    "quarters-compact.csv": Parsed(20, "Quarter", "GDP", "quarterly", 4, "1970 Q1", "1974 Q4",
                                   [112.0, 118.0, 132.0], []),
    "quarters-spaced.csv": Parsed(20, "Quarter", "GDP", "quarterly", 4, "1970 Q1", "1974 Q4",
                                  [112.0, 118.0, 132.0], []),
    "ragged-rows.csv": monthly(
        values=(112.0, 118.0, 123.5),
        notes=[
            "Skipped 1 row with more fields than the header (line 4).",
            "Filled 1 missing month by linear interpolation.",
            "Filled 1 empty value of 'Passengers' by linear interpolation.",
        ],
    ),
    "random-bytes.csv": Refused(BINARY),
    "seed-original-footer.csv": monthly(
        36, last="1951-12",
        target="International airline passengers: monthly totals in thousands. Jan 49 ? Dec 60",
        notes=["Dropped 1 row whose time is empty or could not be read (line 39)."],
    ),
    "semicolon-decimal-comma.csv": Parsed(
        30, "Datum", "Wert", "daily", 7, "2020-01-01", "2020-01-30", [2.5, 5.0, 7.5],
        ["Split the columns at semicolons.", "Read numbers with a decimal comma (1,5 means 1.5)."],
    ),
    "short-for-look-back.csv": monthly(20, last="1950-08"),
    "spreadsheet-xlsx.csv": monthly(),
    "tab-delimited.csv": monthly(notes=["Split the columns at tabs."]),
    "text-in-target.csv": monthly(
        notes=[
            "Treated 2 cells of 'Passengers' that are not a number as empty "
            "(lines 6 and 10: 'twelve', '12O').",
            "Filled 2 empty values of 'Passengers' by linear interpolation.",
        ]
    ),
    "thousands-comma.csv": monthly(
        target="Sales", values=(2456.0, 2534.0, 2716.0),
        notes=["Removed thousands separators from the numbers in 'Sales'."],
    ),
    "thousands-european.csv": monthly(
        time_column="Monat", target="Umsatz", values=(2456.0, 2534.1, 2716.2),
        notes=[
            "Split the columns at semicolons.",
            "Read numbers with a decimal comma (1,5 means 1.5).",
            "Removed thousands separators from the numbers in 'Umsatz'.",
        ],
    ),
    "thousands-space.csv": monthly(
        target="Sales", values=(2456.0, 2534.0, 2716.0),
        notes=[SEMICOLONS, "Removed thousands separators from the numbers in 'Sales'."],
    ),
    "time-zones.csv": Parsed(
        49, "Time", "Load", "hourly", 24, "2021-03-27 01:00", "2021-03-29 01:00", [50.0, 57.0, 64.0],
        [
            "Ignored the time zone (+01:00, +02:00) and kept the local clock times.",
            "Filled 1 missing hour by linear interpolation.",
        ],
    ),
    "too-many-gaps.csv": Refused(
        "16 of 48 months from 1949-01 to 1952-12 have no value of 'Passengers' (33%): at most 20% can be "
        "filled in, so pick a more complete column or file."
    ),
    "too-short.csv": Refused(
        "Only 8 points of 'Passengers': a series needs at least 12 to train and test a forecaster."
    ),
    "two-value-columns.csv": monthly(),
    "unsorted-dates.csv": monthly(notes=["Sorted 24 rows by time."]),
    "utf16-be-bom.csv": monthly(notes=[UTF16]),
    "utf16-le-bom.csv": monthly(notes=[UTF16]),
    "utf8-bom.csv": monthly(),
    "web-page.csv": Refused(
        "This looks like a web page (HTML), not a CSV: download the raw CSV file and upload that."
    ),
    "weekly.csv": Parsed(30, "Week", "Visits", "weekly", 52, "2020-01-05", "2020-07-26",
                         [112.0, 118.0, 132.0], []),
    "windows-line-endings.csv": monthly(),
    "year-month-words.csv": monthly(time_column="Period", target="Value", first="1991-07", last="1993-06"),
    "yyyymmdd.csv": Parsed(30, "date", "value", "daily", 7, "1995-01-01", "1995-01-30",
                           [118.0, 132.0, 129.0], []),
}


def check_series_invariants(series: Series) -> None:
    """What every loaded series promises, whatever the file."""
    assert series.values.dtype == np.float64
    assert np.isfinite(series.values).all()
    assert np.ptp(series.values) > 0
    assert len(series.time_labels) == len(series.values)
    assert all(isinstance(label, str) for label in series.time_labels)
    if series.times is not None:
        assert isinstance(series.times, pd.DatetimeIndex)
        assert len(series.times) == len(series.values)
        assert series.times.is_monotonic_increasing and series.times.is_unique
    assert series.target in series.numeric_columns
    assert series.time_column not in series.numeric_columns
    assert all(isinstance(column, str) for column in series.columns)
    assert len(series.preview) <= 20
    assert all(isinstance(note, str) and note.endswith(".") for note in series.notes)


# ── the corpus ──────────────────────────────────────────────────────────────────────────────


def test_corpus_table_covers_every_file_and_the_readme_lists_them():
    files = sorted(path.name for path in CORPUS_DIR.iterdir() if path.is_file() and path.name != "README.md")
    assert files == sorted(CORPUS)
    assert len(files) >= 30
    readme = (CORPUS_DIR / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)`", readme, flags=re.MULTILINE))
    assert listed == set(files)


@pytest.mark.parametrize("file_name", sorted(CORPUS))
def test_corpus_file_outcome(file_name):
    expected = CORPUS[file_name]
    path = CORPUS_DIR / file_name
    if isinstance(expected, Refused):
        with pytest.raises(DataError) as caught:
            load_series(path)
        assert str(caught.value) == expected.message
        return
    series = load_series(path)
    check_series_invariants(series)
    assert len(series) == expected.n
    assert series.time_column == expected.time_column
    assert series.target == expected.target
    assert series.frequency == expected.frequency
    assert series.season_length == expected.season_length
    assert series.time_labels[0] == expected.first_label
    assert series.time_labels[-1] == expected.last_label
    np.testing.assert_allclose(series.values[:3], expected.first_values)
    assert series.notes == expected.notes
    assert series.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()
    assert series.name == path.stem


def test_same_file_from_bytes_path_and_file_object_gives_the_same_series():
    path = CORPUS_DIR / "semicolon-decimal-comma.csv"
    from_path = load_series(path)
    from_bytes = load_series(path.read_bytes())
    upload = io.BytesIO(path.read_bytes())
    upload.name = "upload.csv"
    from_file = load_series(upload)
    for other in (from_bytes, from_file):
        np.testing.assert_array_equal(other.values, from_path.values)
        assert other.time_labels == from_path.time_labels
        assert other.fingerprint == from_path.fingerprint
    assert (from_bytes.name, from_file.name) == ("uploaded data", "upload")


def test_gaps_are_filled_by_linear_interpolation_between_neighbours():
    series = load_series(CORPUS_DIR / "gaps.csv")
    by_label = dict(zip(series.time_labels, series.values, strict=True))
    assert by_label["1949-06"] == pytest.approx((121 + 148) / 2)  # May and July around a missing June
    # June and July 1950 both missing: a straight line from May (125) to August (170)
    assert by_label["1950-06"] == pytest.approx(125 + (170 - 125) / 3)
    assert by_label["1950-07"] == pytest.approx(125 + 2 * (170 - 125) / 3)


def test_duplicates_are_averaged_and_unsorted_rows_sorted():
    series = load_series(CORPUS_DIR / "duplicated-dates.csv")
    by_label = dict(zip(series.time_labels, series.values, strict=True))
    assert by_label["1949-03"] == pytest.approx((132 + 130) / 2)
    assert by_label["1949-09"] == pytest.approx((136 + 140) / 2)
    shuffled = load_series(CORPUS_DIR / "unsorted-dates.csv")
    reference = load_series(CORPUS_DIR / "utf8-bom.csv")
    np.testing.assert_array_equal(shuffled.values, reference.values)


def test_short_series_loads_but_cannot_be_split_for_a_long_look_back():
    series = load_series(CORPUS_DIR / "short-for-look-back.csv")
    with pytest.raises(DataError) as caught:
        check_enough_points(len(series), look_back=12, test_fraction=0.33)
    assert str(caught.value) == (
        "Only 20 points: with a look-back of 12 and a 33% test part the network would have 1 training "
        "window; use a shorter look-back or more data."
    )
    assert check_enough_points(len(series), look_back=1, test_fraction=0.33).train_windows == 12


def test_markup_and_formula_cells_stay_plain_data_and_are_neutralised_on_export():
    marked = load_series(CORPUS_DIR / "markup-in-names.csv")
    assert marked.columns == ["<b>Month</b>", "<script>alert(1)</script>", "=1+1"]
    formulas = load_series(CORPUS_DIR / "formula-cells.csv")
    comments = formulas.preview["Comment"].tolist()
    assert comments[:5] == ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "plain"]
    exported = pd.read_csv(io.BytesIO(to_safe_csv(formulas.preview)), dtype=str, keep_default_na=False)
    assert exported["Comment"].tolist()[:5] == [
        "'=HYPERLINK(\"http://x\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1:A2)", "plain"
    ]
    names = pd.read_csv(io.BytesIO(to_safe_csv(marked.preview))).columns.tolist()
    assert names == ["<b>Month</b>", "<script>alert(1)</script>", "'=1+1"]


def test_preview_is_all_strings_and_read_table_keeps_every_cell_as_text():
    series = load_series(CORPUS_DIR / "text-in-target.csv")
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in series.preview.dtypes)
    assert series.preview["Passengers"].tolist()[3:5] == ["129", "twelve"]
    table = read_table(CORPUS_DIR / "ragged-rows.csv")
    assert table.columns.tolist() == ["Month", "Passengers"]
    assert table.shape == (23, 2)
    assert table.iloc[5].tolist() == ["1949-07", ""]  # a short row padded (the long 1949-03 row is gone)


# ── choices and overrides ──────────────────────────────────────────────────────────────────


def test_target_and_time_overrides():
    path = CORPUS_DIR / "two-value-columns.csv"
    series = load_series(path, target_column="Revenue")
    assert series.target == "Revenue"
    assert series.values[0] == 112 * 3
    assert series.numeric_columns == ["Passengers", "Revenue"]
    assert load_series(path, target_column=" revenue ").target == "Revenue"  # case and spaces forgiven
    assert load_series(path, time_column="Month").time_column == "Month"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_column": "Sales"},
         "There is no column named 'Sales': the columns are 'Month', 'Passengers', 'Revenue'."),
        ({"time_column": "Date"},
         "There is no column named 'Date': the columns are 'Month', 'Passengers', 'Revenue'."),
        ({"target_column": "Month"}, "'Month' is the time column: pick a column of values as the target."),
        ({"time_column": "Passengers"},
         "Column 'Passengers' does not hold dates or times that can be read (for example '112'): pick "
         "another time column or none."),
    ],
)
def test_bad_overrides_name_the_problem(kwargs, message):
    with pytest.raises(DataError) as caught:
        load_series(CORPUS_DIR / "two-value-columns.csv", **kwargs)
    assert str(caught.value) == message


def test_a_text_column_as_target_lists_the_numeric_columns():
    with pytest.raises(DataError) as caught:
        load_series(CORPUS_DIR / "formula-cells.csv", target_column="Comment")
    assert str(caught.value) == "Column 'Comment' does not hold numbers: pick one of 'Passengers'."


def test_no_time_column_numbers_the_points_and_never_picks_the_years_as_values():
    series = load_series(sample_path("sunspots"), time_column=NO_TIME_COLUMN)
    assert series.time_column is None and series.times is None and series.frequency is None
    assert series.target == "Sunspots"
    assert series.time_labels[:3] == ["1", "2", "3"]
    assert load_series(sample_path("sunspots"), time_column="", target_column="Year").values[0] == 1700


def test_unreadable_time_column_falls_back_to_positions_with_a_note():
    text = "Date,Value\n" + "".join(
        f"{f'2020-01-{day:02d}' if day % 2 else f'{day:02d}/01/2020'},{day * day}\n" for day in range(1, 29)
    )
    series = load_series(text.encode())
    assert series.time_column is None
    assert series.notes == [
        "Column 'Date' looks like a time column but its cells could not be read as dates, so the points "
        "are numbered 1, 2, 3, ... instead."
    ]


@pytest.mark.parametrize(
    ("text", "values", "notes"),
    [
        # title lines above the table
        ("Airline data\n# source: Box & Jenkins\nMonth,Passengers\n"
         + "".join(f"1949-{m:02d},{100 + m * m}\n" for m in range(1, 13)),
         [101.0, 104.0, 109.0], ["Skipped 2 lines above the table (lines 1 and 2)."]),
        # minus sign (U+2212) with decimal commas
        ("Month;Temp\n" + "".join(f"1949-{m:02d};\u2212{m * m},5\n" for m in range(1, 13)),
         [-1.5, -4.5, -9.5], [SEMICOLONS, DECIMAL_COMMA]),
        # "1,101" in a semicolon file is the European 1.101
        ("Monat;Wert\n" + "".join(f"1949-{m:02d};1,{100 + m * m}\n" for m in range(1, 13)),
         [1.101, 1.104, 1.109], [SEMICOLONS, DECIMAL_COMMA]),
        # ... and a quoted "1,101" in a comma file is one thousand one hundred and one
        ("Month,Value\n" + "".join(f'1949-{m:02d},"1,{100 + m * m}"\n' for m in range(1, 13)),
         [1101.0, 1104.0, 1109.0], ["Removed thousands separators from the numbers in 'Value'."]),
    ],
)
def test_number_conventions(text, values, notes):
    series = load_series(text.encode())
    np.testing.assert_allclose(series.values[:3], values)
    assert series.notes == notes


@pytest.mark.parametrize(
    ("cells", "frequency", "season", "labels"),
    [
        ([f"2020-01-01 {h // 4:02d}:{h % 4 * 15:02d}" for h in range(40)], "every 15 minutes", None,
         ["2020-01-01 00:00", "2020-01-01 00:15"]),
        ([f"2020-01-{d:02d}T00:00:00Z" for d in range(1, 29)], "daily", 7, ["2020-01-01", "2020-01-02"]),
        ([f"{year}" for year in range(1990, 2010)], "yearly", None, ["1990", "1991"]),
        ([f"Q{q % 4 + 1} {2000 + q // 4}" for q in range(16)], "quarterly", 4, ["2000 Q1", "2000 Q2"]),
        ([f"{m % 12 + 1:02d}/{2000 + m // 12}" for m in range(24)], "monthly", 12, ["2000-01", "2000-02"]),
        ([f"{d}.01.2020" for d in range(1, 29)], "daily", 7, ["2020-01-01", "2020-01-02"]),
    ],
)
def test_time_formats(cells, frequency, season, labels):
    text = "Time,Value\n" + "".join(f"{cell},{index % 7 + index}\n" for index, cell in enumerate(cells))
    series = load_series(text.encode())
    assert (series.frequency, series.season_length) == (frequency, season)
    assert series.time_labels[:2] == labels


def test_a_mistyped_year_is_refused_without_building_a_huge_grid():
    text = "Time,Load\n" + "".join(f"2020-01-{d:02d} 00:00,{d % 7}\n" for d in range(1, 29))
    text += "2200-01-01 00:00,3\n"
    with pytest.raises(DataError) as caught:
        load_series(text.encode())
    assert str(caught.value) == (
        "65,716 of 65,745 days from 2020-01-01 to 2200-01-01 have no value of 'Load' (100%): at most 20% "
        "can be filled in, so pick a more complete column or file."
    )


def test_steady_years_are_time_only_when_another_column_holds_the_values():
    alone = load_series(("value\n" + "".join(f"{year}\n" for year in range(1990, 2010))).encode())
    assert (alone.time_column, alone.target) == (None, "value")
    paired = load_series(("when,value\n" + "".join(f"{y},{y % 7}\n" for y in range(1990, 2010))).encode())
    assert (paired.time_column, paired.target, paired.frequency) == ("when", "value", "yearly")


def test_csv_text_instead_of_a_path_is_refused_plainly():
    with pytest.raises(DataError) as caught:
        load_series("Month,Passengers\n1949-01,112\n")
    assert str(caught.value) == "Give the path of a CSV file or its bytes, not its text."


def test_utf16_without_byte_order_mark():
    text = "Month,Passengers\n" + "".join(f"1949-{m:02d},{100 + m * m}\n" for m in range(1, 13))
    for codec in ("utf-16-le", "utf-16-be"):
        series = load_series(text.encode(codec))
        assert len(series) == 12 and series.notes == [UTF16]


# ── size limits and speed (generated files) ────────────────────────────────────────────────


def test_file_over_the_upload_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:  # a sparse 21 MB file: nothing to read, nothing to parse
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(DataError) as caught:
        load_series(path)
    assert str(caught.value) == (
        "The file is 21.0 MB, above the limit of 20 MB: upload a smaller extract (fewer rows or columns)."
    )


def test_upload_limit_applies_to_bytes_and_follows_the_environment(monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_UPLOAD_MB", "1")
    data = b"Month,Passengers\n" + b"1949-01,112\n" * 100_000  # 1,200,017 bytes = 1.14 MiB
    with pytest.raises(DataError) as caught:
        load_series(data)
    assert str(caught.value) == (
        "The file is 1.1 MB, above the limit of 1 MB: upload a smaller extract (fewer rows or columns)."
    )


def hourly_csv(rows: int) -> bytes:
    times = pd.date_range("2000-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M")
    values = np.round(np.random.default_rng(0).normal(size=rows).cumsum(), 3)
    return ("Time,Load\n" + "".join(f"{t},{v}\n" for t, v in zip(times, values, strict=True))).encode()


def test_huge_but_valid_file_loads_quickly():
    data = hourly_csv(limits.DEFAULT_MAX_ROWS)
    started = time.perf_counter()
    series = load_series(data)
    seconds = time.perf_counter() - started
    assert len(series) == 100_000 and series.frequency == "hourly" and series.notes == []
    assert seconds < 5.0, f"100,000 rows took {seconds:.1f} s"  # about 0.7 s here; the machine is shared


def test_more_rows_than_the_limit_is_refused(monkeypatch):
    with pytest.raises(DataError) as caught:
        load_series(hourly_csv(limits.DEFAULT_MAX_ROWS + 1))
    assert str(caught.value) == (
        "The file has more than 100,000 rows of data, this server's limit: use a shorter extract or "
        "aggregate it (for example daily instead of hourly)."
    )
    monkeypatch.setenv("LSTMLAB_MAX_ROWS", "144")
    assert len(load_series(sample_path("airline"))) == 144  # exactly at the limit is fine
    monkeypatch.setenv("LSTMLAB_MAX_ROWS", "143")
    with pytest.raises(DataError, match="more than 143 rows"):
        load_series(sample_path("airline"))


def test_thousands_of_columns(tmp_path):
    columns = 2000
    text = "Month," + ",".join(f"c{j}" for j in range(1, columns)) + "\n" + "".join(
        f"{1949 + i // 12}-{i % 12 + 1:02d}," + ",".join(str((i * j) % 10) for j in range(1, columns)) + "\n"
        for i in range(15)
    )
    started = time.perf_counter()
    series = load_series(text.encode())
    assert time.perf_counter() - started < 5.0
    assert series.target == "c1" and len(series.numeric_columns) == columns - 1
    assert series.preview.shape == (15, 50)
    words = ",".join(f"name{j}" for j in range(columns)) + "\n"
    words += "".join(",".join(f"w{i}x{j}" for j in range(columns)) + "\n" for i in range(15))
    with pytest.raises(DataError) as caught:
        load_series(words.encode())
    assert str(caught.value) == NO_NUMBERS_MESSAGE


# ── bundled samples ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("name", "length", "frequency", "season", "first", "last"),
    [
        ("airline-passengers", 144, "monthly", 12, "1949-01", "1960-12"),
        ("sunspots-yearly", 309, "yearly", None, "1700", "2008"),
        ("nile-flow", 100, "yearly", None, "1871", "1970"),
        ("electrical-equipment", 257, "monthly", 12, "1995-01", "2016-05"),
    ],
)
def test_bundled_samples_load(name, length, frequency, season, first, last):
    sample = bundled_samples()[name]
    assert sample.name == name and sample.path.is_file() and sample.description
    series = load_series(sample.path)
    check_series_invariants(series)
    assert (len(series), series.frequency, series.season_length) == (length, frequency, season)
    assert (series.time_labels[0], series.time_labels[-1]) == (first, last)
    assert series.notes == []


def test_airline_values_are_the_classic_ones():
    series = load_series(sample_path("airline"))
    np.testing.assert_array_equal(series.values[:4], [112, 118, 132, 129])
    assert series.values[-1] == 432
    assert series.target == "Passengers" and series.time_column == "Month"


def test_every_bundled_csv_is_a_listed_sample_and_names_resolve():
    listed = {sample.path.name for sample in bundled_samples().values()}
    assert listed == {path.name for path in (ROOT / "data").glob("*.csv")}
    assert sample_path("nile") == ROOT / "data" / "nile-flow.csv"
    assert sample_path("airline-passengers.csv") == ROOT / "data" / "airline-passengers.csv"
    with pytest.raises(DataError) as caught:
        sample_path("airplane")
    assert str(caught.value) == (
        "There is no bundled sample named 'airplane': the samples are airline-passengers, sunspots-yearly, "
        "nile-flow, electrical-equipment."
    )


def test_a_missing_path_is_a_data_error():
    with pytest.raises(DataError) as caught:
        load_series("/nonexistent/sales.csv")
    assert str(caught.value) == "No file was found at '/nonexistent/sales.csv': check the path."


# ── safe export ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
        ("\rx", "'\rx"), ("plain", "plain"), ("", ""), ("a=b", "a=b"),
    ],
)
def test_safe_csv_cell(cell, safe):
    assert safe_csv_cell(cell) == safe


def test_to_safe_csv_leaves_numbers_alone():
    frame = pd.DataFrame({"time": ["1949-01", "=cmd"], "value": [-1.5, 2.0]})
    assert to_safe_csv(frame) == b"time,value\n1949-01,-1.5\n'=cmd,2.0\n"


# ── limits ──────────────────────────────────────────────────────────────────────────────────


def test_limit_defaults_match_streamlit_config(monkeypatch):
    for name in ("UPLOAD_MB", "ROWS", "WORK", "QUEUED_PER_OWNER"):
        monkeypatch.delenv(f"LSTMLAB_MAX_{name}", raising=False)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert limits.max_upload_mb() == config["server"]["maxUploadSize"] == 20
    assert limits.max_upload_bytes() == 20 * 1024 * 1024
    assert (limits.max_rows(), limits.max_work(), limits.max_queued_per_owner()) == (100_000, 10_000_000, 3)


def test_limits_follow_the_environment(monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_WORK", "1_000")
    monkeypatch.setenv("LSTMLAB_MAX_QUEUED_PER_OWNER", " 5 ")
    assert (limits.max_work(), limits.max_queued_per_owner()) == (1000, 5)
    limits.check_work(epochs=10, training_windows=100)
    with pytest.raises(LimitError) as caught:
        limits.check_work(epochs=11, training_windows=100)
    assert str(caught.value) == (
        "11 epochs x 100 training windows is 1,100 steps of work, above this server's limit of 1,000: use "
        "fewer epochs or a shorter series."
    )


@pytest.mark.parametrize(("raw", "message"), [
    ("abc", "LSTMLAB_MAX_ROWS must be a whole number, got 'abc'."),
    ("0", "LSTMLAB_MAX_ROWS must be at least 1, got 0."),
])
def test_bad_limit_settings_are_config_errors(monkeypatch, raw, message):
    monkeypatch.setenv("LSTMLAB_MAX_ROWS", raw)
    with pytest.raises(ConfigError) as caught:
        limits.max_rows()
    assert str(caught.value) == message


def test_data_and_limits_import_neither_keras_nor_streamlit():
    code = (
        "import sys, models.data, models.limits; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'streamlit')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("file_name", sorted(CORPUS))
def test_corpus_file_through_the_cli(file_name, capsys):
    """The command line gives the same outcome: a refused file is one ``error:`` line and exit 2; a
    parsed one trains (tiny) and reports finite metrics on the same number of points."""
    from models.cli import main

    expected = CORPUS[file_name]
    code = main(["forecast", "--csv", str(CORPUS_DIR / file_name), "--json", "--epochs", "1", "--units", "2",
                 "--look-back", "1", "--forecast-steps", "1", "--ensemble", "1"])
    captured = capsys.readouterr()
    if isinstance(expected, Refused):
        assert (code, captured.out, captured.err) == (2, "", f"error: {expected.message}\n")
        return
    assert code == 0 and captured.err == "", captured.err
    document = json.loads(captured.out)
    assert document["n_points"] == expected.n
    for model, scores in document["metrics"].items():
        assert all(value is None or math.isfinite(value) for value in scores.values()), model
    assert math.isfinite(document["metrics"]["lstm"]["test_rmse"])
