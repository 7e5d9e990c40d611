"""Transforms are invertible, aligned with time, and refuse a log of non-positive values."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from models.forecast import transforms

VALUES = np.array([112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0])


@pytest.mark.parametrize("name", ["none", "log", "diff", "log_diff"])
def test_one_step_round_trip_gives_back_the_series(name):
    transformed = transforms.forward(name, VALUES)
    start = transforms.offset(name)
    assert transformed.shape == VALUES.shape
    assert np.isnan(transformed[:start]).all() and np.isfinite(transformed[start:]).all()
    targets = np.arange(max(start, 1), VALUES.size)
    restored = transforms.invert_one_step(name, transformed[targets], VALUES[targets - 1])
    np.testing.assert_allclose(restored, VALUES[targets], rtol=1e-12)


@pytest.mark.parametrize("name", ["none", "log", "diff", "log_diff"])
def test_path_inversion_chains_from_the_last_actual_value(name):
    transformed = transforms.forward(name, VALUES)
    restored = transforms.invert_path(name, transformed[3:], last_actual=VALUES[2])
    np.testing.assert_allclose(restored, VALUES[3:], rtol=1e-12)


def test_hand_computed_differences():
    np.testing.assert_allclose(transforms.forward("diff", VALUES)[1:4], [6.0, 14.0, -3.0])
    np.testing.assert_allclose(transforms.forward("log_diff", VALUES)[1], np.log(118 / 112))
    np.testing.assert_allclose(transforms.invert_path("diff", np.array([1.0, 2.0]), 10.0), [11.0, 13.0])


@pytest.mark.parametrize("name", ["log", "log_diff"])
def test_log_of_non_positive_values_is_a_config_error(name):
    with pytest.raises(ConfigError, match="above zero") as error:
        transforms.forward(name, np.array([3.0, 0.0, 2.0]))
    assert "\n" not in str(error.value)
    transforms.forward("diff", np.array([3.0, 0.0, -2.0]))  # no log: fine


def test_wild_predictions_do_not_overflow():
    restored = transforms.invert_one_step("log", np.array([1e6]), np.array([1.0]))
    assert np.isfinite(restored).all()


def test_unknown_transform_is_a_config_error():
    with pytest.raises(ConfigError):
        transforms.forward("sqrt", VALUES)
