"""Sweeps: grid expansion, the sweep file, progressive submission under the per-owner limit, and a
leaderboard whose order is the order of the stored metrics — including a real 6-run sweep."""

from __future__ import annotations

import time

import pytest

from models.config import ForecastConfig
from models.engine import leaderboard
from models.engine import sweep as sweeps
from models.engine.store import RunRecord
from models.errors import ConfigError, LabError, LimitError, RunNotFound
from models.limits import max_queued_per_owner
from models.summaries import ForecastMetrics

TINY = ForecastConfig(mode="local",
                      epochs=1, units=2, look_back=2, batch_size=16, transform="none", forecast_steps=0,
                      ensemble=1)


def test_values_are_parsed_per_setting_with_one_sentence_errors():
    assert sweeps.parse_values("look_back", "1, 3;12 3") == [1, 3, 12]
    assert sweeps.parse_values("learning_rate", "0.01,0.001") == [0.01, 0.001]
    assert sweeps.parse_values("cell", "LSTM gru") == ["lstm", "gru"]
    with pytest.raises(ConfigError, match="whole numbers; '1.5' is not"):
        sweeps.parse_values("units", "4, 1.5")
    with pytest.raises(ConfigError, match="must be one of"):
        sweeps.parse_values("cell", "lstm, transformer")
    with pytest.raises(ConfigError, match="at least one value"):
        sweeps.parse_values("units", " ")
    with pytest.raises(ConfigError, match="cannot vary"):
        sweeps.parse_values("seed", "1")


def test_the_grid_is_every_combination_validated():
    grid = sweeps.expand_grid(TINY, {"look_back": [1, 3, 12], "units": [4, 16]})
    assert [(config.look_back, config.units) for config in grid] == [
        (1, 4), (1, 16), (3, 4), (3, 16), (12, 4), (12, 16)]
    assert all(config.epochs == TINY.epochs for config in grid)
    with pytest.raises(ConfigError):  # look-back 0 is not a valid setting
        sweeps.expand_grid(TINY, {"look_back": [0, 1]})
    with pytest.raises(LimitError, match="at most"):
        sweeps.expand_grid(TINY, {"units": list(range(1, 6)), "look_back": list(range(1, 6))})
    with pytest.raises(ConfigError, match="one or 2"):
        sweeps.expand_grid(TINY, {})


def test_the_sweep_file_belongs_to_its_owner(tmp_path):
    book = sweeps.SweepBook(tmp_path)
    made = book.create("alice", "airline.csv", b"t,v\n1,2\n", TINY, {"units": [2, 3]})
    again = book.get(made.id, "alice")
    assert again.to_dict() == made.to_dict() and len(again.pending) == 2
    assert book.data(again) == b"t,v\n1,2\n"
    assert [item.id for item in book.for_owner("alice")] == [made.id] and book.for_owner("bob") == []
    with pytest.raises(RunNotFound):
        book.get(made.id, "bob")
    with pytest.raises(RunNotFound):
        book.get("../../etc/passwd", "alice")


def test_advance_submits_what_fits_and_continues_later(tmp_path):
    book = sweeps.SweepBook(tmp_path)
    made = book.create("alice", "airline.csv", b"data", TINY, {"units": [1, 2, 3, 4, 5]})
    room = {"left": 2}
    submitted = []

    def submit(config, data):
        assert data == b"data"
        if config["units"] == 4:
            raise LabError("This one cannot run.")
        if room["left"] == 0:
            raise LimitError("Queue full.")
        room["left"] -= 1
        submitted.append(config["units"])
        return f"run-{config['units']}-abcdefgh"

    assert sweeps.advance(book, made.id, "alice", submit) == 2
    assert submitted == [1, 2] and len(book.get(made.id, "alice").pending) == 3
    room["left"] = 5
    assert sweeps.advance(book, made.id, "alice", submit) == 2
    items = book.get(made.id, "alice").items
    assert [item.run_id is not None for item in items] == [True, True, True, False, True]
    assert items[3].error == "This one cannot run." and not book.get(made.id, "alice").pending
    assert sweeps.advance(book, made.id, "alice", submit) == 0


