"""``runs export`` never overwrites a file unasked; names with control characters cannot break the table."""

from __future__ import annotations

import json
import zipfile

import pytest

from models.cli import main
from models.cli.runs import printable
from models.engine.store import RunStore
from models.results import RunResult
from models.settings import CLI_OWNER


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["runs", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _finished(store: RunStore, data_name: str) -> str:
    run_id = store.create_run(config={"kind": "digits", "epochs": 2, "source": "bundled"}, owner=CLI_OWNER,
                              data_name=data_name)
    assert store.finish_success(run_id, RunResult(kind="digits", metrics={"test_accuracy": 0.9},
                                                  artifacts={"weights.npz": b"NPZ"}, fit_seconds=1.0))
    return run_id


def test_export_refuses_an_existing_file_unless_forced(lab_data_dir, tmp_path, capsys):
    run_id = _finished(RunStore(lab_data_dir), "mnist")
    out = tmp_path / "existing.zip"
    out.write_bytes(b"my thesis")

    code, printed, err = _run_cli(capsys, "export", run_id, "--out", str(out))
    assert (code, printed) == (2, "")
    assert err.splitlines() == [f"error: {str(out)!r} already exists: choose another --out, or add --force "
                                "to overwrite it."]
    assert out.read_bytes() == b"my thesis"

    code, printed, _ = _run_cli(capsys, "export", run_id, "--out", str(out), "--force", "--json")
    assert code == 0 and json.loads(printed) == {"exported": run_id, "out": str(out)}
    assert "weights.npz" in zipfile.ZipFile(out).namelist()

    fresh = tmp_path / "fresh.zip"  # a new file needs no flag, as before
    code, printed, _ = _run_cli(capsys, "export", run_id, "--out", str(fresh))
    assert code == 0 and printed == f"Wrote run {run_id} to {fresh}.\n" and zipfile.is_zipfile(fresh)


def test_control_characters_in_names_are_shown_escaped(lab_data_dir, capsys):
    store = RunStore(lab_data_dir)
    run_id = _finished(store, "bad\nname\x1b[31m\u202e.csv")
    code, printed, _ = _run_cli(capsys)
    lines = printed.splitlines()
    assert code == 0 and len(lines) == 2 and lines[1].startswith(run_id)
    assert "bad\\nname\\x1b[31m\\u202e. " in lines[1] and "\x1b" not in printed
    assert lines[1][lines[0].index("CREATED"):].startswith("20")  # the columns still line up

    code, printed, _ = _run_cli(capsys, "show", run_id)
    assert "  data:     bad\\nname\\x1b[31m\\u202e.csv" in printed.splitlines()
    code, printed, _ = _run_cli(capsys, "--json")  # JSON keeps the name as it is
    assert json.loads(printed)[0]["data_name"] == "bad\nname\x1b[31m\u202e.csv"


@pytest.mark.parametrize(("text", "shown"), [
    ("airline.csv", "airline.csv"), ("é 日本", "é 日本"), ("a\tb\rc", "a\\tb\\rc"), ("x\u2028y", "x\\u2028y"),
])
def test_printable(text, shown):
    assert printable(text) == shown
