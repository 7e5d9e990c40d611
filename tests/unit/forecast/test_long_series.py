"""A long series is evaluated on a bounded number of targets and origins, the same for every model, so
its evaluation grows linearly with the length (the bounds are made small here to keep the test quick);
a short one (every bundled sample) is scored on all of them, as before."""

from __future__ import annotations

import numpy as np
import pytest

from models.config import ForecastConfig
from models.data import bundled_samples, load_series
from models.forecast import backtest, pipeline, statistical
from models.forecast.baselines import Persistence
from models.forecast.evaluation import evaluate
from models.forecast.metrics import forecast_scores
from models.forecast.statistical import ETS, StatisticalBaseline, Theta
from models.vocabulary import NETWORK_KEY


def _hourly(n_points: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = np.arange(n_points)
    return 100 + 0.01 * steps + 10 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 2, n_points)


def test_every_bundled_sample_is_still_scored_on_every_target():
    for sample in bundled_samples().values():
        values = load_series(sample.path.read_bytes()).values
        split = pipeline.split_for(ForecastConfig(), len(values))
        train, test = pipeline.scored_targets(split)
        assert np.array_equal(train, split.train_targets) and np.array_equal(test, split.test_targets)
        assert pipeline.scoring_note(split) is None
        assert backtest.plan_origins(len(values), split.n_train, 12).size <= backtest.MAX_BACKTEST_ORIGINS


def test_a_long_series_scores_the_last_targets_and_origins_the_same_for_every_model(monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_SCORED_TARGETS", 40)
    monkeypatch.setattr(backtest, "MAX_BACKTEST_ORIGINS", 3)
    asked: list[int] = []
    predict = StatisticalBaseline.predict

    def counted(self, values, targets):
        asked.append(len(targets))
        return predict(self, values, targets)

    monkeypatch.setattr(StatisticalBaseline, "predict", counted)
    values = _hourly(600)
    config = ForecastConfig(mode="local",
                            epochs=1, ensemble=1, look_back=4, transform="none", forecast_steps=3)
    prepared = pipeline.prepare(config, values, 24)
    split = prepared.split  # 402 + 198 points
    persistence = Persistence().fit(values[: split.n_train])
    path = np.full(split.n_points + 3, np.nan)
    path[split.train_targets] = persistence.predict(values, split.train_targets)
    path[split.test_targets] = persistence.predict(values, split.test_targets)
    path[split.n_points :] = persistence.forecast(values, 3)
    result = evaluate(prepared, config, path, persistence)

    assert asked and max(asked) == 80  # each statistical baseline: 40 training and 40 test targets
    scored_test = split.test_targets[-40:]
    for name in (NETWORK_KEY, "persistence", "ets", "theta"):
        expected = forecast_scores(values[scored_test], result.predictions[name][scored_test],
                                   values[: split.n_train], 24).rmse
        assert result.metrics.models[name].test_rmse == pytest.approx(expected, rel=1e-12), name
    for name in ("ets", "theta"):  # the statistical baselines were asked for nothing else
        targets = np.flatnonzero(np.isfinite(result.predictions[name][: split.n_points]))
        assert set(targets) == set(split.train_targets[-40:]) | set(scored_test)
    assert result.backtest is not None and len(result.backtest.origins) == 3
    assert result.backtest.origins == (522, 546, 570)  # the last 3 of 402, 426, ..., 570
    assert ("One-step scores use the last 40 of the 398 training targets and the last 40 of the 198 test "
            "points, the same for every model") in " ".join(result.notes)
    assert "The backtest forecasts from the last 3 of its 8 origins (from point 522 on)" in " ".join(
        result.notes)
    for scores in result.metrics.models.values():  # no NaN reaches a result
        assert all(value is None or np.isfinite(value) for value in vars(scores).values())


def test_theta_sees_only_its_window_and_says_so(monkeypatch):
    monkeypatch.setattr(Theta, "window", 120)
    values = _hourly(400)
    theta = Theta(24).fit(values[:300])
    assert np.array_equal(theta.forecast(values, 5), theta.forecast(values[-120:], 5))
    assert np.array_equal(theta.predict(values, np.array([350])), theta.forecast(values[:350][-120:], 1))
    same = Theta(24).fit(values[180:300])  # fitted on the last 120 training values only
    assert np.array_equal(theta.forecast(values, 5), same.forecast(values, 5))
    _, notes = statistical.make_statistical_baselines(values[:300], 24, names=("theta",))
    assert notes == ["Theta was fitted on the last 120 training points and forecasts from the last 120 "
                     "values before each forecast: its cost grows with the square of the length it is given."]
    assert ETS.window is None  # ETS and ARIMA are linear in the length and see everything
