"""A run store SQLite cannot read gets one sentence from every command, and is never overwritten."""

from __future__ import annotations

import sqlite3

import pytest

from models.cli import main
from models.engine.store import RunStore
from models.settings import CLI_OWNER


def _not_a_database(folder):
    folder.mkdir(parents=True)
    (folder / "runs.sqlite").write_bytes(b"these are not the bytes of a SQLite database\n" * 100)


def _malformed(folder):
    """A real store whose pages past the header were overwritten (as a failing disk might)."""
    store = RunStore(folder)
    for _ in range(40):
        store.create_run(config={"kind": "digits", "epochs": 3}, owner=CLI_OWNER, data_name="mnist")
    path = folder / "runs.sqlite"
    connection = sqlite3.connect(path)  # fold the write-ahead log in first, then damage the pages
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = bytearray(path.read_bytes())
    data[4096:len(data)] = b"\xff" * (len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_not_a_database, _malformed])
@pytest.mark.parametrize("argv", [["runs"], ["runs", "show", "abcdefgh1234"],
                                  ["forecast", "--sample", "airline", "--background", "--epochs", "1"]])
def test_every_command_names_the_damaged_store_in_one_sentence(lab_data_dir, capsys, damage, argv):
    damage(lab_data_dir)
    before = (lab_data_dir / "runs.sqlite").read_bytes()
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith(f"error: The run store {lab_data_dir.resolve() / 'runs.sqlite'} is damaged")
    assert "move it aside" in lines[0]
    assert (lab_data_dir / "runs.sqlite").read_bytes() == before  # never overwritten
