"""The Forecast page reads the real-series corpus (tests/data/real/) as its manifest says, in words.

Uploads each file as a user would (choosing the sheet of a workbook when the manifest names one),
checks the one line above the chart ("Time: `time` (quarterly, decimal years) · Target: `value`")
and the table of detected facts. Nothing is trained.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "app" / "streamlit_app.py")
REAL = ROOT / "tests" / "data" / "real"
MANIFEST = list(csv.DictReader((REAL / "manifest.csv").open(encoding="utf-8")))


def open_with(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["owner_token"] = f"corpus-test-{uuid.uuid4().hex}"
    at.switch_page("app_pages/forecast.py")
    at.run()
    at.segmented_control(key="forecast-data-source").set_value("upload").run()
    at.file_uploader(key="forecast-data-upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def reading_lines(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown if element.value.startswith("Time: ")]


def facts(at: AppTest) -> dict[str, str]:
    for frame in at.dataframe:
        if list(frame.value.columns) == ["What", "Detected"]:
            return dict(frame.value.values.tolist())
    raise AssertionError("no table of detected facts")


def test_an_r_quarterly_export_is_read_as_quarters_before_training(engine):
    at = open_with("UKgas.csv", (REAL / "r-ukgas.csv").read_bytes())
    assert reading_lines(at) == [
        "Time: `time` (quarterly, decimal years) · Target: `value` · Skipped: `rownames` (it only counts the "
        "rows)"
    ]
    shown = facts(at)
    assert (shown["Frequency"], shown["Season length"]) == ("quarterly", "4 steps")
    assert shown["Points"] == "108 (1960 Q1 to 1986 Q4)"
    # The chart's x axis holds the quarters themselves, not positions.
    assert any('"1960 Q1"' in element.proto.spec for element in at.get("plotly_chart"))


def test_a_workbook_with_two_sheets_offers_a_sheet_chooser(engine):
    at = open_with("two-sheets.xlsx", (REAL / "xlsx-two-sheets.xlsx").read_bytes())
    chooser = at.selectbox(key="forecast-data-sheet")
    assert chooser.options == ["UKgas", "Nile"]
    assert reading_lines(at)[0].endswith("Sheet: `UKgas`")
    chooser.set_value("Nile").run()
    assert not at.exception, at.exception
    assert reading_lines(at) == ["Time: `time` (yearly, year numbers) · Target: `value` · Sheet: `Nile`"]
    assert facts(at)["Points"] == "100 (1871 to 1970)"


def test_a_damaged_workbook_gives_one_sentence(engine):
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as handle:
        handle.writestr("xl/workbook.xml", "<workbook/>")
    at = open_with("broken.xlsx", damaged.getvalue())
    assert [error.value for error in at.error] == [
        "This looks like a spreadsheet (Excel) but it cannot be read: save it again as .xlsx or as CSV and "
        "upload that."
    ]


@pytest.mark.parametrize("entry", MANIFEST, ids=[f"{e['file']}:{e['sheet']}" for e in MANIFEST])
def test_every_real_file_on_the_page(engine, entry):
    at = open_with(entry["file"], (REAL / entry["file"]).read_bytes())
    if entry["sheet"]:
        at.selectbox(key="forecast-data-sheet").set_value(entry["sheet"]).run()
        assert not at.exception, at.exception
    shown = facts(at)
    no_time = "none (points numbered 1, 2, 3, ...)"
    assert shown["Time column"] == (entry["time_column"] if entry["time_column"] != "none" else no_time)
    assert shown["Column to forecast"] == entry["target"]
    frequency = entry["frequency"]
    assert shown["Frequency"] == (frequency if frequency != "none" else "irregular or unknown")
    season = entry["season_length"]
    assert shown["Season length"] == (f"{season} steps" if season else "none detected")
    line = reading_lines(at)[0]
    assert f"Target: `{entry['target']}`" in line
