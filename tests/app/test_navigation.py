"""Every page opens without an exception."""

import pytest

PAGES = ["app_pages/forecast.py", "app_pages/digits.py", "app_pages/learn.py", "app_pages/runs.py"]


def test_default_page_is_forecast(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Forecast"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens(app, page):
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    assert app.title, f"{page} shows no title"
