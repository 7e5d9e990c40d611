"""Transforms are invertible, aligned with time, refuse a log of non-positive values, and ``auto``
chooses from the data alone."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from models.forecast import transforms

VALUES = np.array([112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0])
SEASON = 4
NAMES = ["none", "log", "diff", "log_diff", "season_diff", "log_season_diff"]


@pytest.mark.parametrize("name", NAMES)
def test_one_step_round_trip_gives_back_the_series(name):
    transformed = transforms.forward(name, VALUES, SEASON)
    start = transforms.offset(name, SEASON)
    assert start == {"none": 0, "log": 0, "diff": 1, "log_diff": 1}.get(name, SEASON)
    assert transformed.shape == VALUES.shape
    assert np.isnan(transformed[:start]).all() and np.isfinite(transformed[start:]).all()
    targets = np.arange(max(start, 1), VALUES.size)
    restored = transforms.invert_one_step(name, transformed[targets], VALUES[targets - max(start, 1)])
    np.testing.assert_allclose(restored, VALUES[targets], rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_path_inversion_chains_from_the_actual_values_before_it(name):
    transformed = transforms.forward(name, VALUES, SEASON)
    restored = transforms.invert_path(name, transformed[5:], VALUES[:5], SEASON)
    np.testing.assert_allclose(restored, VALUES[5:], rtol=1e-12)


def test_hand_computed_differences():
    np.testing.assert_allclose(transforms.forward("diff", VALUES)[1:4], [6.0, 14.0, -3.0])
    np.testing.assert_allclose(transforms.forward("log_diff", VALUES)[1], np.log(118 / 112))
    np.testing.assert_allclose(transforms.invert_path("diff", np.array([1.0, 2.0]), np.array([10.0])),
                               [11.0, 13.0])
    np.testing.assert_allclose(transforms.forward("season_diff", VALUES, SEASON)[4:6], [121 - 112, 135 - 118])
    # A path longer than a season builds on its own forecast a season back: 1, 2 | 1 + 5 = 6.
    np.testing.assert_allclose(transforms.invert_path("season_diff", np.array([1.0, 2.0, 5.0]),
                                                      np.array([0.0, 0.0]), 2), [1.0, 2.0, 6.0])


@pytest.mark.parametrize("name", ["log", "log_diff", "log_season_diff"])
def test_log_of_non_positive_values_is_a_config_error(name):
    with pytest.raises(ConfigError, match="above zero") as error:
        transforms.forward(name, np.array([3.0, 0.0, 2.0, 1.0]), 2)
    assert "\n" not in str(error.value)
    transforms.forward("diff", np.array([3.0, 0.0, -2.0]))  # no log: fine


def test_a_seasonal_difference_without_a_season_is_a_config_error():
    with pytest.raises(ConfigError, match="needs a season length"):
        transforms.forward("season_diff", VALUES, None)


def test_auto_chooses_from_the_data_alone():
    assert transforms.resolve("auto", 12) == "season_diff"
    assert transforms.resolve("auto", None) == "diff"  # no season
    assert transforms.resolve("log", 12) == "log"  # anything else is taken as it is


def test_wild_predictions_do_not_overflow():
    restored = transforms.invert_one_step("log", np.array([1e6]), np.array([1.0]))
    assert np.isfinite(restored).all()


def test_unknown_transform_is_a_config_error():
    with pytest.raises(ConfigError):
        transforms.forward("sqrt", VALUES)


def test_auto_in_a_run_takes_seasonal_differences_unless_the_series_cannot_spare_a_season():
    from models.config import ForecastConfig
    from models.forecast.pipeline import prepare

    config = ForecastConfig(mode="local", look_back=4, test_size=6)  # transform auto, the default
    rng = np.random.default_rng(0)
    long, short = (100 + 10 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 1, n) for n in (60, 26))
    assert prepare(config, long, 12).transform == "season_diff"
    assert prepare(config, long, None).transform == "diff"
    # 26 points, 6 tested: 20 - 12 - 4 = 4 training windows after a seasonal difference, too few.
    fallback = prepare(config, short, 12)
    assert fallback.transform == "diff" and fallback.split.offset == 1
    assert any("(auto: diff)" in note for note in fallback.notes)
