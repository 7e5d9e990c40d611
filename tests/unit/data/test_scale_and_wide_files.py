"""Series whose scale float64 arithmetic cannot score are refused in one sentence, without a NumPy
warning before it; a file with thousands of skipped columns says so in one sentence, not one per column."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from models.cli import main
from models.data import load_series
from models.data.load import series_from_bytes
from models.errors import DataError

ROOT = Path(__file__).resolve().parents[3]


def _csv(values) -> bytes:
    return ("t,y\n" + "".join(f"{index},{value!r}\n" for index, value in enumerate(values))).encode()


def _strict_parse(data: bytes):
    """The parse in this process with every NumPy warning an error (load_series parses in a child)."""
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        return series_from_bytes(data, None, None, "upload.csv", None)


def test_a_series_too_small_for_float64_scores_is_refused_with_the_power_that_rescales_it():
    shape = 1 + 0.3 * np.sin(np.arange(40) * np.pi / 6) + 0.01 * np.arange(40)
    with pytest.raises(DataError) as caught:
        load_series(_csv([float(value) for value in shape * 1e-300]))
    assert str(caught.value) == (
        "Every number in 'y' is smaller than 10^-100, too small for the arithmetic of the scores: rescale "
        "the column (for example multiply it by 10^300).")
    assert len(load_series(_csv([float(value) for value in shape * 1e-30]))) == 40  # small but scorable


@pytest.mark.parametrize("values", [
    [1.7e308, -1.7e308] * 10,  # the target itself
    [-1.7e308 if index == 3 else index * 1.5 + index % 4 for index in range(20)],  # one row
])
def test_values_near_the_float_maximum_give_the_one_line_error_and_no_warning(values):
    with pytest.raises(DataError) as caught:
        _strict_parse(_csv(values))
    assert str(caught.value) == (
        "'y' holds numbers larger than 10^15: rescale the column (for example to millions).")


def test_a_column_near_the_float_maximum_before_the_target_warns_nothing():
    rows = "".join(f"{index},{1.7e308 if index % 2 else -1.7e308},{index % 5 + 1.5}\n" for index in range(20))
    with pytest.raises(DataError, match="^'a' holds numbers larger than 10\\^15"):
        _strict_parse(f"t,a,y\n{rows}".encode())


def test_the_cli_prints_only_the_error_line_for_huge_values(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(_csv([1.7e308, -1.7e308] * 10))
    result = subprocess.run([sys.executable, "-m", "models", "inspect", "--csv", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: 'y' holds numbers larger than 10^15: rescale the column (for example to millions)."]


def _wide(columns: int) -> bytes:
    header = ",".join(f"c{index}" for index in range(columns)) + ",y\n"
    rows = "".join(",".join(["5"] * columns) + f",{100 + 10 * np.sin(row):.4f}\n" for row in range(30))
    return (header + rows).encode()


def test_thousands_of_skipped_columns_are_one_sentence(capsys, tmp_path):
    series = load_series(_wide(2000))
    assert series.target == "y" and len(series.skipped) == 2000  # every reason is still in the data
    skipped_notes = [note for note in series.notes if note.startswith("Skipped")]
    assert skipped_notes == ["Skipped 'c0', 'c1' and 'c2' because every value is 5; and 1,997 more columns."]

    path = tmp_path / "wide.csv"
    path.write_bytes(_wide(2000))
    assert main(["inspect", "--csv", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) < 15, lines
    assert "skipped        1,997 more columns (--json lists them all)" in lines
    assert ("- No time column (the points are numbered 1, 2, 3, ...); target: 'y'; skipped 'c0', 'c1' and "
            "'c2' because every value is 5; and 1,997 more columns.") in lines


def test_a_few_skipped_columns_keep_a_sentence_each():
    series = load_series(_wide(2))
    assert [note for note in series.notes if note.startswith("Skipped")] == [
        "Skipped column 'c0' because every value is 5.", "Skipped column 'c1' because every value is 5."]
