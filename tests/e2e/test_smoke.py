"""The front door in a real browser: Home, one click to a forecast being trained, the run's link
opening the same result in a new tab of the same browser, the copied address giving another browser
a view and never the owner's rights, another file marking that result as earlier, and no request
leaving the machine; Home, one click to the digit reader, then a drawn digit."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from e2e_widgets import set_number
from playwright.sync_api import expect

from app.components.current_run import BROKEN_LINK
from models.engine.store import RunStore
from tests.e2e.test_browser_reliability import browser_owner
from tests.e2e.test_digits_journey import TRAIN_TIMEOUT_MS, draw_stroke
from tests.e2e.test_forecast_journey import TRAIN_TIMEOUT, result_chart

ROOT = Path(__file__).resolve().parents[2]


def test_home_demo_to_a_result_and_its_link_in_a_new_tab(server, server_data_dir, page, shot):
    hosts: set[str] = set()  # every host the pages ask for anything: the app must serve it all itself
    page.context.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    page.goto(server)
    expect(page.get_by_role("heading", name="LSTM Lab", exact=True)).to_be_visible(timeout=30_000)
    assert shot(page, "home").stat().st_size > 0
    page.get_by_role("button", name="Start").first.click()
    expect(page.get_by_role("heading", name="Forecast", exact=True)).to_be_visible(timeout=30_000)
    expect(result_chart(page)).to_be_visible(timeout=TRAIN_TIMEOUT)
    shot(page, "home-demo-forecast-result")
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path.endswith("/forecast") and query["run"] and "u" not in query
    run_id = query["run"][0]
    copied_address = page.url  # what someone would paste to a colleague
    owner = browser_owner(page)

    # The Runs page's link to the run, opened in a new tab of the same browser: the same result.
    page.goto(f"{server}/runs")
    link = page.get_by_role("link", name="open in a new tab")
    expect(link).to_have_attribute("href", re.compile(rf"/forecast\?run={run_id}$"), timeout=60_000)
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    expect(result_chart(tab)).to_be_visible(timeout=60_000)
    expect(tab.get_by_text("Page not found")).to_have_count(0)
    shot(tab, "home-demo-link-new-tab")
    tab.close()
    page.goto(f"{server}/forecast?run={run_id}")  # typed: the same page again
    expect(result_chart(page)).to_be_visible(timeout=60_000)

    only_views(server, RunStore(server_data_dir), page, copied_address, run_id, owner, shot)
    page.goto(f"{server}/forecast?run={run_id}")
    expect(result_chart(page)).to_be_visible(timeout=60_000)

    # Another file on the page: the demo's result is said to belong to the earlier data, folded away.
    page.get_by_role("radio", name="Upload a CSV file").click()
    page.locator('input[type="file"]').set_input_files(str(ROOT / "data" / "electrical-equipment.csv"))
    expect(page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Turnover")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("the data is now electrical-equipment.csv")).to_be_visible(timeout=30_000)
    expect(result_chart(page)).to_be_hidden()  # folded in "The earlier result"
    shot(page, "home-demo-stale-after-upload")

    # Train on that file too, then compare the two runs: different series, one chart each.
    set_number(page, "Epochs", 2)
    page.wait_for_timeout(500)  # let the rerun with the new setting land before clicking
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("This result belongs to earlier data")).to_have_count(0, timeout=TRAIN_TIMEOUT)
    expect(result_chart(page)).to_be_visible(timeout=TRAIN_TIMEOUT)
    page.goto(f"{server}/runs")
    page.get_by_role("tab", name="Compare").click()
    picker = page.get_by_role("combobox", name="Runs to compare")
    for _ in range(2):
        picker.click()
        page.get_by_role("option").first.click()
    page.keyboard.press("Escape")
    expect(page.get_by_text("These runs forecast different series: each has its own chart.")).to_be_visible(
        timeout=30_000)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for dataset in ("airline-passengers", "electrical-equipment"):  # its own chart (and in the losses)
        expect(charts.filter(has_text=f"{dataset} · LSTM").first).to_be_visible()
    expect(charts.filter(has_text="Predictions of the chosen runs")).to_have_count(0)  # no shared axis
    page.get_by_text("These runs forecast different series").scroll_into_view_if_needed()
    shot(page, "runs-compare-different-series")
    assert hosts <= {"127.0.0.1", "localhost", ""}, f"requests left the machine: {sorted(hosts)}"


def test_home_digits_demo_then_draw_a_digit(server, page, shot):
    page.goto(server)
    expect(page.get_by_role("heading", name="LSTM Lab", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Start").nth(1).click()  # "Read handwritten digits"
    expect(page.get_by_role("heading", name="Digits", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Test accuracy")).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    shot(page, "home-demo-digits-result")
    # A "7": a bar across the top, then a slanted stroke down.
    draw_stroke(page, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])
    expect(page.get_by_text("It reads a")).to_be_visible(timeout=30_000)
    shot(page, "home-demo-digits-drawn")


def only_views(server, store: RunStore, page, copied_address: str, run_id: str, owner: str, shot) -> None:
    """The owner's address bar pasted into another browser: nothing before the run is shared, then
    the result to view, never Cancel, Share or Delete. A link carrying the owner's token (``?u=``, how
    addresses once carried it) plants nothing: a browser keeps its own identity, and a new one mints
    its own."""
    other = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        colleague = other.new_page()
        colleague.goto(copied_address)
        expect(colleague.get_by_text(BROKEN_LINK)).to_be_visible(timeout=60_000)
        assert browser_owner(colleague) != owner

        page.goto(f"{server}/runs")
        expect(page.get_by_text("Not shared: the link works only in your browser.")).to_be_visible(
            timeout=60_000)
        page.get_by_text("Share", exact=True).click()
        expect(page.get_by_text("Not shared: the link works only in your browser.")).to_have_count(
            0, timeout=30_000)
        colleague.goto(copied_address)
        expect(result_chart(colleague)).to_be_visible(timeout=60_000)
        colleague.goto(f"{server}/runs")
        expect(colleague.get_by_text("Shared with you by its owner.")).to_be_visible(timeout=60_000)
        for action in ("Cancel this run", "Delete"):
            expect(colleague.get_by_role("button", name=action)).to_have_count(0)
        expect(colleague.get_by_text("Share", exact=True)).to_have_count(0)
        assert store.get_run(run_id, owner).state == "succeeded"
        shot(colleague, "shared-link-view-only")
    finally:
        other.close()

    planted = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        victim = planted.new_page()
        victim.goto(f"{server}/learn")
        own = browser_owner(victim)
        victim.goto(f"{server}/runs?u={owner}")
        victim.wait_for_url(lambda url: "u=" not in urlsplit(url).query, timeout=30_000)
        expect(victim.get_by_role("heading", name="Runs", exact=True)).to_be_visible(timeout=60_000)
        victim.goto(f"{server}/runs")  # a new session: the cookie alone says who it is
        expect(victim.get_by_role("heading", name="Runs", exact=True)).to_be_visible(timeout=60_000)
        expect(victim.get_by_role("button", name="Delete")).to_have_count(0)
        assert browser_owner(victim) == own != owner
        fresh = planted.browser.new_context().new_page()
        fresh.goto(f"{server}/runs?u={owner}")  # a browser without an identity: it mints its own
        expect(fresh.get_by_role("heading", name="Runs", exact=True)).to_be_visible(timeout=60_000)
        assert browser_owner(fresh) != owner
        fresh.context.close()
    finally:
        planted.close()
