"""Every page opens without an exception."""

import pytest

PAGES = ["app_pages/home.py", "app_pages/forecast.py", "app_pages/digits.py", "app_pages/learn.py",
         "app_pages/runs.py"]


def test_the_front_door_is_home(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "LSTM Lab"
    assert [button.label for button in app.button] == ["Start", "Start", "Start"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens(app, page):
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    assert app.title, f"{page} shows no title"
