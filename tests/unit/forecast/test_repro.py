"""The reproduction script: the template models/train/forecast_script.py with every setting of the run
written into its settings block as a literal; valid Python that applies each setting.

The template itself runs in tests/unit/train/test_script_templates.py; that an exported script really
reproduces runs is proven by running it: tests/unit/engine/test_export_reproduces.py (slow)."""

from __future__ import annotations

import ast
import dataclasses
import re

import pytest

from models.config import FORECAST_PRESETS, ForecastConfig
from models.errors import ConfigError
from models.forecast.repro import reproduction_script, script_file_name
from models.script_parts import SETTINGS_END, SETTINGS_START, fill_settings, template_text


def without_settings(script: str) -> str:
    """The script with its settings block left out (the marks kept)."""
    head, rest = script.split(SETTINGS_START)
    return head + SETTINGS_START + rest.split(SETTINGS_END)[1]


def constants(script: str) -> dict[str, object]:
    """The module-level NAME = literal assignments of the script."""
    found = {}
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


# Written into the script but not applied by it: the columns of the original file were read by
# LSTM Lab before series.csv was written, and a preset is only the name the other settings came from.
NOT_APPLIED = {"time_column", "target_column", "preset"}


def test_the_script_compiles_and_carries_every_setting():
    config = ForecastConfig(mode="local",
                            look_back=5, units=9, epochs=17, cell="gru", layers=2, dropout=0.1, batch_size=3,
                            learning_rate=0.002, optimizer="rmsprop", test_fraction=0.25, transform="diff",
                            headroom=1.5, test_size=30, horizon=6, stride=2, forecast_steps=4, seed=11,
                            time_column="Month", target_column="Revenue")
    script = reproduction_script(config, data_name="sales.csv", target="Revenue", season_length=12,
                                 stored_test_rmse={"network": 1.5, "ets": 2.0})
    compile(script, "reproduce_sales.py", "exec")
    values = constants(script)
    assert values["DATA_FILE"] == "sales.csv" and values["TARGET"] == "Revenue"
    assert values["DETECTED_SEASON"] == 12 and values["SERIES_FILE"] == "series.csv"
    assert values["STORED_TEST_RMSE"] == {"network": 1.5, "ets": 2.0}
    code = script.split("# ── 1. the series ──")[1]  # the steps, after the settings
    for field in dataclasses.fields(ForecastConfig):  # a new setting fails here until the script uses it
        name = field.name.upper()
        assert values[name] == getattr(config, field.name), name
        if field.name not in NOT_APPLIED:
            assert re.search(rf"\b{name}\b", code), f"the script never applies {name}"
    # Plain NumPy, pandas and Keras only: nothing from LSTM Lab.
    assert "import keras" in script and "import pandas as pd" in script
    assert not re.search(r"^\s*(from|import)\s+models\b", script, flags=re.MULTILINE)


def test_the_seed_preset_and_defaults_compile():
    for config in (ForecastConfig(), FORECAST_PRESETS["seed"]):
        script = reproduction_script(config.to_dict())
        compile(script, "reproduce.py", "exec")
        values = constants(script)
        assert values["LOOK_BACK"] == config.look_back and values["HEADROOM"] == config.headroom
        assert values["TARGET"] == "value" and values["STORED_TEST_RMSE"] == {}


def test_hostile_names_stay_string_literals():
    name = "x'); import os; os.system('echo pwned') #\n.csv"
    target = '<script>alert(1)</script>"""'
    script = reproduction_script(ForecastConfig().to_dict(), data_name=name, target=target)
    compile(script, "reproduce.py", "exec")
    values = constants(script)
    assert values["DATA_FILE"] == name and values["TARGET"] == target
    assert "os.system" not in [line.strip() for line in script.splitlines()]
    assert script_file_name(name) == "reproduce_x_import_os_os_system_echo_pwned.py"
    assert script_file_name("../../Sales data.v2.csv") == "reproduce_Sales_data_v2.py"


def test_an_invalid_configuration_is_refused():
    with pytest.raises(ConfigError):
        reproduction_script({**ForecastConfig().to_dict(), "units": 0})
    with pytest.raises(ConfigError):
        reproduction_script({**ForecastConfig().to_dict(), "cell": "__import__('os')"})


def test_the_export_changes_only_the_settings_block_and_the_scripts_name():
    template = template_text("forecast_script.py")
    script = reproduction_script(ForecastConfig(), data_name="sales.csv")
    expected = without_settings(template).replace("reproduce_data.py", "reproduce_sales.py")
    assert without_settings(script) == expected
    assert "python reproduce_sales.py" in script.split(SETTINGS_START)[0]  # the docstring says how to run it
    # A file named like the template's example keeps its name in the settings.
    script = reproduction_script(ForecastConfig(), data_name="reproduce_data.py")
    assert constants(script)["DATA_FILE"] == "reproduce_data.py"


def test_a_template_without_a_settings_block_is_refused():
    with pytest.raises(ValueError, match="no settings block"):
        fill_settings("print('hello')\n", ["X = 1"])
