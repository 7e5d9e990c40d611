"""A person's Digits journey in Chromium: tiny settings → Train → results → draw a digit → its answer."""

from __future__ import annotations

import pytest
from e2e_widgets import choose, set_number
from playwright.sync_api import Page, expect

TRAIN_TIMEOUT_MS = 300_000  # a cold worker imports TensorFlow before the first epoch


def draw_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """Draw one stroke through ``points`` (fractions of the canvas size) with the mouse."""
    canvas = page.locator("canvas.upper-canvas").first  # Fabric.js takes mouse input on its top layer
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None, "the drawing canvas is not on the page"
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0] * box["width"], y0 + points[0][1] * box["height"])
    page.mouse.down()
    for fx, fy in points[1:]:
        page.mouse.move(x0 + fx * box["width"], y0 + fy * box["height"], steps=8)
    page.mouse.up()


@pytest.mark.slow
def test_train_then_draw_a_digit(server, page: Page, shot):
    page.goto(f"{server}/digits")
    expect(page.get_by_role("heading", name="Digits", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Each row of pixels is one time step.")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)  # sample grid, rows as steps
    shot(page, "digits-1-mnist")

    set_number(page, "Units", 8)
    set_number(page, "Epochs", 2)
    page.get_by_text("More settings").click()
    choose(page, "Training digits", "500")
    choose(page, "Digits source", "Bundled 5,000 digits (offline)")
    page.get_by_role("button", name="Train", exact=True).click()

    expect(page.get_by_text("Test accuracy")).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    page.get_by_text("4 · Results").scroll_into_view_if_needed()
    shot(page, "digits-2-results")

    # A "7": a bar across the top, then a slanted stroke down.
    draw_stroke(page, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])
    answer = page.get_by_text("It reads a")
    expect(answer).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Watch it read", exact=False).first).to_be_visible()
    page.get_by_text("5 · Draw a digit").scroll_into_view_if_needed()
    assert shot(page, "digits-3-drawn").stat().st_size > 0
    page.get_by_text("Each digit's probability as the rows are read").scroll_into_view_if_needed()
    shot(page, "digits-4-watch-it-read")

    page.get_by_role("button", name="Clear", exact=True).click()
    expect(answer).to_have_count(0, timeout=15_000)
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible()
