"""Every entry of the real-series corpus (tests/data/real/manifest.csv) read as its source means it.

The manifest was written from each dataset's documentation before the parser saw the files; an empty
cell means "not stated" (a length or a label the documentation does not give). Checked through the
``inspect`` command's own function, so the command line reports the same.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from models.cli.inspect import inspect_file

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
MANIFEST = list(csv.DictReader((REAL / "manifest.csv").open(encoding="utf-8")))


def test_the_manifest_lists_every_file_and_enough_of_them():
    files = {path.name for path in REAL.iterdir() if path.name not in ("manifest.csv", "README.md")}
    assert files == {entry["file"] for entry in MANIFEST}
    assert len(MANIFEST) >= 30
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)


@pytest.mark.parametrize("entry", MANIFEST, ids=[f"{e['file']}:{e['sheet']}" for e in MANIFEST])
def test_real_file_reads_as_meant(entry):
    facts = inspect_file(str(REAL / entry["file"]), sheet=entry["sheet"] or None)
    assert facts["target"] == entry["target"]
    assert (facts["time_column"] or "none") == entry["time_column"]
    assert (facts["frequency"] or "none") == entry["frequency"]
    assert facts["season_length"] == (int(entry["season_length"]) if entry["season_length"] else None)
    if entry["n_points"]:
        assert facts["n_points"] == int(entry["n_points"])
    if entry["first_label"]:
        assert facts["first_label"] == entry["first_label"]
    if entry["last_label"]:
        assert facts["last_label"] == entry["last_label"]
    assert facts["sheet"] == (entry["sheet"] or facts["sheet"])
