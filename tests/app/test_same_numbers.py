"""Same settings, same seed, same numbers: the airline defaults trained from the Forecast page (job
engine worker), by the CLI in the foreground (a fresh process) and by the run's exported script."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from models.engine.export import export_run

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LSTMLAB_SCHEDULER": ""}


def test_the_airline_defaults_give_the_same_rmse_on_the_page_the_cli_and_the_script(lab_app, lab_engine,
                                                                                     tmp_path):
    owner = f"same-numbers-{uuid.uuid4().hex}"
    at = lab_app("app_pages/forecast.py", owner)
    at.button(key="forecast-train").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state["forecast_run_id"]
    cli = subprocess.run([sys.executable, "-m", "models", "forecast", "--sample", "airline", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)
    assert cli.returncode == 0, cli.stderr[-2000:]
    foreground = json.loads(cli.stdout)
    record = lab_engine.wait(run_id, owner, timeout=300)
    assert record.state == "succeeded", record.error
    assert record.config.to_dict() == foreground["config"]  # the page's defaults are the CLI's

    page = record.metrics.network.test_rmse
    assert page == pytest.approx(foreground["metrics"]["network"]["test_rmse"], rel=1e-6)

    with zipfile.ZipFile(io.BytesIO(export_run(lab_engine.store, run_id, owner))) as archive:
        archive.extractall(tmp_path)
    (script,) = tmp_path.glob("reproduce_*.py")
    out = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=ENV)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = float(re.search(r"^network test RMSE: (\d+\.\d{6})$", out.stdout, flags=re.MULTILINE).group(1))
    print(f"airline defaults, network test RMSE: page {page:.6f}, CLI "
          f"{foreground['metrics']['network']['test_rmse']:.6f}, script {printed:.6f}")
    assert printed == pytest.approx(page, rel=0.01)
