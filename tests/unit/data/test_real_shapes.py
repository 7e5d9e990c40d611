"""The file shapes real series arrive in: R ts exports, index columns, spreadsheets, wide tables.

The real-series corpus in tests/data/real/ is checked entry by entry against its manifest (written
from the sources' documentation) in test_real_corpus.py; these tests pin each rule on small files.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from models.data import (
    SPREADSHEET_MESSAGE,
    describe_series,
    load_series,
    reading_sentence,
    sheet_as_csv,
    workbook_sheets,
)
from models.errors import DataError

MONTHLY = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170,
           158, 133, 114, 140]


def r_export(times: list[float], values: list[float], rownames: list[str] | None = None) -> bytes:
    """write.csv(data.frame(time = time(x), value = x)) as R prints it (15 significant digits)."""
    rownames = rownames or [str(position) for position in range(1, len(times) + 1)]
    lines = ['"rownames","time","value"'] + [
        f'"{label}",{format(time, ".15g")},{format(value, ".15g")}'
        for label, time, value in zip(rownames, times, values, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("cycles", "frequency", "season", "labels"),
    [
        (12, "monthly", 12, ["1949-01", "1949-02", "1950-12"]),
        (4, "quarterly", 4, ["1949 Q1", "1949 Q2", "1954 Q4"]),
        (52, "weekly", 52, None),
    ],
)
def test_decimal_years_are_a_time_axis_with_the_season_of_their_step(cycles, frequency, season, labels):
    times = [1949 + position / cycles for position in range(24)]
    series = load_series(r_export(times, MONTHLY))
    assert (series.time_column, series.target) == ("time", "value")
    assert (series.frequency, series.season_length, series.time_kind) == (frequency, season, "decimal years")
    assert series.skipped == {"rownames": "it only counts the rows"}
    if labels:
        assert [series.time_labels[0], series.time_labels[1], series.time_labels[-1]] == labels
    else:
        assert np.all(np.diff(series.times.values).astype("timedelta64[D]").astype(int) == 7)


def test_r_weekly_frequency_of_52_18_weeks_a_year():
    times = [1991.1 + position * 7 / 365.25 for position in range(24)]
    series = load_series(r_export(times, MONTHLY))
    assert (series.frequency, series.season_length) == ("weekly", 52)


def test_year_row_names_and_a_decimal_year_chosen_by_hand():
    years = [float(year) for year in range(1875, 1899)]
    series = load_series(r_export(years, MONTHLY, rownames=[str(int(year)) for year in years]))
    assert (series.time_column, series.target, series.frequency) == ("time", "value", "yearly")
    assert series.skipped == {"rownames": "it repeats the years of the time column"}
    by_hand = load_series(r_export([1960 + q / 4 for q in range(24)], MONTHLY), time_column="time")
    assert (by_hand.frequency, by_hand.time_labels[1]) == ("quarterly", "1960 Q2")


def test_irregular_decimal_times_are_not_read_as_years():
    times = [1949 + position / 12 + (0.01 if position == 5 else 0) for position in range(24)]
    series = load_series(r_export(times, MONTHLY))
    assert series.time_column is None and series.target == "value"


def test_year_and_quarter_in_two_columns_make_one_time_axis():
    rows = [f"{1990 + q // 4},{q % 4 + 1},{value}\n" for q, value in enumerate(MONTHLY)]
    text = "year,quarter,gdp\n" + "".join(rows)
    series = load_series(text.encode())
    assert (series.time_column, series.target, series.frequency, series.season_length) == (
        "year + quarter", "gdp", "quarterly", 4)
    assert series.time_labels[:2] == ["1990 Q1", "1990 Q2"]
    again = load_series(text.encode(), time_column="year + quarter")
    np.testing.assert_array_equal(again.values, series.values)
    months = "Year,Month,sales\n" + "".join(f"{2000 + m // 12},{m % 12 + 1},{v}\n"
                                            for m, v in enumerate(MONTHLY))
    assert load_series(months.encode()).frequency == "monthly"


def test_a_wide_table_of_months_is_one_monthly_series_and_one_column_stays_a_click_away():
    names = "JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC"
    text = f"YEAR,{names}\n" + "".join(
        f"{1950 + row}," + ",".join(str(MONTHLY[row * 12 + month] + row) for month in range(12)) + "\n"
        for row in range(2)
    )
    series = load_series(text.encode())
    assert (series.target, series.time_column, series.frequency, len(series)) == (
        "JAN-DEC", "YEAR", "monthly", 24)
    assert series.time_labels[12] == "1951-01" and series.values[12] == MONTHLY[12] + 1
    assert series.notes[0].startswith("Read the 12 month columns 'JAN' to 'DEC' as one monthly series")
    with pytest.raises(DataError, match="Only 2 points of 'FEB'"):
        load_series(text.encode(), target_column="FEB")


def test_a_constant_first_column_is_skipped_for_the_next_one():
    text = "Month,flag,Passengers\n" + "".join(f"{1949 + m // 12}-{m % 12 + 1:02d},1,{v}\n" for m, v in
                                               enumerate(MONTHLY))
    series = load_series(text.encode())
    assert series.target == "Passengers"
    assert series.skipped == {"flag": "every value is 1"}


def test_half_hourly_readings_repeat_daily():
    text = "when,load\n" + "".join(f"2020-01-01 {h // 2:02d}:{h % 2 * 30:02d},{h * h % 17}\n"
                                    for h in range(48))
    series = load_series(text.encode())
    assert (series.frequency, series.season_length) == ("every 30 minutes", 48)


def test_years_a_fixed_number_apart_and_with_gaps():
    decennial = "year,population\n" + "".join(f"{1790 + 10 * k},{k * k + 3}\n" for k in range(19))
    series = load_series(decennial.encode())
    assert (series.frequency, series.time_labels[:2]) == ("every 10 years", ["1790", "1800"])
    olympic = [1896 + 4 * k for k in range(20) if k not in (5, 11, 12)]
    games = "year,time\n" + "".join(f"{year},{(year * 7) % 13 + 10}\n" for year in olympic)
    irregular = load_series(games.encode())
    assert irregular.frequency is None and irregular.season_length is None
    years = [year for year in range(1960, 2021, 4) if year != 1972]
    recent = "year,value\n" + "".join(f"{year},{year % 7 + 3}\n" for year in years)
    guessed = load_series(recent.encode())  # no leap-year-free century in the span: steps all 1461 days
    assert guessed.frequency is None and guessed.season_length is None


def test_a_target_rising_by_one_step_per_row_is_flagged():
    text = "Month,Total\n" + "".join(f"1949-{m:02d},{100 + 5 * m}\n" for m in range(1, 13))
    series = load_series(text.encode())
    assert series.notes == [
        "Column 'Total' rises by the same step on every row: it looks like a time or index column, not data "
        "to forecast; pick another column to forecast if so."
    ]


def test_na_markers_of_r_sas_and_excel_count_as_missing():
    for marker in ("NA", ".", "#N/A", "", "NaN"):
        text = "Month,Sales\n" + "".join(
            f"1949-{m % 12 + 1:02d},{marker if m == 5 else MONTHLY[m]}\n" for m in range(12))
        series = load_series(text.encode())
        assert series.notes == ["Filled 1 empty value of 'Sales' by linear interpolation."], marker


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_sheet_is_chosen_by_name():
    notes = [["Read me"], ["This workbook holds two series."]]
    data = [["Quarter", "Gas"]] + [[f"{1960 + q // 4} Q{q % 4 + 1}", value]
                                   for q, value in enumerate(MONTHLY)]
    workbook = _xlsx({"data": data, "about": notes})
    assert workbook_sheets(workbook) == ["data", "about"]
    series = load_series(workbook)
    assert (series.sheet, series.frequency, series.target) == ("data", "quarterly", "Gas")
    assert series.notes == ["Read the sheet 'data' of the workbook."]
    assert load_series(workbook, sheet="DATA").sheet == "data"
    with pytest.raises(DataError, match=r"^There is no sheet named 'x': the sheets are 'data', 'about'\.$"):
        load_series(workbook, sheet="x")
    with pytest.raises(DataError, match="No column holds numbers"):
        load_series(workbook, sheet="about")
    two = _xlsx({"about": notes, "data": data})
    from_csv = load_series(sheet_as_csv(two, "data"))
    np.testing.assert_array_equal(from_csv.values, series.values)
    assert from_csv.time_labels == series.time_labels


def test_files_that_are_not_what_they_claim_get_one_sentence():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("series.csv", "Month,Passengers\n")
    with pytest.raises(DataError) as caught:
        load_series(archive.getvalue())
    assert str(caught.value) == (
        "This file is a zip archive, not a spreadsheet or a CSV: unpack it and upload the file inside.")
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as handle:
        handle.writestr("xl/workbook.xml", "<workbook/>")
    for data in (damaged.getvalue(), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), b"PK\x03\x04broken"):
        with pytest.raises(DataError) as caught:
            load_series(data)
        assert str(caught.value) == SPREADSHEET_MESSAGE
    with pytest.raises(DataError, match="^This file is a CSV, not a spreadsheet"):
        load_series(b"Month,Sales\n1949-01,1\n", sheet="Sheet1")
    assert workbook_sheets(b"Month,Sales\n1949-01,1\n") == []


def test_describe_series_holds_the_facts_inspect_prints():
    series = load_series(r_export([1960 + q / 4 for q in range(24)], MONTHLY))
    facts = describe_series(series)
    assert {key: facts[key] for key in ("target", "time_column", "frequency", "season_length", "n_points",
                                        "first_label", "last_label", "sheet")} == {
        "target": "value", "time_column": "time", "frequency": "quarterly", "season_length": 4,
        "n_points": 24, "first_label": "1960 Q1", "last_label": "1965 Q4", "sheet": None}
    assert facts["skipped_columns"] == [{"column": "rownames", "reason": "it only counts the rows"}]
    assert facts["notes"][0] == reading_sentence(series) == (
        "Time: 'time' (quarterly, decimal years); target: 'value'; skipped 'rownames' because it only counts "
        "the rows.")
