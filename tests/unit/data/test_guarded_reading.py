"""Hostile files cost a bounded child process, never the caller: the declared-size checks
(models/data/bounds.py) and the read's child process (models/data/isolated.py)."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from models.data import load_series, read_table, workbook_sheets
from models.data.bounds import check_declared
from models.data.isolated import read_isolated, too_big_message, too_slow_message
from models.data.load import series_from_bytes
from models.data.sheets import PASSWORD_MESSAGE, UNCALCULATED_MESSAGE
from models.errors import DataError

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from hostile_files import far_cell_workbook, many_rows_workbook, shared_string_bomb, wide_line_csv  # noqa: E402

AIRLINE_ROWS = 144


def test_far_cell_is_refused_before_any_reader_runs():
    started = time.monotonic()
    with pytest.raises(DataError, match=r"cells down to row 1,048,576 .*limit of 100,000 rows"):
        check_declared(far_cell_workbook())
    assert time.monotonic() - started < 2


def test_a_reader_that_aborts_costs_only_its_child(monkeypatch):
    """Past the declared-size checks (limits raised so the far cell passes them), the spreadsheet
    reader aborts its process on the far cell (SIGABRT from a failed 512 GiB allocation): the caller
    gets one sentence and reads on."""
    monkeypatch.setenv("LSTMLAB_MAX_ROWS", str(10**9))
    monkeypatch.setenv("LSTMLAB_MAX_COLUMNS", str(10**9))
    data = far_cell_workbook()
    with pytest.raises(DataError) as refused:
        read_isolated(series_from_bytes, data, None, None, "far", None)
    assert str(refused.value) == too_big_message()
    assert len(load_series("airline").values) == AIRLINE_ROWS  # this process and its reads go on


def test_a_shared_string_bomb_stops_at_the_memory_limit(monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_READ_MB", "300")
    data = shared_string_bomb(cells=4_000, length=100_000)  # 400 MB of text once each cell holds a copy
    assert len(data) < 200_000
    with pytest.raises(DataError, match="more than 300 MB of memory"):
        load_series(data)


def test_millions_of_rows_in_a_small_workbook_are_refused_from_their_addresses():
    data = many_rows_workbook(rows=150_000)
    assert len(data) < 100_000
    started = time.monotonic()
    with pytest.raises(DataError, match=r"cells down to row 100,101 or further"):
        load_series(data)
    assert time.monotonic() - started < 5


def test_a_line_of_too_many_fields_is_refused_before_parsing():
    with pytest.raises(DataError, match=r"A line of this file has 60,000 fields, above this server's limit "
                                        r"of 50,000 columns"):
        read_table(wide_line_csv(60_000))


def test_a_wide_line_further_down_is_refused_by_the_reader(monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_COLUMNS", "50")
    lines = ["month,sales"] + [f"2000-{month:02d},{month}" for month in range(1, 13)]
    lines[9] = ",".join(["1"] * 80)
    with pytest.raises(DataError, match=r"Line 10 has 80 fields, above this server's limit of 50 columns"):
        load_series("\n".join(lines).encode())


def test_a_read_that_runs_too_long_is_stopped(monkeypatch):
    monkeypatch.setenv("LSTMLAB_MAX_READ_SECONDS", "1")
    header = "date," + ",".join(f"s{index}" for index in range(40_000))
    rows = [f"2000-{month:02d}-01," + ",".join("1" for _ in range(40_000)) for month in range(1, 13)]
    started = time.monotonic()
    with pytest.raises(DataError) as refused:  # 40,000 columns take several seconds to read
        load_series("\n".join([header, *rows]).encode())
    assert str(refused.value) == too_slow_message()
    assert time.monotonic() - started < 10


def test_only_readers_of_models_data_run_in_the_child():
    with pytest.raises(RuntimeError, match="Not a reader of models.data"):
        read_isolated(os.system, b"true")


def test_the_child_reads_with_the_limits_set_now(monkeypatch):
    load_series("airline")  # the read server starts with the limits of that moment
    monkeypatch.setenv("LSTMLAB_MAX_ROWS", "100")
    with pytest.raises(DataError, match="more than 100 rows of data"):
        load_series("airline")


def test_errors_of_the_parse_keep_their_type_and_words():
    with pytest.raises(DataError, match="The file is empty"):
        read_table(b"   \n")
    assert workbook_sheets(b"month,sales\n2000-01,1\n") == []


def test_a_workbook_of_formulas_without_results_says_so():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["month", "sales"])
    for month in range(1, 25):
        sheet.append([f"{2000 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}", f"=ROW()*{month}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(DataError) as refused:
        load_series(buffer.getvalue())
    assert str(refused.value) == UNCALCULATED_MESSAGE


def test_a_password_protected_workbook_is_named_as_such():
    # An encrypted Office file is an OLE container holding an "EncryptedPackage" stream.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0")
    with pytest.raises(DataError) as refused:
        load_series(header + directory + os.urandom(4096))
    assert str(refused.value) == PASSWORD_MESSAGE


def test_a_read_server_that_died_is_replaced():
    from models.data import isolated

    load_series("airline")
    for server in list(isolated._POOL._idle):  # noqa: SLF001 - killed as an operator or the OOM killer might
        server.process.kill()
        server.process.wait()
    assert len(load_series("airline").values) == AIRLINE_ROWS


def test_the_child_sends_data_only_and_the_series_arrives_whole():
    """The answer travels as JSON and NumPy arrays saved without pickles (models/data/wire.py)."""
    from models.data import wire
    from models.data.source import source_bytes

    data, name = source_bytes("airline")
    here = series_from_bytes(data, None, None, name, None)
    there = load_series("airline")
    for field in ("time_labels", "target", "time_column", "frequency", "season_length", "columns",
                  "numeric_columns", "notes", "fingerprint", "name", "time_kind", "skipped", "sheet"):
        assert getattr(there, field) == getattr(here, field), field
    assert there.values.dtype == here.values.dtype and (there.values == here.values).all()
    assert there.times.equals(here.times) and there.preview.equals(here.preview)
    crafted = b'{"value": {"$evil": 1}, "parts": []}'
    with pytest.raises(ValueError, match="Unknown part"):
        wire.decode(len(crafted).to_bytes(8, "big") + crafted)


def test_an_answer_far_larger_than_its_file_is_refused_before_it_reaches_the_caller():
    """10 KB whose one shared string, copied into 1,500 cells, makes a 150 MB table."""
    data = shared_string_bomb(cells=1_500, length=100_000)
    assert len(data) < 20_000
    with pytest.raises(DataError) as refused:
        read_table(data)
    assert str(refused.value) == too_big_message()


def test_lines_ended_by_a_carriage_return_alone_are_lines():
    """Excel for Mac's "CSV (Macintosh)": a long file of two columns is not one line of many fields."""
    rows = ["month,sales"] + [f"{2000 + index // 12}-{index % 12 + 1:02d},{index % 7 + 10}"
                              for index in range(60_000)]
    check_declared("\r".join(rows).encode())


def test_empty_formatted_cells_far_away_are_not_counted_but_written_ones_are():
    from tests.hostile_files import _table_rows, _workbook

    formatted = [*_table_rows(), '<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/></row>']
    check_declared(_workbook(formatted))  # a format only: no reader keeps a cell for it
    for address in ("r='XFD1048576'", 'r = "xfd1048576"'):
        written = [*_table_rows(), f'<row r="1048576"><c {address}><v>1</v></c></row>']
        with pytest.raises(DataError, match="cells down to row 1,048,576"):
            check_declared(_workbook(written))
