"""Runs page in AppTest: the table and its filters, comparing runs, link/Share/export/delete, and a
small sweep whose leaderboard fills in as its runs finish — tiny real runs on the shared job engine.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from page_helpers import plotly_keys

from models.config import ForecastConfig
from models.engine import sweep as sweeps
from models.engine.store import FINAL_STATES
from models.errors import RunNotFound

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/runs.py"
DEADLINE = 240.0
TINY = ForecastConfig(mode="local",
                      epochs=2, units=2, look_back=2, batch_size=16, transform="none", forecast_steps=0)


def new_owner() -> str:
    return f"runs-test-{uuid.uuid4().hex}"


def frame_with(at, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def my_rows(at):
    """The runs table without runs other tests shared with everyone."""
    table = frame_with(at, "settings")
    return table[table["mine"]]


@pytest.fixture
def two_forecasts(lab_engine, airline_csv):
    """An owner with two finished tiny forecast runs that differ in units only."""
    owner = new_owner()
    ids = [lab_engine.submit(TINY.replace(units=units), airline_csv, "airline-passengers.csv", owner)
           for units in (2, 3)]
    for run_id in ids:
        assert lab_engine.wait(run_id, owner, timeout=DEADLINE).state == "succeeded"
    return owner, ids


def test_table_compare_and_actions(lab_app, lab_engine, two_forecasts):
    owner, ids = two_forecasts
    at = lab_app(PAGE, owner)
    table = my_rows(at)
    assert len(table) == 2 and set(table["kind"]) == {"forecast"} and set(table["state"]) == {"succeeded"}
    stored = {lab_engine.store.get_run(run_id, owner).metrics.network.test_rmse for run_id in ids}
    assert set(table["test RMSE"]) == stored
    at.multiselect(key="runs-kinds").set_value(["digits"]).run()
    assert len(my_rows(at)) == 0 and set(frame_with(at, "settings")["kind"]) <= {"digits"}
    at.multiselect(key="runs-kinds").set_value([]).run()

    # Compare: scores side by side, predictions and losses overlaid, the differing setting marked.
    at.multiselect(key="compare-runs").set_value(ids).run()
    assert not at.exception, at.exception
    rmse_row = "network test RMSE (units of its data)"
    scores = next(frame.value for frame in at.dataframe if rmse_row in frame.value.index)
    assert set(scores.loc[rmse_row]) == {f"{value:,.4g}" for value in stored}
    assert all(column.startswith("airline-passengers · LSTM · ") for column in scores.columns)
    assert not [row for row in scores.index if "_" in row]  # people's words, no raw keys
    assert {"compare-predictions", "compare-loss"} <= set(plotly_keys(at))
    at.checkbox(key="compare-only-different").check().run()
    differing = next(frame.value for frame in at.dataframe if "dataset" in frame.value.index
                     or "Units" in frame.value.index)
    assert list(differing.index) == ["Units"]

    # One run: its link, Share, export, delete with confirmation.
    run_id = ids[0]
    at.selectbox(key="actions-run").set_value(run_id).run()
    assert any(f"/forecast?run={run_id}" in code.value and owner not in code.value for code in at.code)
    # The owner's own link opens the run in a new tab of the same browser (its cookie says who it is):
    # no token in it.
    assert any(f"/forecast?run={run_id})" in text.value for text in at.markdown)
    assert "u" not in at.query_params and not any(owner in text.value for text in at.markdown)
    at.toggle(key=f"share-{run_id}").set_value(True).run()
    assert lab_engine.store.get_run(run_id, owner).shared
    assert at.get("download_button"), "no export button"
    assert at.button(key=f"delete-{run_id}").disabled
    at.checkbox(key=f"delete-sure-{run_id}").check().run()
    at.button(key=f"delete-{run_id}").click().run()
    assert not at.exception, at.exception
    with pytest.raises(RunNotFound):
        lab_engine.store.get_run(run_id, owner)
    assert len(my_rows(at)) == 1

    # Runs on different series: one small chart each, no shared time axis.
    nile = (ROOT / "data" / "nile-flow.csv").read_bytes()
    other = lab_engine.submit(TINY, nile, "nile-flow.csv", owner)
    assert lab_engine.wait(other, owner, timeout=DEADLINE).state == "succeeded"
    at.run()
    at.multiselect(key="compare-runs").set_value([ids[1], other]).run()
    assert not at.exception, at.exception
    keys = set(plotly_keys(at))
    assert {"compare-predictions-0", "compare-predictions-1"} <= keys and "compare-predictions" not in keys

    # Several runs deleted at once: only after choosing them and confirming; the others stay.
    # Minutes of training unless cancelled: active all through, so it is not offered.
    running = lab_engine.submit(TINY.replace(epochs=2000, units=64, look_back=12, batch_size=1), nile,
                                "nile-flow.csv", owner)
    at.run()
    assert len(at.multiselect(key="bulk-delete-runs").options) == 2
    at.multiselect(key="bulk-delete-runs").set_value([ids[1], other]).run()
    assert at.button(key="bulk-delete").disabled
    at.checkbox(key="bulk-delete-sure").check().run()
    at.button(key="bulk-delete").click().run()
    assert not at.exception, at.exception
    for run_id in (ids[1], other):
        with pytest.raises(RunNotFound):
            lab_engine.store.get_run(run_id, owner)
    assert [record.id for record in lab_engine.store.list_runs(owner) if record.mine] == [running]
    lab_engine.cancel(running, owner)


def test_a_sweep_fills_its_leaderboard_as_runs_finish(lab_app, lab_engine):
    owner = new_owner()
    at = lab_app(PAGE, owner)
    at.selectbox(key="sweep-sample").set_value("airline-passengers")
    at.selectbox(key="sweep-setting-0").set_value("look_back")
    at.text_input(key="sweep-values-0").set_value("1, 2")
    at.selectbox(key="sweep-setting-1").set_value("units")
    at.text_input(key="sweep-values-1").set_value("2, 3")
    at.number_input(key="sweep-epochs").set_value(1)
    next(button for button in at.button if button.label == "Start sweep").click().run()
    assert not at.exception, at.exception
    book = sweeps.SweepBook(lab_engine.store.data_dir)
    (made,) = book.for_owner(owner)
    assert len(made.items) == 4

    deadline = time.monotonic() + DEADLINE
    while True:
        current = book.get(made.id, owner)
        states = [lab_engine.store.get_run(run_id, owner).state for run_id in current.run_ids]
        if not current.pending and all(state in FINAL_STATES for state in states):
            break
        assert time.monotonic() < deadline, "the sweep did not finish in time"
        time.sleep(0.3)
        at.run()  # each run of the page submits what fits (AppTest does not tick fragments)
        assert not at.exception, at.exception
    at.run()
    assert states == ["succeeded"] * 4
    board = frame_with(at, "vs baseline")
    assert list(board["rank"]) == [1, 2, 3, 4]
    metrics = {run_id[:8]: lab_engine.store.get_run(run_id, owner).metrics for run_id in current.run_ids}
    ratios = [metrics[run].network.test_rmse / metrics[run].baselines["seasonal_naive"].test_rmse
              for run in board["run"]]
    assert ratios == sorted(ratios) and list(board["vs baseline"]) == pytest.approx(ratios)
    assert "sweep-bars" in plotly_keys(at)
