"""The script that reproduces a forecasting run with plain Keras, filled in with the run's settings.

The script itself is a real Python module, models/train/forecast_script.py (it imports Keras, so it
lives in the training room; ruff lints it and a fast test runs it on a tiny series). This module
never imports it: ``reproduction_script(config, ...)`` reads its source as text and writes the run's
settings in place of its settings block (models/script_parts.py), every field of the configuration
(a test checks it) as a Python literal (``repr``), never pasted as code, so a column or file name
cannot inject anything. This module only writes text.

The run's zip export (models/engine/export.py) puts the script next to ``series.csv``, the cleaned
series the run trained on, so the script never repeats the app's reading of awkward files. Run from
the unpacked folder with no arguments, it repeats the run's steps one by one:

    series.csv ─ transform (none, log, step or seasonal differences, auto) ─ chronological split
    (test fraction or test points) ─ scaler fitted on the training part only, with the run's
    headroom ─ look-back windows ─ the same network (cell, units, layers, dropout, unroll, Dense(1), or
    Dense(horizon) for direct forecasts)
    seeded like the app (an ensemble: its networks side by side in one model) ─ one model.fit epoch at a
    time in the app's per-epoch order (a pretrained run: the weights it started from, ``pretrained.npz``,
    fine-tuned like the app when it was) ─ one-step test forecasts (the networks' median) ─ the naive
    baselines in NumPy and the statistical ones with statsforecast (else the
    stored figures) ─ the multi-step backtest (horizon, stride) ─ the forecast past the end

and prints one line per model, ``network test RMSE: 23.974512`` (six decimals). The rule that picks
the "auto" transform is models/forecast/transforms.py's ``auto_transform``; the script carries a
copy, and tests/unit/train/test_script_templates.py checks that the two agree.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from models.config import FINE_TUNE_BATCH_SIZE, FINE_TUNE_EPOCHS, FINE_TUNE_LEARNING_RATE, ForecastConfig
from models.knobs import FORECAST_KNOBS
from models.script_parts import fill_settings, setting_line, template_text

SERIES_FILE = "series.csv"  # time, value: the cleaned series, written by the export beside the script
PRETRAINED_FILE = "pretrained.npz"  # a pretrained run's starting weights, stored with it and exported

TEMPLATE_FILE = "forecast_script.py"  # in models/train/: the script itself, read here as text
TEMPLATE_SCRIPT_NAME = "reproduce_data.py"  # how the template's docstring names the script


def reproduction_script(config: ForecastConfig | dict[str, Any], *, data_name: str | None = None,
                        target: str | None = None, season_length: int | None = None,
                        stored_test_rmse: dict[str, float] | None = None,
                        mode: str | None = None, network_look_back: int | None = None) -> str:
    """Python source that reproduces the run of ``config`` (a ForecastConfig or its dict).

    ``data_name`` and ``target``: the file and column the run read (named in the script's output,
    values only). ``season_length``: the season
    the run detected (used unless the configuration sets one). ``stored_test_rmse``: the run's stored
    test RMSE per model, printed for comparison and standing in for the statistical baselines when
    statsforecast is missing. ``mode`` and ``network_look_back``: the network the run used and the
    values it read (its summary's: an "auto" mode as decided for its series, a local look-back as
    shortened for a short series); None: "auto" decided by the season alone. Raises ConfigError for an
    invalid config.
    """
    data = config.to_dict() if isinstance(config, ForecastConfig) else dict(config)
    settings = ForecastConfig.from_dict(data)  # validates every value before it becomes code
    if mode is not None and settings.mode == "auto":
        settings = settings.replace(mode=mode)
    season = settings.season_length if settings.season_length is not None else season_length
    settings = settings.resolved(season if season is not None and season >= 2 else None)  # "auto" decided
    pretrained_look_back = network_look_back if settings.pretrained else None
    if network_look_back is not None and not settings.pretrained:
        settings = settings.replace(look_back=network_look_back)
    lines = []
    for item in dataclasses.fields(ForecastConfig):  # every field: a test fails when one is missing
        value = getattr(settings, item.name)
        knob = FORECAST_KNOBS.get(item.name)
        comment = knob.cli_help if knob else _OTHER_COMMENTS.get(item.name, "")
        lines.append(setting_line(item.name, value, comment))
    stored = {name: float(value) for name, value in (stored_test_rmse or {}).items()}
    lines += [
        setting_line("DETECTED_SEASON", season_length, "the season LSTM Lab found in the data"),
        setting_line("DATA_FILE", data_name or "the uploaded file", "the file the run read"),
        setting_line("TARGET", target or settings.target_column or "value", "the column the run forecast"),
        setting_line("SERIES_FILE", SERIES_FILE, "the series the run trained on, beside this script"),
        setting_line("STORED_TEST_RMSE", stored, "what LSTM Lab stored, for comparison"),
        setting_line("PRETRAINED_FILE", PRETRAINED_FILE, "the pretrained network's weights, beside this"),
        setting_line("PRETRAINED_LOOK_BACK", pretrained_look_back, "values the pretrained network reads"),
        setting_line("FINE_TUNE_EPOCHS", FINE_TUNE_EPOCHS, "passes over the series' windows when fine-tuned"),
        setting_line("FINE_TUNE_LEARNING_RATE", FINE_TUNE_LEARNING_RATE, "Adam's step when fine-tuned"),
        setting_line("FINE_TUNE_BATCH_SIZE", FINE_TUNE_BATCH_SIZE, "windows per step when fine-tuned"),
    ]
    # The template's docstring says how to run it; the name is made of safe characters only.
    template = template_text(TEMPLATE_FILE).replace(TEMPLATE_SCRIPT_NAME, script_file_name(data_name))
    return fill_settings(template, lines)


_OTHER_COMMENTS = {  # the fields that are not knobs
    "time_column": "the time column the run was told to use (None: detected)",
    "target_column": "the column the run was told to forecast (None: detected)",
    "preset": "the preset these settings started from (a name only)",
}


def script_file_name(data_name: str | None) -> str:
    """A download name such as ``reproduce_airline-passengers.py``."""
    return f"reproduce_{_stem(data_name or 'data.csv')}.py"


def _stem(name: str) -> str:
    """The file name without folders or extension, reduced to safe characters."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cleaned = "".join(character if character.isalnum() or character in "-_" else "_" for character in stem)
    return re.sub(r"_+", "_", cleaned).strip("_") or "data"
