"""The Learn page's toy tasks: the roommate follows the article's rule; the memory task is solvable."""

from __future__ import annotations

import numpy as np
import pytest

from models.config import LearnConfig, config_from_dict
from models.errors import ConfigError
from models.lessons import tasks as toy_tasks

APPLE, BURGER, CHICKEN = range(3)


def test_the_dishes_cycle_in_the_articles_order():
    assert toy_tasks.DISHES == ("apple pie", "burger", "chicken")
    assert [toy_tasks.roommate_rule(dish, toy_tasks.RAINY) for dish in range(3)] == [BURGER, CHICKEN, APPLE]


def test_sunny_days_repeat_yesterday_and_rainy_days_cook_the_next_dish():
    # By hand: apple pie; R -> burger, R -> chicken, S -> chicken, R -> apple pie, S -> apple pie.
    weather = toy_tasks.parse_weather("R R S R S")
    assert toy_tasks.roommate_dinners(weather).tolist() == [APPLE, BURGER, CHICKEN, CHICKEN, APPLE, APPLE]


def test_a_long_random_sequence_follows_the_rule_every_day():
    weather = toy_tasks.random_weather(500, 0.4, seed=3)
    dinners = toy_tasks.roommate_dinners(weather, first_dish=CHICKEN)
    assert dinners[0] == CHICKEN and len(dinners) == 501
    for day in range(1, 501):
        if weather[day - 1] == toy_tasks.SUNNY:
            assert dinners[day] == dinners[day - 1]
        else:
            assert dinners[day] == (dinners[day - 1] + 1) % 3
    assert 0.3 < weather.mean() < 0.5  # about the chance of rain asked for
    assert np.array_equal(weather, toy_tasks.random_weather(500, 0.4, seed=3))  # seeded


def test_weather_text_round_trips_and_bad_letters_are_one_sentence():
    weather = toy_tasks.parse_weather("srrS, R")
    assert toy_tasks.weather_text(weather) == "SRRSR"
    with pytest.raises(ConfigError, match="S \\(sunny\\) and R \\(rainy\\) only; found x"):
        toy_tasks.parse_weather("SRX")
    with pytest.raises(ConfigError, match="at least one day"):
        toy_tasks.parse_weather("  ")


def test_windows_hold_yesterday_and_the_days_weather_and_the_answer_is_the_rule():
    weather = toy_tasks.random_weather(60, 0.5, seed=1)
    x, y, day_weather = toy_tasks.roommate_windows(weather, window=4)
    assert x.shape == (57, 4, toy_tasks.DAY_FEATURES) and y.shape == (57,)
    assert np.all(x.sum(axis=2) == 2)  # one dish and one weather per step
    last = x[:, -1, :]
    yesterday, today = last[:, :3].argmax(axis=1), last[:, 3:].argmax(axis=1)
    assert np.array_equal(today, day_weather)
    assert [toy_tasks.roommate_rule(a, b) for a, b in zip(yesterday, today, strict=True)] == y.tolist()
    # Consecutive steps chain: the dish a step predicts is the next step's "yesterday".
    assert np.array_equal(x[:-1, -1, :3].argmax(axis=1), x[1:, -2, :3].argmax(axis=1))
    with pytest.raises(ConfigError):
        toy_tasks.roommate_windows(weather[:3], window=4)


def test_pair_windows_end_with_the_asked_pair_after_a_consistent_history():
    for dish in range(3):
        for weather in range(2):
            steps = toy_tasks.pair_window(dish, weather, window=3)
            assert steps.shape == (3, 5)
            assert steps[-1, :3].argmax() == dish and steps[-1, 3:].argmax() == weather
            # Earlier days: sunny, same dish (consistent with the rule).
            assert np.all(steps[:-1, :3].argmax(axis=1) == dish) and np.all(steps[:-1, 3] == 1)
    assert toy_tasks.rule_table() == [[APPLE, BURGER], [BURGER, CHICKEN], [CHICKEN, APPLE]]


def test_the_memory_task_is_solvable_by_construction_and_only_by_memory():
    x, y = toy_tasks.memory_task(2000, 12, symbols=6, seed=0)
    assert x.shape == (2000, 12, 7) and y.shape == (2000,)
    assert np.all(x[:, :, :6].sum(axis=2) == 1)  # one symbol per step
    assert np.all(x[:, 0, 6] == 1) and np.all(x[:, 1:, 6] == 0)  # the start flag marks step one only
    assert np.mean(toy_tasks.memory_rule(x) == y) == 1.0  # the perfect rule
    # Nothing after step one tells the answer: guessing from the last symbol is at chance.
    last_symbol = x[:, -1, :6].argmax(axis=1)
    assert abs(np.mean(last_symbol == y) - toy_tasks.chance_accuracy(6)) < 0.03


def test_learn_config_round_trips_through_json_types_and_validates():
    config = toy_tasks.LEARN_PRESETS["memory"]
    data = config.to_dict()
    data["cells"], data["lengths"] = list(data["cells"]), list(data["lengths"])  # as JSON gives them
    again = config_from_dict(data)
    assert again == config and isinstance(again.lengths, tuple)
    assert toy_tasks.LEARN_PRESETS["roommate"].task == "roommate"
    for bad in ({"task": "poetry"}, {"cells": ()}, {"cells": ("lstm", "lstm")}, {"lengths": (1,)},
                {"weather": "SRQ"}, {"symbols": 1}, {"lengths": (2, 3, 4, 5, 6, 7, 8)}):
        with pytest.raises(ConfigError):
            LearnConfig(**bad)
