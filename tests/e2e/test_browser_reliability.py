"""What a person can do wrong, or abruptly, in a real browser, and the app survives it.

- Bad files on the Forecast page: one plain sentence (never a traceback), column names shown as
  literal text (never markup), and the page keeps working with a bundled sample afterwards. Hostile
  workbooks (a cell at XFD1048576 that once killed the server, a shared-string bomb) cost only their
  read's child process: the server's health check and another browser's session go on.
- Reload mid-run: the same run comes back with live progress (it lives in the run store, not in the
  browser session), and Cancel still stops it.
- Close the tab mid-run: the run keeps training, is listed on the Runs page of a new tab and
  finishes normally.

The run store of the test server is read directly (``server_data_dir``) to check what the pages show.
"""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from e2e_widgets import PYTHON_TEXT, cell, choose, set_number
from playwright.sync_api import Page, expect

from app.identity import OLD_OWNER_PARAM, OWNER_COOKIE
from models.engine.store import RunStore
from tests.hostile_files import far_cell_workbook, shared_string_bomb

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data"
TRAIN_TIMEOUT = 300_000  # ms: a cold worker imports TensorFlow before the first epoch
RESULT_TITLE = "actual values, LSTM predictions and baselines"

# Bad files and the start of the one sentence each must produce (tests/data/README.md).
BAD_UPLOADS = {
    "random-bytes.csv": "This file holds binary data",
    "compressed.csv": "This file is compressed",
}
MARKUP_TIME, MARKUP_TARGET = "<b>Month</b>", "<script>alert(1)</script>"  # markup-in-names.csv
EPOCH = re.compile(r"Epoch (\d+) of (\d+)")


# ---------------------------------------------------------------- helpers


def train_button(page: Page):
    return page.get_by_role("button", name="Train", exact=True)


