"""Home: each demo is one click to a queued run, shown on its own page."""

from __future__ import annotations

import uuid

import pytest

from models.config import ForecastConfig
from tests.engine_runs import wait_for


@pytest.mark.parametrize(("demo", "title", "kind"), [
    ("forecast", "Forecast", "forecast"), ("digits", "Digits", "digits"), ("learn", "Learn", "learn"),
])
def test_one_click_starts_the_demo_and_opens_its_page(lab_app, lab_engine, demo, title, kind):
    owner = f"home-{demo}-{uuid.uuid4().hex}"
    at = lab_app("app_pages/home.py", owner)
    at.button(key=f"home-demo-{demo}").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    run_id = at.query_params["run"]
    run_id = run_id[0] if isinstance(run_id, list) else run_id
    record = lab_engine.store.get_run(run_id, owner)
    assert record.kind == kind and record.mine
    if demo == "forecast":  # the demo's short settings are its own: the page keeps the defaults
        assert (record.config.epochs, record.config.ensemble) == (60, 1)
        for page in (at, lab_app("app_pages/forecast.py", owner, run=run_id)):  # this tab, and its link
            assert page.number_input(key="forecast-setting-ensemble").value == ForecastConfig().ensemble
            assert page.number_input(key="forecast-setting-epochs").value == ForecastConfig().epochs
    lab_engine.cancel(run_id, owner)  # the demo's point is the click; free the worker for other tests
    wait_for(lab_engine, run_id, owner, lambda record: not record.active)
