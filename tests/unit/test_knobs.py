"""Each setting is declared once (models.knobs): the configurations validate with it, the command
line's flags are built from it, and every field a person can set has one."""

from __future__ import annotations

import dataclasses

import pytest

from models.cli import build_parser
from models.config import DigitsConfig, ForecastConfig, LearnConfig
from models.errors import ConfigError
from models.knobs import DIGITS_KNOBS, FORECAST_KNOBS, LEARN_KNOBS

# Chosen from the data or by name, or several values at once (checked one by one), not turned.
NOT_KNOBS = {"time_column", "target_column", "preset", "weather", "cells", "lengths"}
CASES = [(ForecastConfig, FORECAST_KNOBS, "forecast"), (DigitsConfig, DIGITS_KNOBS, "digits")]
ALL_CASES = [*CASES, (LearnConfig, LEARN_KNOBS, "learn")]


@pytest.mark.parametrize(("config_class", "knobs", "_"), ALL_CASES)
def test_every_settable_field_has_one_knob(config_class, knobs, _):
    fields = {field.name for field in dataclasses.fields(config_class)} - NOT_KNOBS
    assert set(knobs) == fields
    for knob in knobs.values():
        knob.check(getattr(config_class(), knob.name))  # the defaults are inside the declared ranges
        low, high = knob.widget_range  # a page's widget never offers what the core refuses
        assert knob.kind is str or knob.low <= low <= high <= knob.high


@pytest.mark.parametrize(("config_class", "knobs", "_"), ALL_CASES)
def test_the_configuration_refuses_just_outside_each_range(config_class, knobs, _):
    for knob in knobs.values():
        if knob.kind is str:
            with pytest.raises(ConfigError, match=f"{knob.label} must be one of"):
                config_class(**{knob.name: "nonsense"})
            continue
        step = 1 if knob.kind is int else knob.high * 1e-3
        for outside in (knob.low - step, knob.high + step):
            with pytest.raises(ConfigError, match=f"{knob.label} must be between"):
                config_class(**{knob.name: knob.kind(outside)})
        config_class(**{knob.name: knob.kind(knob.high)})  # the edges themselves are allowed


@pytest.mark.parametrize(("config_class", "knobs", "command"), CASES)
def test_the_command_line_offers_each_knob_as_declared(config_class, knobs, command):
    subcommand = build_parser()._subparsers._group_actions[0].choices[command]
    actions = {action.dest: action for action in subcommand._actions}
    for knob in knobs.values():
        action = actions[knob.name]
        assert action.option_strings == [knob.flag]
        assert action.help.startswith(knob.cli_help)
        if knob.kind is str:
            assert tuple(action.choices) == knob.choices
        else:
            assert action.type is knob.kind
