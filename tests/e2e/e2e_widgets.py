"""Driving Streamlit widgets from Playwright, shared by the browser tests (and tests/load's driver).

Debian's Chromium is launched with ``CHROMIUM_ARGS``, never a downloaded browser. The widget helpers
come in Playwright's sync API and, for the concurrent sessions of tests/load, its async API.
"""

from __future__ import annotations

import re

from playwright.async_api import Page as AsyncPage
from playwright.async_api import expect as async_expect
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
# Headless, with the flags this closed network needs (nothing is fetched from outside).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Python's own words for a crash: "Traceback (most recent call last)", "ValueError: ...".
PYTHON_TEXT = re.compile(r"Traceback|\b\w*(Error|Exception):|File \"[^\"]+\", line \d+")


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``.

    A rerun still in flight from the previous change can close the list as it opens: try again.
    """
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            expect(box).to_have_value(option, timeout=5_000)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def set_number(page: Page, label: str, value: int) -> None:
    """Type ``value`` into the number input labelled ``label`` and confirm it with Enter."""
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))


async def set_number_async(page: AsyncPage, label: str, value: int, timeout: float = 5_000) -> None:
    """``set_number`` in Playwright's async API."""
    field = page.get_by_label(label, exact=True)
    await field.fill(str(value))
    await field.press("Enter")
    await async_expect(field).to_have_value(str(value), timeout=timeout)


def cell(scope, *texts: str):
    """Cells (or column headers) of Streamlit tables in ``scope`` (a page or a table row, sync or
    async API) whose whole text is one of ``texts``. Tables draw on a canvas; these are its
    accessible copy behind it.
    """
    exact = re.compile("^(" + "|".join(re.escape(text) for text in texts) + ")$")
    return scope.locator("td, th").filter(has_text=exact)