def _record(run_id: str, state: str, lstm: float | None, seasonal: float | None) -> RunRecord:
    scores = {"lstm": lstm, "seasonal_naive": seasonal, "persistence": 50.0}
    metrics = None if lstm is None else ForecastMetrics.from_dict(
        {name: {"test_rmse": value} for name, value in scores.items()})
    return RunRecord(id=run_id, owner="alice", mine=True, shared=False, kind="forecast", config=None,
                     data_name="x.csv", data_fingerprint=None, state=state, error=None, metrics=metrics,
                     summary=None, artifacts=(), progress=None, epochs_done=0, epochs_total=None,
                     cancel_requested=False, created=0.0, started=None, finished=None, fit_seconds=None)


def test_the_leaderboard_ranks_by_rmse_relative_to_seasonal_naive(tmp_path):
    book = sweeps.SweepBook(tmp_path)
    made = book.create("alice", "x.csv", b"d", TINY, {"units": [1, 2, 3, 4]})
    for index, item in enumerate(made.items[:3]):
        item.run_id = f"run{index}-abcdefgh"
    records = {
        "run0-abcdefgh": _record("run0-abcdefgh", "succeeded", 45.0, 40.0),  # 1.125
        "run1-abcdefgh": _record("run1-abcdefgh", "running", None, None),
        "run2-abcdefgh": _record("run2-abcdefgh", "succeeded", 30.0, 40.0),  # 0.75
    }
    rows = leaderboard.leaderboard(made, records)
    assert [(row.rank, row.run_id) for row in rows] == [
        (1, "run2-abcdefgh"), (2, "run0-abcdefgh"), (None, "run1-abcdefgh"), (None, None)]
    assert rows[0].ratio == pytest.approx(0.75) and rows[0].beats_reference
    assert rows[1].beats_reference is False and rows[0].reference == "seasonal_naive"
    assert rows[3].state == "waiting to be queued"
    # No season: ranked against persistence instead.
    no_season = ForecastMetrics.from_dict(
        {"seasonal_naive": {"test_rmse": None}, "persistence": {"test_rmse": 5.0}})
    assert leaderboard.reference_of(no_season) == ("persistence", 5.0)


@pytest.mark.slow
def test_a_six_run_sweep_completes_through_the_engine_and_ranks_by_stored_metrics(lab_engine, lab_owner,
                                                                                  airline_csv):
    book = sweeps.SweepBook(lab_engine.store.data_dir)
    made = book.create(lab_owner, "airline-passengers.csv", airline_csv, TINY,
                       {"look_back": [1, 2, 3], "units": [2, 4]})
    assert len(made.items) == 6

    def submit(config, data):
        return lab_engine.submit(config, data, made.data_name, lab_owner)

    first = sweeps.advance(book, made.id, lab_owner, submit)
    assert first == min(6, max_queued_per_owner())  # the per-owner limit holds the rest back
    deadline = time.monotonic() + 240
    while True:
        sweeps.advance(book, made.id, lab_owner, submit)
        current = book.get(made.id, lab_owner)
        records = {run_id: lab_engine.status(run_id, lab_owner) for run_id in current.run_ids}
        if not current.pending and not any(record.active for record in records.values()):
            break
        assert time.monotonic() < deadline, "the sweep did not finish in time"
        time.sleep(0.2)
    assert len(records) == 6 and {record.state for record in records.values()} == {"succeeded"}
    rows = leaderboard.leaderboard(current, records)
    assert [row.rank for row in rows] == [1, 2, 3, 4, 5, 6]
    # The order equals the order of the metrics stored with each run (read back from the store).
    stored = {run_id: lab_engine.store.get_run(run_id, lab_owner).metrics for run_id in records}
    expected = sorted(stored, key=lambda run_id: (
        stored[run_id].network.test_rmse / stored[run_id].baselines["seasonal_naive"].test_rmse,
        stored[run_id].network.test_rmse))
    assert [row.run_id for row in rows] == expected
    assert {tuple(row.settings.items()) for row in rows} == {
        (("look_back", look_back), ("units", units)) for look_back in (1, 2, 3) for units in (2, 4)}