def open_forecast(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Forecast", exact=True)).to_be_visible(timeout=60_000)
    expect(train_button(page)).to_be_enabled(timeout=90_000)


def start_run(page: Page, **numbers: int) -> tuple[str, str]:
    """Set the number fields (label → value), click Train; the owner and the run id."""
    for label, value in numbers.items():
        if label == "Batch size":
            page.get_by_text("More settings").click()
        set_number(page, label, value)
    page.wait_for_timeout(500)  # let the rerun with the new settings land before clicking
    train_button(page).click()
    page.wait_for_url(re.compile(r"[?&]run="), timeout=30_000)
    return url_owner_and_run(page)


def url_owner_and_run(page: Page) -> tuple[str, str]:
    """The owner (this browser's cookie; never in the address) and the run id of the address."""
    query = parse_qs(urlsplit(page.url).query)
    assert OLD_OWNER_PARAM not in query, page.url
    return browser_owner(page), query.get("run", [""])[0]


def browser_owner(page: Page) -> str:
    """The owner token this browser holds (it arrives a moment after the first page is drawn)."""
    def held() -> str:
        cookies = page.context.cookies()
        return next((cookie["value"] for cookie in cookies if cookie["name"] == OWNER_COOKIE), "")
    wait_until(held, 30, "the browser never received its owner cookie", poll=0.2)
    return held()


def progress(page: Page):
    return page.locator('[data-testid="stProgress"]')


def shown_epoch(page: Page) -> int:
    """The epoch the live panel shows now (0 before the first one)."""
    found = EPOCH.search(progress(page).inner_text(timeout=10_000))
    return int(found.group(1)) if found else 0


def wait_until(condition, timeout: float, message: str, poll: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(message)


def assert_no_python_text(page: Page) -> None:
    """No exception box and no traceback or ``SomethingError:`` anywhere on the page."""
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    text = page.locator("body").inner_text()
    assert not PYTHON_TEXT.search(text), PYTHON_TEXT.search(text).group(0)


def error_lines(page: Page) -> list[str]:
    """The text of every error box (without its icon)."""
    boxes = page.locator('[data-testid="stAlertContentError"] [data-testid="stMarkdownContainer"]')
    return [box.inner_text().strip() for box in boxes.all()]


# ---------------------------------------------------------------- bad files


def test_bad_uploads_give_one_plain_line_names_stay_text_and_the_page_keeps_working(server, page, shot,
                                                                                   tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_forecast(page, f"{server}/forecast")
    page.get_by_role("radio", name="Upload a CSV file").click()
    expect(page.get_by_text("CSV file (up to 20 MB)")).to_be_visible(timeout=30_000)
    file_input = page.locator('input[type="file"]')
    errors = page.locator('[data-testid="stAlertContentError"]')

    for name, sentence in BAD_UPLOADS.items():
        file_input.set_input_files(str(CORPUS / name))
        expect(errors.filter(has_text=sentence)).to_have_count(1, timeout=60_000)
        lines = error_lines(page)
        assert len(lines) == 1 and lines[0].startswith(sentence), lines
        assert "\n" not in lines[0], f"the message of {name} is more than one line: {lines[0]!r}"
        assert_no_python_text(page)
        expect(train_button(page)).to_be_disabled()
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
        shot(page, f"reliability-bad-upload-{Path(name).stem}")

    hostile = {
        "far-cell.xlsx": (far_cell_workbook(), "A sheet of this workbook has cells down to row 1,048,576"),
        "shared-strings.xlsx": (shared_string_bomb(), "Reading this file needs more than 1,024 MB"),
    }
    for name, (data, sentence) in hostile.items():
        (tmp_path / name).write_bytes(data)
        file_input.set_input_files(str(tmp_path / name))
        expect(errors.filter(has_text=sentence)).to_have_count(1, timeout=60_000)
        assert len(error_lines(page)) == 1
        assert_no_python_text(page)
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as response:
        assert response.status == 200  # the server process survived both
    other = page.context.browser.new_context()
    try:
        elsewhere = other.new_page()
        elsewhere.goto(f"{server}/learn")
        expect(elsewhere.get_by_role("heading", name="Learn", exact=True)).to_be_visible(timeout=60_000)
    finally:
        other.close()

    # Markup in the column names: shown as the literal characters, in the table, the pickers and the chart.
    file_input.set_input_files(str(CORPUS / "markup-in-names.csv"))
    tables = page.locator('[data-testid="stDataFrame"]')
    expect(cell(tables, MARKUP_TARGET).first).to_be_attached(timeout=60_000)  # the preview's header
    expect(cell(tables, MARKUP_TIME).first).to_be_attached()
    expect(page.get_by_role("combobox", name="Column to forecast", exact=True)).to_have_value(
        f"detected: {MARKUP_TARGET}")
    expect(page.get_by_role("combobox", name="Time column", exact=True)).to_have_value(
        f"detected: {MARKUP_TIME}")
    series_chart = page.locator('[data-testid="stPlotlyChart"]')
    expect(series_chart.locator(".ytitle")).to_have_text(MARKUP_TARGET)
    expect(errors.filter(has_text=BAD_UPLOADS["compressed.csv"])).to_have_count(0)
    # Nothing was injected: no script element holding the name, no bold element from the name.
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    expect(page.locator('[data-testid="stMain"] b', has_text="Month")).to_have_count(0)
    assert dialogs == [], f"a script from a column name ran: {dialogs}"
    assert_no_python_text(page)
    shot(page, "reliability-markup-in-names")

    # Still usable: a bundled sample, a tiny run, its result.
    page.get_by_role("radio", name="Bundled sample").click()
    choose(page, "Sample", "nile-flow")
    expect(series_chart.filter(has_text="Flow")).to_be_visible(timeout=60_000)
    expect(errors).to_have_count(0)
    expect(train_button(page)).to_be_enabled(timeout=30_000)
    owner, run_id = start_run(page, Epochs=3, Units=4)
    expect(series_chart.filter(has_text=RESULT_TITLE)).to_be_visible(timeout=TRAIN_TIMEOUT)
    assert url_owner_and_run(page) == (owner, run_id)
    expect(page.get_by_text("nile-flow.csv, column Flow")).to_be_visible()
    assert dialogs == []
    assert_no_python_text(page)
    page.get_by_role("heading", name="4. Result").evaluate("element => element.scrollIntoView()")
    page.wait_for_timeout(1000)  # let plotly finish drawing
    shot(page, "reliability-sample-after-bad-files")


# ---------------------------------------------------------------- reload and close mid-run


@pytest.mark.slow
def test_reload_mid_run_shows_the_same_run_live_and_cancel_stops_it(server, server_data_dir, page, shot):
    store = RunStore(server_data_dir)
    open_forecast(page, f"{server}/forecast")
    # Minutes of training at batch size 1: still training long after the reload; Cancel ends it.
    owner, run_id = start_run(page, Epochs=2000, Units=64, **{"Batch size": 1})
    record = store.get_run(run_id, owner)
    assert (record.config.epochs, record.config.units, record.config.batch_size) == (2000, 64, 1)
    expect(progress(page)).to_contain_text(EPOCH, timeout=TRAIN_TIMEOUT)
    before = shown_epoch(page)

    page.reload()
    expect(page.get_by_role("heading", name="Forecast", exact=True)).to_be_visible(timeout=60_000)
    expect(progress(page)).to_contain_text(EPOCH, timeout=60_000)
    assert url_owner_and_run(page) == (owner, run_id)
    after_reload = shown_epoch(page)
    assert after_reload >= before, (before, after_reload)
    # Live: the epoch count climbs on its own, with no click.
    wait_until(lambda: shown_epoch(page) > after_reload, 90, "the progress did not move after the reload")
    expect(progress(page)).to_contain_text("Training")
    expect(progress(page)).to_contain_text("of 2000")
    expect(train_button(page)).to_be_disabled()
    # The reload started nothing new: one run of this owner, the same one, still training.
    assert [run.id for run in store.list_runs(owner) if run.mine] == [run_id]
    assert store.get_run(run_id, owner).state == "running"
    print(f"epoch {before} before the reload, {after_reload} after it, {shown_epoch(page)} later")
    shot(page, "reliability-reload-mid-run")

    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("This run was cancelled before it finished.")).to_be_visible(timeout=60_000)
    record = store.get_run(run_id, owner)
    assert record.state == "cancelled" and record.epochs_done < 2000
    expect(train_button(page)).to_be_enabled(timeout=30_000)
    assert_no_python_text(page)
    shot(page, "reliability-reload-then-cancelled")


@pytest.mark.slow
def test_closing_the_tab_mid_run_the_run_finishes_and_is_listed(server, server_data_dir, page, shot):
    store = RunStore(server_data_dir)
    epochs = 600  # tens of seconds: still training when the tab closes, then it ends by itself
    open_forecast(page, f"{server}/forecast")
    owner, run_id = start_run(page, Epochs=epochs, Units=64)
    expect(progress(page)).to_contain_text(EPOCH, timeout=TRAIN_TIMEOUT)
    shot(page, "reliability-close-tab-before")
    context = page.context
    record = store.get_run(run_id, owner)
    assert record.state == "running" and record.epochs_done < epochs, (record.state, record.epochs_done)
    page.close()
    closed_at = record.epochs_done

    runs = context.new_page()
    runs.goto(f"{server}/runs")  # the same browser: its cookie says who it is
    expect(runs.get_by_role("heading", name="Runs", exact=True)).to_be_visible(timeout=60_000)
    row = runs.locator('[data-testid="stDataFrame"] tr').filter(has=cell(runs, run_id[:8]))
    expect(row).to_have_count(1, timeout=60_000)
    expect(cell(row, "forecast")).to_have_count(1)
    expect(cell(row, "airline-passengers.csv")).to_have_count(1)
    # Not cancelled, failed or interrupted by the closed tab:
    expect(cell(row, "queued", "running", "succeeded")).to_have_count(1)
    shot(runs, "reliability-close-tab-runs-page")

    def finished() -> bool:
        # The Runs page reads the store when it opens: reload to see the latest state.
        runs.reload()
        expect(row).to_have_count(1, timeout=60_000)
        return cell(row, "succeeded", "failed", "cancelled", "interrupted").count() == 1

    wait_until(finished, TRAIN_TIMEOUT / 1000, "the run did not end after its tab was closed", poll=3)
    expect(cell(row, "succeeded")).to_have_count(1)
    record = store.get_run(run_id, owner)
    assert record.state == "succeeded" and record.epochs_done == epochs, (record.state, record.epochs_done)
    assert len(store.history(run_id, owner)) == epochs
    print(f"tab closed at epoch {closed_at} of {epochs}; the run finished all {record.epochs_done}")
    assert_no_python_text(runs)
    shot(runs, "reliability-close-tab-finished")

    # Its result page opens from the new tab.
    runs.goto(f"{server}/forecast?run={run_id}")
    expect(runs.locator('[data-testid="stPlotlyChart"]').filter(has_text=RESULT_TITLE)).to_be_visible(
        timeout=60_000)
