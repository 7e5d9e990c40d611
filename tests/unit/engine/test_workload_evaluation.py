"""One work limit for the whole forecast run: the check counts the evaluation (baselines, backtest,
the intervals' second fit) as well as the fit, the count grows linearly with the series' length, and
a run whose evaluation would pass the limit is refused with one sentence."""

from __future__ import annotations

import numpy as np
import pytest

from models import limits
from models.config import FORECAST_PRESETS, ForecastConfig
from models.data import load_series, sample_path
from models.engine import workload
from models.errors import WorkLimitError
from models.forecast.cost import UNIT_SECONDS, run_work
from models.forecast.pipeline import split_for


@pytest.fixture(autouse=True)
def default_limits(monkeypatch):
    monkeypatch.delenv("LSTMLAB_MAX_WORK", raising=False)


def _evaluation(n_points: int, **settings) -> int:
    config = ForecastConfig(mode="local", epochs=1, **settings)
    return run_work(config, split_for(config, n_points), 24).evaluation


def test_the_evaluation_counted_grows_linearly_with_the_length():
    counts = [_evaluation(n) for n in (20_000, 40_000, 60_000, 80_000, 100_000)]
    steps = np.diff(counts)
    assert np.all(steps > 0)
    assert np.ptp(steps) <= 0.01 * steps.mean()  # equal steps: linear once the bounds apply
    assert _evaluation(100_000, horizon=48) > _evaluation(100_000)  # a longer horizon costs more
    assert _evaluation(2_000, stride=1) > _evaluation(2_000)  # more backtest origins (27 -> 100)
    assert _evaluation(100_000, stride=1) == _evaluation(100_000)  # both at the bound of 100


def test_a_long_hourly_series_with_one_epoch_fits_the_limit_and_its_promise():
    plan = workload.plan_run(ForecastConfig(mode="local", epochs=1), np.ones(100_000), 24)
    assert plan.cost is not None and plan.work == plan.cost.total > plan.fit_work
    assert plan.cost.calibration_fit > 0 and plan.cost.evaluation > plan.cost.fit
    assert plan.work <= limits.DEFAULT_MAX_WORK
    assert plan.work * UNIT_SECONDS < 9 * 60  # what the limit promises for a whole run


def test_the_default_run_and_every_preset_on_the_airline_sample_are_accepted():
    series = load_series(sample_path("airline"))
    for config in [ForecastConfig(), *FORECAST_PRESETS.values()]:
        plan = workload.plan_run(config, series.values, series.season_length)
        assert plan.cost is not None and plan.work < 0.1 * limits.DEFAULT_MAX_WORK


def test_a_run_whose_evaluation_passes_the_limit_is_refused_with_one_sentence(monkeypatch):
    config = ForecastConfig(mode="local", epochs=1)
    plan = workload.plan_run(config, np.ones(100_000), 24)
    monkeypatch.setenv("LSTMLAB_MAX_WORK", str(plan.fit_work + 1))  # the fit alone fits
    with pytest.raises(WorkLimitError) as caught:
        workload.plan_run(config, np.ones(100_000), 24)
    message = str(caught.value)
    assert message.startswith("5 networks x 1 epochs x 66,987 training windows is 334,935 steps of work and "
                              "scoring the run (the baselines, the backtest and the intervals' second fit) ")
    assert message.endswith(f"in all, above this server's limit of {plan.fit_work + 1:,}: use fewer epochs, "
                            "fewer networks in the ensemble or a shorter series.")
    assert message.count(". ") == 0 and "\n" not in message  # one sentence
    monkeypatch.setenv("LSTMLAB_MAX_WORK", str(plan.work))
    workload.plan_run(config, np.ones(100_000), 24)  # exactly at the limit: accepted


def test_a_long_horizon_on_a_long_series_is_refused_before_anything_runs():
    with pytest.raises(WorkLimitError, match="scoring the run"):
        workload.plan_run(ForecastConfig(mode="local", epochs=1, horizon=1000, stride=1, test_size=60_000,
                                         season_length=1000), np.ones(100_000))
