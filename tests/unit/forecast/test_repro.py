"""The reproduction script: valid Python with the run's settings as literals, and it reproduces the run."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.config import FORECAST_PRESETS, ForecastConfig
from models.errors import ConfigError
from models.forecast.repro import reproduction_script, script_file_name

ROOT = Path(__file__).resolve().parents[3]
AIRLINE = ROOT / "data" / "airline-passengers.csv"


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


def test_the_script_compiles_and_carries_every_setting():
    config = ForecastConfig(look_back=5, units=9, epochs=17, cell="gru", layers=2, dropout=0.1, batch_size=3,
                            learning_rate=0.002, optimizer="rmsprop", test_fraction=0.25, transform="diff",
                            seed=11)
    script = reproduction_script(config.to_dict(), "sales.csv", target="Revenue", time_column="Month",
                                 season_length=12)
    compile(script, "reproduce_sales.py", "exec")
    values = constants(script)
    assert values["DATA_FILE"] == "sales.csv" and values["TARGET"] == "Revenue"
    assert values["TIME_COLUMN"] == "Month" and values["SEASON_LENGTH"] == 12
    for name, expected in [("LOOK_BACK", 5), ("UNITS", 9), ("EPOCHS", 17), ("CELL", "gru"), ("LAYERS", 2),
                           ("DROPOUT", 0.1), ("BATCH_SIZE", 3), ("LEARNING_RATE", 0.002),
                           ("OPTIMIZER", "rmsprop"), ("TEST_FRACTION", 0.25), ("TRANSFORM", "diff"),
                           ("SEED", 11)]:
        assert values[name] == expected, name
    # Plain Keras and pandas only: nothing from LSTM Lab.
    assert "import keras" in script and "import pandas as pd" in script
    assert not re.search(r"^\s*(from|import)\s+models\b", script, flags=re.MULTILINE)


def test_the_seed_preset_and_defaults_compile():
    for config in (ForecastConfig(), FORECAST_PRESETS["seed"]):
        script = reproduction_script(config.to_dict(), None)
        compile(script, "reproduce.py", "exec")
        values = constants(script)
        assert values["LOOK_BACK"] == config.look_back and values["TRANSFORM"] == config.transform
        assert values["DATA_FILE"] == "data.csv" and values["TARGET"] is None


def test_hostile_names_stay_string_literals():
    name = "x'); import os; os.system('echo pwned') #\n.csv"
    target = '<script>alert(1)</script>"""'
    script = reproduction_script(ForecastConfig().to_dict(), name, target=target)
    compile(script, "reproduce.py", "exec")
    values = constants(script)
    assert values["DATA_FILE"] == name and values["TARGET"] == target
    assert "os.system" not in [line.strip() for line in script.splitlines()]
    assert script_file_name(name) == "reproduce_x_import_os_os_system_echo_pwned.py"
    assert script_file_name("../../Sales data.v2.csv") == "reproduce_Sales_data_v2.py"


def test_an_invalid_configuration_is_refused():
    with pytest.raises(ConfigError):
        reproduction_script({**ForecastConfig().to_dict(), "units": 0}, "a.csv")
    with pytest.raises(ConfigError):
        reproduction_script({**ForecastConfig().to_dict(), "cell": "__import__('os')"}, "a.csv")


def _rmse_line(output: str, label: str) -> float:
    match = re.search(rf"^{label} test RMSE:\s+([0-9.]+)$", output, flags=re.MULTILINE)
    assert match, output
    return float(match.group(1))


@pytest.mark.slow
def test_the_script_reproduces_the_run_on_airline(tmp_path):
    from models.data import load_series
    from models.train.forecaster import train_forecaster

    config = ForecastConfig(epochs=3, units=4, look_back=6)
    result = train_forecaster(config, load_series(AIRLINE))
    script = tmp_path / "reproduce.py"
    script.write_text(reproduction_script(config.to_dict(), AIRLINE.name, target="Passengers",
                                          time_column="Month", season_length=12))
    (tmp_path / AIRLINE.name).write_bytes(AIRLINE.read_bytes())
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]

    # Baselines checked by hand: the last 48 of 144 months, one step ahead.
    values = np.loadtxt(AIRLINE, delimiter=",", skiprows=1, usecols=1)
    test = values[96:]
    assert _rmse_line(out.stdout, "persistence") == pytest.approx(
        np.sqrt(np.mean((test - values[95:-1]) ** 2)), abs=1e-4)
    assert _rmse_line(out.stdout, "seasonal naive") == pytest.approx(
        np.sqrt(np.mean((test - values[84:-12]) ** 2)), abs=1e-4)
    # Same initial weights, shuffling and mathematics as the app's fast loop: the same network score.
    assert _rmse_line(out.stdout, "network") == pytest.approx(result.metrics.network.test_rmse, rel=1e-3)
