"""The layer rules: import-linter's contracts hold, fail when broken, and nothing outside
``models/train/`` imports TensorFlow when it is imported."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
HEAVY = ("tensorflow", "keras")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _light_modules() -> list[str]:
    """Every module of ``models`` and ``app`` except the training room and the CLI."""
    paths = [*(ROOT / "models").rglob("*.py"), *(ROOT / "app").rglob("*.py")]
    names = sorted(_module_name(path) for path in paths)
    return [name for name in names
            if not name.startswith(("models.train", "models.cli", "app.app_pages"))
            and name not in ("models.__main__", "app.streamlit_app")]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


def test_a_broken_rule_fails_the_linter(tmp_path):
    for name in ("models", "app"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    # A pure-NumPy room that reaches for Keras, and the UI that reaches for the training room.
    (tmp_path / "models" / "forecast" / "sneaky.py").write_text("import keras\n")
    (tmp_path / "app" / "sneaky.py").write_text("def f():\n    from models.train import forecaster\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "TensorFlow and Keras only under models.train" in result.stdout
    assert "models.forecast.sneaky -> keras" in result.stdout
    assert "the UI never imports the training room" in result.stdout
    assert "BROKEN" in result.stdout


def test_no_module_outside_train_imports_tensorflow_at_module_level():
    offenders = []
    for path in (ROOT / "models").rglob("*.py"):
        if path.is_relative_to(ROOT / "models" / "train"):
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: lazy imports are the linter's named exceptions
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in names
                          if name.split(".")[0] in HEAVY or name.startswith("models.train")]
    assert offenders == []


def test_the_ui_side_loads_no_tensorflow():
    modules = _light_modules()
    assert "models.engine.engine" in modules and "app.components.run_panel" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=180)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


MYPY = Path(sys.executable).with_name("mypy")


def test_the_type_checker_fails_on_a_planted_wrong_annotation(tmp_path):
    """`make lint` runs mypy with pyproject.toml's settings: strict on the core (every function
    annotated), the UI at mypy's default; both refuse a value of the wrong type."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    planted = 'def planted() -> int:\n    return "text"\n\n\ndef untyped(x):\n    return x\n'
    for room in ("models", "app"):
        (tmp_path / room).mkdir()
        (tmp_path / room / "__init__.py").write_text("")
        (tmp_path / room / "planted.py").write_text(planted)
    result = subprocess.run([str(MYPY), "--no-incremental", "models/planted.py", "app/planted.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    errors = {line.split(" error: ")[0] for line in result.stdout.splitlines() if " error: " in line}
    assert errors == {"models/planted.py:2:", "models/planted.py:5:", "app/planted.py:2:"}, result.stdout
