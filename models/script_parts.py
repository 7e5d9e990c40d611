"""The reproduction scripts' templates and how a run's settings are written into them.

Each script is a real Python module under ``models/train/`` (``forecast_script.py``,
``digits_script.py``): it imports Keras, which only that room may, ruff lints it and fast tests
import and run it on a tiny run. The exports (models/forecast/repro.py, models/digits/repro.py)
never import a template: they read its source as text and write the run's settings, one
``NAME = literal`` line each, in place of its settings block, the lines between ``SETTINGS_START``
and ``SETTINGS_END``; the rest of the file is copied as it is, so a downloaded script is one
standalone file. The network's seeded parts (``layer_seed``, ``recurrent_layer``, ``output_layer``,
``make_optimizer``) are written out in both templates, and a test checks that the two copies are
the same (tests/unit/train/test_script_templates.py).
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "train"  # the folder of the templates, read as text
SETTINGS_START = "# ── every setting of the run ──\n"
SETTINGS_END = "# ── end of the settings ──\n"


def template_text(file_name: str) -> str:
    """The source of the template ``file_name`` in models/train/, as text (never imported here)."""
    return (TEMPLATES / file_name).read_text(encoding="utf-8")


def setting_line(name: str, value: object, comment: str = "") -> str:
    """``NAME = literal  # comment``: the value as a Python literal (``repr``), never pasted code."""
    line = f"{name.upper()} = {value!r}"
    return f"{line}  # {comment}" if comment else line


def fill_settings(template: str, lines: list[str]) -> str:
    """``template`` with ``lines`` in place of its settings block (both marks kept); ValueError
    when the template has no settings block."""
    head, found, rest = template.partition(SETTINGS_START)
    _, found_end, tail = rest.partition(SETTINGS_END)
    if not (found and found_end):
        raise ValueError("The script template has no settings block.")
    return head + SETTINGS_START + "".join(f"{line}\n" for line in lines) + SETTINGS_END + tail
