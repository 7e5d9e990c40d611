"""The app serves and renders in a real browser."""

from playwright.sync_api import expect


def test_app_opens_in_chromium(server, page, shot):
    page.goto(server)
    expect(page.get_by_role("heading", name="Forecast")).to_be_visible(timeout=30_000)
    assert shot(page, "smoke-forecast").stat().st_size > 0
