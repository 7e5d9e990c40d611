"""`python -m models inspect`: the facts as JSON or text, one-line errors, and no TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from models.cli import main

ROOT = Path(__file__).resolve().parents[3]
REAL = ROOT / "tests" / "data" / "real"
KEYS = {"target", "time_column", "time_kind", "frequency", "season_length", "n_points", "first_label",
        "last_label", "skipped_columns", "sheet", "notes"}


def test_inspect_json_of_an_r_quarterly_export(capsys):
    assert main(["inspect", "--csv", str(REAL / "r-ukgas.csv"), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert set(facts) == KEYS
    assert {key: facts[key] for key in ("target", "time_column", "frequency", "season_length", "n_points",
                                        "first_label", "last_label", "sheet")} == {
        "target": "value", "time_column": "time", "frequency": "quarterly", "season_length": 4,
        "n_points": 108, "first_label": "1960 Q1", "last_label": "1986 Q4", "sheet": None}
    assert facts["skipped_columns"] == [{"column": "rownames", "reason": "it only counts the rows"}]
    assert facts["notes"][0] == (
        "Time: 'time' (quarterly, decimal years); target: 'value'; skipped 'rownames' because it only counts "
        "the rows.")


def test_inspect_text_and_overrides(capsys):
    assert main(["inspect", "--csv", str(REAL / "statsmodels-elnino.csv"), "--target", "JAN"]) == 0
    out = capsys.readouterr().out
    assert "target         JAN\n" in out and "frequency      yearly\n" in out
    assert main(["inspect", "--csv", str(REAL / "xlsx-two-sheets.xlsx"), "--sheet", "Nile"]) == 0
    out = capsys.readouterr().out
    assert "sheet          Nile\n" in out and "points         100 (1871 to 1970)\n" in out


def test_inspect_errors_are_one_line_with_exit_status_2(capsys):
    assert main(["inspect", "--csv", str(REAL / "r-ukgas.csv"), "--target", "nothing"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "error: There is no column named 'nothing': the columns are 'rownames', 'time', 'value'.\n")
    assert main(["inspect", "--csv", str(REAL / "r-ukgas.csv"), "--sheet", "one"]) == 2
    assert capsys.readouterr().err.startswith("error: This file is a CSV, not a spreadsheet")


def test_inspect_never_imports_tensorflow():
    code = (
        "import sys, io, contextlib\n"
        "from models.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['inspect', '--csv', {str(REAL / 'r-airpassengers.csv')!r}, '--json'])\n"
        "heavy = ('tensorflow', 'keras', 'streamlit')\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip() == "0 []"
