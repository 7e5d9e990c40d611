"""The script that reproduces a digits run with plain Keras, filled in with the run's settings.

The script itself is a real Python module, models/train/digits_script.py (it imports Keras, so it
lives in the training room; ruff lints it and a fast test runs it on a hundred digits). This module
never imports it: ``reproduction_script`` reads its source as text and writes the run's settings,
as Python literals (``repr``), in place of its settings block (models/script_parts.py). This module
only writes text.

The run's zip export puts the script in the zip; run from the unpacked folder with no arguments, it
loads the same digits (the bundled sample, which the zip carries as ``mnist-5k.npz``, or full MNIST
through Keras' own loader), takes the same class-balanced training subset and split (copies of
``stratified_order`` and ``stratified_split`` from models/digits/data.py; a test checks that they
are the same), builds the same row-by-row reader seeded like the app, fits it one ``model.fit``
epoch at a time in the app's order of the digits and prints ``network test accuracy: 0.912000`` and
``network test loss: 0.301234``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from models.config import DigitsConfig
from models.digits.data import BUNDLED_PATH, BUNDLED_TEST_FRACTION
from models.knobs import DIGITS_KNOBS
from models.script_parts import fill_settings, setting_line, template_text

BUNDLED_FILE = BUNDLED_PATH.name  # the bundled digits, carried in the zip of a run that used them
SCRIPT_NAME = "reproduce_digits.py"

TEMPLATE_FILE = "digits_script.py"  # in models/train/: the script itself, read here as text


def reproduction_script(config: DigitsConfig | dict[str, Any], *, source: str,
                        stored: dict[str, float] | None = None) -> str:
    """Python source that reproduces the digits run of ``config`` on the digits ``source`` it used
    ("bundled" or "keras"); ``stored``: the run's test accuracy and loss, printed for comparison."""
    settings = config if isinstance(config, DigitsConfig) else DigitsConfig.from_dict(dict(config))
    lines = []
    for item in dataclasses.fields(DigitsConfig):
        value = source if item.name == "source" else getattr(settings, item.name)
        knob = DIGITS_KNOBS.get(item.name)
        comment = "the digits the run used" if item.name == "source" else (knob.cli_help if knob else "")
        lines.append(setting_line(item.name, value, comment))
    lines += [
        setting_line("BUNDLED_FILE", BUNDLED_FILE),
        setting_line("BUNDLED_TEST_FRACTION", BUNDLED_TEST_FRACTION, "the bundled digits' test share"),
        setting_line("STORED", dict(stored or {}), "what LSTM Lab stored, for comparison"),
    ]
    return fill_settings(template_text(TEMPLATE_FILE), lines)
