"""The reproduction scripts' templates are real modules: imported and run here on a tiny run, and the
parts they copy from LSTM Lab (the rule of the "auto" transform, the seeded network parts, the digits'
class-balanced split) are checked to be the same as LSTM Lab's own.

That an exported script repeats a run's numbers is proven by running it:
tests/unit/engine/test_export_reproduces.py (slow)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re

import numpy as np
import pandas as pd
import pytest

from models.config import TRANSFORMS, DigitsConfig, ForecastConfig
from models.digits import data as digits_data
from models.digits.data import BUNDLED_PATH
from models.errors import DataError
from models.forecast import pipeline, transforms
from models.forecast.split import MIN_TRAIN_WINDOWS
from models.script_parts import SETTINGS_END, SETTINGS_START, template_text
from models.train import digits_script, forecast_script, keras_models, pretrained
from models.train.forecaster import UNROLL_MAX_LOOK_BACK

NETWORK_PARTS = ("layer_seed", "recurrent_layer", "output_layer", "make_optimizer")


def settings_names(source: str) -> list[str]:
    """The names the settings block of a script (or template) assigns, in order."""
    block = source.split(SETTINGS_START, 1)[1].split(SETTINGS_END, 1)[0]
    return [node.targets[0].id for node in ast.parse(block).body if isinstance(node, ast.Assign)]


def function_nodes(source: str) -> dict[str, str]:
    """name -> ast dump of every top-level function of ``source``."""
    return {node.name: ast.dump(node) for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def tiny_series(tmp_path, points=40, season=4):
    """A positive seasonal series with a trend, written as series.csv (time, value); its values [N]."""
    steps = np.arange(points)
    noise = np.random.default_rng(0).normal(0, 1, points)
    values = 50 + steps + 10 * np.sin(2 * np.pi * steps / season) + noise
    path = tmp_path / "series.csv"
    pd.DataFrame({"time": steps, "value": values}).to_csv(path, index=False)
    return path, pd.read_csv(path)["value"].to_numpy()


def printed(output: str, label: str) -> float:
    match = re.search(rf"^{re.escape(label)}: (-?\d+\.\d{{6}})$", output, flags=re.MULTILINE)
    assert match, f"no line {label!r} in:\n{output}"
    return float(match.group(1))


def rmse(actual, predicted) -> float:
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(predicted)) ** 2)))


# ── the templates' settings: every field of the configuration, with defaults that run ──


def test_the_forecast_template_has_a_default_for_every_setting_the_export_writes():
    names = settings_names(template_text("forecast_script.py"))
    fields = [field.name.upper() for field in dataclasses.fields(ForecastConfig)]
    assert names == [*fields, "DETECTED_SEASON", "DATA_FILE", "TARGET", "SERIES_FILE", "STORED_TEST_RMSE",
                     "PRETRAINED_FILE", "PRETRAINED_LOOK_BACK", "FINE_TUNE_EPOCHS", "FINE_TUNE_LEARNING_RATE",
                     "FINE_TUNE_BATCH_SIZE"]
    ForecastConfig.from_dict({field.name: getattr(forecast_script, field.name.upper())  # valid defaults
                              for field in dataclasses.fields(ForecastConfig)})


def test_the_digits_template_has_a_default_for_every_setting_the_export_writes():
    names = settings_names(template_text("digits_script.py"))
    fields = [field.name.upper() for field in dataclasses.fields(DigitsConfig)]
    assert names == [*fields, "BUNDLED_FILE", "BUNDLED_TEST_FRACTION", "STORED"]
    DigitsConfig.from_dict({field.name: getattr(digits_script, field.name.upper())
                            for field in dataclasses.fields(DigitsConfig)})
    assert BUNDLED_PATH.name == digits_script.BUNDLED_FILE
    assert digits_data.BUNDLED_TEST_FRACTION == digits_script.BUNDLED_TEST_FRACTION


def test_the_templates_are_plain_scripts():
    for name in ("forecast_script.py", "digits_script.py"):
        source = template_text(name)
        assert not re.search(r"^\s*(from|import)\s+models\b", source, flags=re.MULTILINE), name
        assert "noqa" not in source, name
        assert source.count(SETTINGS_START) == 1 and source.count(SETTINGS_END) == 1, name


# ── the templates run: the forecast script on a tiny series, the digits script on 100 digits ──


def test_the_forecast_template_runs_on_a_tiny_series(tmp_path, capsys):
    path, values = tiny_series(tmp_path)
    forecast_script.main(str(path))
    output = capsys.readouterr().out
    # 40 points, test fraction 0.25: 30 train; "auto" takes seasonal differences (lag 4) with a
    # look-back of 3, so the training windows are 30 - 4 - 3 = 23.
    assert "40 points of 'value' from series.csv: 30 train (23 windows), 10 test" in output
    assert "epoch 1/2  loss " in output and "epoch 2/2  loss " in output
    assert np.isfinite(printed(output, "network test RMSE"))
    test = values[30:]
    assert printed(output, "persistence test RMSE") == pytest.approx(rmse(test, values[29:39]), abs=5e-7)
    assert printed(output, "seasonal_naive test RMSE") == pytest.approx(rmse(test, values[26:36]), abs=5e-7)
    assert printed(output, "mean test RMSE") == pytest.approx(rmse(test, np.mean(values[:30])), abs=5e-7)
    for name in ("drift", "network 4-step backtest RMSE", "seasonal_naive 4-step backtest RMSE"):
        label = name if "backtest" in name else f"{name} test RMSE"
        assert np.isfinite(printed(output, label))
    assert "4 steps ahead from 2 origins in the test part:" in output  # origins 30 and 34
    forecast = re.search(r"^network forecast of the next 3 steps: (.+)$", output, flags=re.MULTILINE)
    assert forecast and len(forecast.group(1).split(", ")) == 3
    assert "LSTM Lab stored these test RMSEs: network 1.000000" in output


def test_the_forecast_template_runs_every_branch(tmp_path, capsys, monkeypatch):
    """A direct two-layer GRU ensemble with dropout on the log of a series without a season, a test
    part in points, a horizon and a stride; a statistical baseline whose figure was stored."""
    path, _ = tiny_series(tmp_path)
    for name, value in {"CELL": "gru", "LAYERS": 2, "DROPOUT": 0.1, "ENSEMBLE": 2, "STRATEGY": "direct",
                        "TRANSFORM": "log", "TEST_SIZE": 8, "HORIZON": 3, "STRIDE": 2, "EPOCHS": 1,
                        "OPTIMIZER": "rmsprop", "DETECTED_SEASON": None,
                        "STORED_TEST_RMSE": {"network": 2.0, "ets": 3.5}}.items():
        monkeypatch.setattr(forecast_script, name, value)
    # As without statsforecast: the stored figure stands in.
    monkeypatch.setattr(forecast_script, "statistical_baselines", lambda *args: {})
    forecast_script.main(str(path))
    output = capsys.readouterr().out
    assert "40 points of 'value' from series.csv: 32 train (29 windows), 8 test" in output
    assert np.isfinite(printed(output, "network test RMSE"))
    assert "seasonal_naive" not in output  # no season
    assert "ets test RMSE: 3.500000 (stored by LSTM Lab; install statsforecast to recompute it)" in output
    assert "3 steps ahead from 3 origins in the test part:" in output  # origins 32, 34 and 36
    assert np.isfinite(printed(output, "network 3-step backtest RMSE"))


def test_the_digits_template_runs_on_a_hundred_digits(capsys, monkeypatch):
    monkeypatch.setattr(digits_script, "BUNDLED_FILE", str(BUNDLED_PATH))
    digits_script.main()
    output = capsys.readouterr().out
    assert "100 training and 1000 test digits (bundled)" in output
    assert "epoch 1/1  loss " in output
    assert 0.0 <= printed(output, "network test accuracy") <= 1.0
    assert np.isfinite(printed(output, "network test loss"))
    assert "LSTM Lab stored: test accuracy None, test loss None" in output


# ── one rule for "auto": LSTM Lab's, copied into the forecast script ──


def test_the_script_picks_the_auto_transform_by_the_apps_rule():
    assert forecast_script.MIN_TRAIN_WINDOWS == MIN_TRAIN_WINDOWS
    for season in (None, 2, 3, 4, 7, 12, 24, 52):
        for look_back in (1, 2, 5, 12, 30):
            for n_train in range(0, 160):
                case = (season, n_train, look_back)
                assert forecast_script.auto_transform(*case) == transforms.auto_transform(*case), case


def test_the_scripts_chosen_transform_is_the_apps_resolve(monkeypatch):
    for name in TRANSFORMS:
        monkeypatch.setattr(forecast_script, "TRANSFORM", name)
        for look_back in (1, 12):
            monkeypatch.setattr(forecast_script, "LOOK_BACK", look_back)
            for season in (None, 4, 12):
                for n_train in (10, 20, 21, 22, 40):
                    assert (forecast_script.chosen_transform(season, n_train)
                            == transforms.resolve(name, season, n_train, look_back)), (name, season, n_train)


def test_the_pipeline_picks_the_auto_transform_by_the_same_rule():
    """``prepare`` (which falls back to step differences when the split cannot spare a season)
    chooses what ``auto_transform`` says, on series just long enough and longer."""
    chosen = set()
    for look_back in (1, 3, 12):
        for season in (None, 4, 12):
            for n_points in range(12, 80):
                config = ForecastConfig(mode="local", look_back=look_back, test_fraction=0.25)
                values = 100 + np.arange(n_points, dtype=np.float64)
                try:
                    prepared = pipeline.prepare(config, values, season)
                except DataError:
                    continue
                expected = transforms.auto_transform(season, prepared.split.n_train, look_back)
                assert prepared.transform == expected, (look_back, season, n_points)
                chosen.add(expected)
    assert chosen == {"diff", "season_diff"}


# ── the seeded network parts and the digits' split: the same everywhere ──


def test_both_scripts_carry_the_same_network_parts():
    forecast_functions = function_nodes(template_text("forecast_script.py"))
    digits_functions = function_nodes(template_text("digits_script.py"))
    for name in NETWORK_PARTS:
        assert forecast_functions[name] == digits_functions[name], name


def test_the_scripts_seed_layers_like_the_app():
    assert forecast_script.UNROLL_MAX_LOOK_BACK == UNROLL_MAX_LOOK_BACK
    for seed in (0, 7, 12345):
        for index in range(4):
            for role in range(3):
                case = (seed, index, role)
                assert forecast_script.layer_seed(*case) == keras_models.layer_seed(*case), case


def test_the_script_normalises_the_pretrained_networks_windows_like_the_app():
    rng = np.random.default_rng(4)
    histories = [rng.normal(50, 20, size) for size in (1, 2, 11, 12, 40)]
    histories += [np.zeros(5), -np.arange(1.0, 9.0)]
    for look_back in (1, 12, 36):
        for ours, theirs in zip(forecast_script.normalised_windows(histories, look_back),
                                pretrained.normalised_windows(histories, look_back), strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_the_digits_script_splits_the_digits_with_lstm_labs_own_functions():
    script_functions = function_nodes(template_text("digits_script.py"))
    for function in (digits_data.stratified_order, digits_data.stratified_split):
        (node,) = ast.parse(inspect.getsource(function)).body
        assert script_functions[function.__name__] == ast.dump(node), function.__name__
