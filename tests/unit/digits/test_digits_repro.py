"""The digits reproduction script: the template models/train/digits_script.py with every setting of
the run written into its settings block as a literal.

The template itself runs in tests/unit/train/test_script_templates.py; that an exported script
repeats a run's accuracy is proven by running it: tests/unit/engine/test_export_reproduces.py (slow)."""

from __future__ import annotations

import ast
import dataclasses
import re

from models.config import DigitsConfig
from models.digits.repro import BUNDLED_FILE, reproduction_script
from models.script_parts import SETTINGS_END, SETTINGS_START, template_text


def settings(script: str) -> dict[str, object]:
    """NAME -> value of the script's settings block."""
    block = script.split(SETTINGS_START, 1)[1].split(SETTINGS_END, 1)[0]
    return {node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse(block).body if isinstance(node, ast.Assign)}


def test_the_script_compiles_and_carries_every_setting():
    config = DigitsConfig(units=9, epochs=3, cell="gru", layers=2, batch_size=64, optimizer="adam",
                          learning_rate=0.005, limit=700, source="auto", seed=11)
    script = reproduction_script(config, source="bundled", stored={"test_accuracy": 0.91, "test_loss": 0.3})
    compile(script, "reproduce_digits.py", "exec")
    values = settings(script)
    code = script.split(SETTINGS_END, 1)[1]
    for field in dataclasses.fields(DigitsConfig):
        name = field.name.upper()
        assert values[name] == ("bundled" if field.name == "source" else getattr(config, field.name)), name
        if field.name != "preset":  # a name only
            assert re.search(rf"\b{name}\b", code), f"the script never applies {name}"
    assert values["BUNDLED_FILE"] == BUNDLED_FILE == "mnist-5k.npz"
    assert values["STORED"] == {"test_accuracy": 0.91, "test_loss": 0.3}
    assert not re.search(r"^\s*(from|import)\s+models\b", script, flags=re.MULTILINE)


def test_the_export_changes_only_the_settings_block():
    template = template_text("digits_script.py")
    script = reproduction_script(DigitsConfig().to_dict(), source="keras")
    assert settings(script)["SOURCE"] == "keras" and settings(script)["STORED"] == {}
    assert script.split(SETTINGS_START)[0] == template.split(SETTINGS_START)[0]
    assert script.split(SETTINGS_END)[1] == template.split(SETTINGS_END)[1]
