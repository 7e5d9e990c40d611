"""Split, windows and scaler: exact shapes and no leakage of the test part into training."""

from __future__ import annotations

import numpy as np
import pytest

from models.config import ForecastConfig
from models.errors import ConfigError, DataError
from models.forecast.pipeline import prepare
from models.forecast.split import (
    MinMaxScaler,
    Split,
    check_enough_points,
    make_windows,
    plan_split,
    train_size,
)


def test_train_size_matches_the_seed_program():
    assert train_size(144, 0.33) == 96 == int(144 * 0.67)
    assert train_size(100, 0.33) == 67
    assert train_size(10, 0.3) == 7  # 10 * 0.7 = 6.999999... in floating point, still 7
    assert train_size(100, 0.2) == 80  # 100 * 0.8 is 80.00000000000001 in floats: no surprise


def test_split_targets_never_straddle_the_split():
    split = plan_split(144, 0.33, look_back=12)
    assert (split.n_train, split.n_test) == (96, 48)
    np.testing.assert_array_equal(split.train_targets, np.arange(12, 96))
    np.testing.assert_array_equal(split.test_targets, np.arange(96, 144))  # every test point
    differenced = plan_split(144, 0.33, look_back=12, offset=1)
    np.testing.assert_array_equal(differenced.train_targets, np.arange(13, 96))


def test_windows_have_exact_shapes_and_contents():
    values = np.arange(10.0)
    x, y = make_windows(values, np.array([3, 4, 9]), look_back=3)
    assert x.shape == (3, 3, 1) and y.shape == (3,)
    np.testing.assert_array_equal(x[:, :, 0], [[0, 1, 2], [1, 2, 3], [6, 7, 8]])
    np.testing.assert_array_equal(y, [3, 4, 9])
    with pytest.raises(ValueError):
        make_windows(values, np.array([2]), look_back=3)


def test_train_windows_use_train_values_only_and_test_windows_may_look_back():
    split = Split(n_points=20, n_train=14, look_back=4)
    index = np.arange(20.0)  # values equal to their own index
    x_train, y_train = make_windows(index, split.train_targets, 4)
    assert x_train.max() < 14 and y_train.max() < 14
    x_test, y_test = make_windows(index, split.test_targets, 4)
    np.testing.assert_array_equal(y_test, np.arange(14, 20))
    np.testing.assert_array_equal(x_test[0, :, 0], [10, 11, 12, 13])  # reaches back into the train part


def test_scaler_is_fitted_on_the_training_part_only():
    rng = np.random.default_rng(0)
    values = rng.uniform(10, 20, size=60)
    changed = values.copy()
    changed[40:] *= 100  # a wildly different test part
    config = ForecastConfig(mode="local", look_back=5, transform="none", test_fraction=0.33)
    first, second = prepare(config, values, None), prepare(config, changed, None)
    n_train = first.split.n_train
    assert first.scaler.minimum == values[:n_train].min() and first.scaler.maximum == values[:n_train].max()
    # Nothing the network trains on depends on the test part.
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_train, second.y_train)
    assert first.scaler.minimum == second.scaler.minimum and first.scaler.maximum == second.scaler.maximum


def test_differenced_preparation_has_no_leakage_either():
    values = np.linspace(1, 50, 60) + np.sin(np.arange(60))
    changed = values.copy()
    changed[45:] += 1000
    config = ForecastConfig(mode="local", look_back=6, transform="log_diff")
    first, second = prepare(config, values, None), prepare(config, changed, None)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_train, second.y_train)
    assert first.x_train.shape == (first.split.n_train - 7, 6, 1)
    assert first.x_test.shape == (first.split.n_test, 6, 1)
    assert np.isfinite(first.x_train).all() and np.isfinite(first.x_test).all()


def test_min_max_scaler_round_trips_and_handles_constants():
    scaler = MinMaxScaler().fit(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(scaler.transform([2.0, 6.0, 10.0]), [0.0, 1.0, 2.0])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform([3.3, -7.0])), [3.3, -7.0])
    constant = MinMaxScaler().fit(np.array([5.0, 5.0]))
    np.testing.assert_allclose(constant.transform([5.0, 6.0]), [0.0, 1.0])


def test_headroom_maps_the_training_part_to_a_fraction_of_the_range():
    scaler = MinMaxScaler(headroom=2.0).fit(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(scaler.transform([2.0, 6.0, 10.0]), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(scaler.inverse_transform([0.25, 1.5]), [4.0, 14.0])
    with pytest.raises(ValueError, match="at least 1"):
        MinMaxScaler(headroom=0.5)


def test_too_long_look_back_is_a_plain_data_error():
    with pytest.raises(DataError, match="look-back"):
        plan_split(30, 0.33, look_back=19)
    with pytest.raises(DataError, match="diff"):
        plan_split(30, 0.33, look_back=12, offset=1, transform_name="diff")  # 20 train points: 7 windows


def test_check_enough_points_counts_windows_and_targets():
    def sizes(split):
        return split.n_train, split.n_test, split.train_windows, split.test_targets.size

    assert sizes(check_enough_points(144, 1, 0.33)) == (96, 48, 95, 48)
    assert sizes(check_enough_points(144, 12, 0.33)) == (96, 48, 84, 48)
    assert sizes(check_enough_points(12, 1, 0.2)) == (9, 3, 8, 3)  # the smallest series load_series accepts


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((20, 12, 0.33), DataError,
         "Only 20 points: with a look-back of 12 and a 33% test part the network would have 1 training "
         "window; use a shorter look-back or more data."),
        ((30, 24, 0.5), DataError,
         "Only 30 points: with a look-back of 24 and a 50% test part the network would have 0 training "
         "windows; use a shorter look-back or more data."),
        ((12, 1, 0.05), DataError,
         "Only 12 points: a 5% test part holds 1 point, too few to score a forecast; use a larger test part "
         "or more data."),
        ((100, 0, 0.2), ConfigError, "The look-back must be a whole number of at least 1, got 0."),
        ((100, 1, 1.0), ConfigError, "The test part must be between 0% and 100% of the data, got 1.0."),
    ],
)
def test_check_enough_points_refusals(args, error, message):
    with pytest.raises(error) as caught:
        check_enough_points(*args)
    assert str(caught.value) == message
