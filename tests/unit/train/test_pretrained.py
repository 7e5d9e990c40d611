"""The global network: every window on one scale, trained across series, forecasting any of them."""

from __future__ import annotations

import numpy as np
import pytest

from models.train.pretrained import GlobalShape, normalised_windows, train_global, training_examples


def test_windows_are_scaled_by_their_own_level_and_mark_the_real_values():
    windows, lasts, levels = normalised_windows([np.array([2.0, 4.0, 6.0]), np.array([50.0])], look_back=4)
    assert lasts.tolist() == [6.0, 50.0] and levels.tolist() == [4.0, 50.0]
    np.testing.assert_allclose(windows[0, :, 0], [-1.0, -1.0, -0.5, 0.0])  # the first value repeated in front
    assert windows[0, :, 1].tolist() == [0, 1, 1, 1] and windows[1, :, 1].tolist() == [0, 0, 0, 1]
    # The same shape at another scale is the same window.
    scaled, _, _ = normalised_windows([np.array([2.0, 4.0, 6.0]) * 1000], look_back=4)
    np.testing.assert_allclose(scaled[0], windows[0])


def test_targets_past_the_end_of_a_series_are_marked_missing():
    x, y = training_examples([np.array([1.0, 2.0, 3.0, 4.0])], GlobalShape(look_back=3, horizon=3))
    assert x.shape == (2, 3, 2) and y.shape == (2, 6)  # origins 2 and 3
    np.testing.assert_allclose(y[0], [1 / 1.5, 2 / 1.5, 0, 1, 1, 0])  # from [1, 2]: level 1.5, last 2
    np.testing.assert_allclose(y[1], [1 / 2, 0, 0, 1, 0, 0])


def test_a_global_network_forecasts_series_of_any_scale_and_length():
    rng = np.random.default_rng(1)
    series = [level * (1 + 0.02 * np.arange(30)) + rng.normal(0, 0.01 * level, 30)
              for level in rng.uniform(10, 1000, 40)]
    network = train_global(series, GlobalShape(look_back=6, horizon=3, units=8), epochs=30, batch_size=64)
    assert network.fit(series[0]) is network  # it forecasts as it is
    short, long = np.array([100.0, 102.0, 104.0]), 5000 * (1 + 0.02 * np.arange(20))
    forecasts = network.forecast_many([short, long], [3, 7])
    assert [forecast.size for forecast in forecasts] == [3, 7]  # 7: a horizon fed back twice
    assert all(np.isfinite(forecast).all() for forecast in forecasts)
    assert forecasts[1][0] > long[-1] and forecasts[1][-1] > forecasts[1][0]  # a rise goes on rising


def test_saved_networks_load_back_with_the_same_forecasts(tmp_path):
    from models.train import pretrained

    series = [np.linspace(1, 2, 20) * level for level in (10, 50, 300)]
    recipe = pretrained.Recipe(look_back=5, horizon=2, units=4, epochs=2, members=2)
    trained = pretrained.train_members(series, recipe)
    assert len(trained.models) == 2 and "median of 2 networks" in trained.describe()
    pretrained.save_networks(trained, tmp_path / "tiny.npz")
    loaded = pretrained.load_networks(tmp_path / "tiny.npz", recipe)
    counts = [5, 5, 5]
    np.testing.assert_allclose(loaded.forecast_many(series, counts), trained.forecast_many(series, counts))


def test_each_season_has_its_network():
    from models.train.pretrained import kind_of_season

    assert [kind_of_season(season) for season in (None, 1, 2, 4, 6, 7, 12, 52)] == [
        "yearly", "yearly", "quarterly", "quarterly", "quarterly", "monthly", "monthly", "monthly"]


def test_the_shipped_networks_are_what_their_command_trains(tmp_path):
    """The provenance of the shipped weights: each file's hash is the one recorded, and the recorded
    command re-creates the yearly network (the quickest to train; the others come from the same code
    with their own recipes) with the same forecasts on a few M1 series."""
    import hashlib
    import json
    import runpy

    from models.train import pretrained

    provenance = json.loads((pretrained.SHIPPED_DIR / "provenance.json").read_text())
    seen = provenance.pop("seen")
    assert set(provenance) == set(pretrained.SHIPPED)
    assert hashlib.sha256((pretrained.SHIPPED_DIR / "seen.npz").read_bytes()).hexdigest() == seen["sha256"]
    for kind, facts in provenance.items():
        weights = (pretrained.SHIPPED_DIR / f"{kind}.npz").read_bytes()
        assert hashlib.sha256(weights).hexdigest() == facts["sha256"]
        assert facts["recipe"] == pretrained.SHIPPED[kind].to_dict()
        assert "M1" in facts["data"] and facts["command"].endswith(f"--kinds {kind}")
    root = pretrained.SHIPPED_DIR.parents[2]
    command = runpy.run_path(str(root / "scripts" / "train_pretrained.py"))  # defines main, runs nothing
    assert command["main"](["--kinds", "yearly", "--output", str(tmp_path)]) == 0
    again = pretrained.load_networks(tmp_path / "yearly.npz", pretrained.SHIPPED["yearly"])
    shipped = pretrained.load_shipped("yearly")
    histories = [np.array([120.0, 131, 140, 152, 149, 160, 171]), np.array([5.0, 4.2, 4.4, 3.9, 3.1])]
    np.testing.assert_allclose(again.forecast_many(histories, [6, 6]),
                               shipped.forecast_many(histories, [6, 6]), rtol=1e-4)
    # And the values it learned from, which no run is scored on with it (models/forecast/seen.py).
    with np.load(tmp_path / "seen.npz") as written, np.load(pretrained.SHIPPED_DIR / "seen.npz") as shipped:
        np.testing.assert_array_equal(written["hashes"], shipped["hashes"])


@pytest.mark.parametrize("kind, season", [("yearly", None), ("quarterly", 4), ("monthly", 12)])
def test_the_shipped_networks_forecast_a_trend_along_it(kind, season):
    """A straight line with noise, at any scale, goes on along its slope: neither flattened nor exploded."""
    from models.train.pretrained import kind_of_season, load_shipped

    assert kind_of_season(season) == kind
    rng = np.random.default_rng(4)
    steps = np.arange(40)
    for scale in (1.0, 1e4):
        line = scale * (100.0 + 2.0 * steps + rng.normal(0.0, 0.5, steps.size))
        forecast = load_shipped(kind).forecast_many([line], [8])[0]
        expected = scale * (100.0 + 2.0 * np.arange(40, 48))
        assert np.all(np.abs(forecast - expected) < 0.1 * expected), (kind, scale, forecast)
        assert forecast[-1] > line[-1]
