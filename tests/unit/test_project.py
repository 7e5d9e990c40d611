"""Project-level guarantees: layer rules, the Dockerfile matches `make run`, the two commands."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Modules the Streamlit server process may load: none of them may pull in TensorFlow.
UI_SIDE_MODULES = [
    "models.config", "models.errors", "models.results", "models.data", "models.limits",
    "models.csvread", "models.timeparse", "models.series_clean", "models.forecast", "models.verdict",
    "models.transforms", "models.toy_tasks", "models.sweep", "models.export",
    "models.windows", "models.baselines", "models.metrics", "models.store", "models.jobs",
    "models.settings", "models.numpy_rnn", "models.preprocess", "models.digits_data", "models.workload",
]


def _makefile_run_command() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(r"^run:.*\n\t(.+)$", text, flags=re.MULTILINE)
    assert match, "Makefile has no run target"
    return shlex.split(match.group(1))


def test_models_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "models").rglob("*.py")
        if re.search(r"^\s*(import|from)\s+streamlit", path.read_text(), flags=re.MULTILINE)
    ]
    assert offenders == []


def test_app_never_imports_tensorflow_directly():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if re.search(r"^\s*(import|from)\s+(tensorflow|keras|models\.(lstm|training|fastfit|"
                     r"digits_training|toy_training|worker_tasks))\b", path.read_text(), flags=re.MULTILINE)
    ]
    assert offenders == []


def test_ui_side_modules_do_not_load_tensorflow():
    existing = [name for name in UI_SIDE_MODULES
                if (ROOT / (name.replace(".", "/") + ".py")).exists()]
    code = (
        "import importlib, json, sys\n"
        f"for name in {existing!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_dockerfile_matches_make_run():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, flags=re.MULTILINE)
    assert cmd, "Dockerfile has no exec-form CMD"
    docker_cmd = json.loads(cmd.group(1))
    make_cmd = _makefile_run_command()
    # make run calls the venv's streamlit; the image's streamlit is on PATH.
    assert Path(make_cmd[0]).name == docker_cmd[0] == "streamlit"
    assert make_cmd[1:3] == docker_cmd[1:3] == ["run", "app/streamlit_app.py"]
    assert "8501" in docker_cmd and "--server.port" in docker_cmd


def test_dockerfile_installs_the_pinned_requirements_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    assert "COPY requirements.txt" in dockerfile
    assert re.search(r"pip install .*-r requirements\.txt", dockerfile)
    user = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert "/_stcore/health" in dockerfile and "HEALTHCHECK" in dockerfile
    # Everything the app imports at run time is copied into the image.
    for folder in ("app", "models", "data", ".streamlit"):
        assert re.search(rf"^COPY .*\s{re.escape(folder)}\s", dockerfile, flags=re.MULTILINE)


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][^\s]*", line), line


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)\s*$", quick_start, flags=re.MULTILINE)
    assert commands == ["make run", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize(("section", "option", "value"), [
    ("server", "maxUploadSize", 20), ("server", "headless", True), ("server", "address", "localhost"),
    ("server", "fileWatcherType", "none"), ("browser", "gatherUsageStats", False),
    ("runner", "enforceSerializableSessionState", False),
    ("runner", "postScriptGC", False),  # a full collection after each rerun doubled rerun times
])
def test_streamlit_config_sets(section, option, value):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config[section][option] == value
