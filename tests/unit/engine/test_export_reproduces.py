"""Proof by running it: runs trained on the job engine (the page's path), exported as a zip, unpacked
into an empty folder, and the zip's script run there with no arguments reproduces the stored scores:
the network within 1% (plain ``model.fit`` against the app's fast loop), the naive baselines to the
printed precision. The CLI's ``runs export`` writes the very same zip."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from models.cli import main as cli_main
from models.config import FORECAST_PRESETS, DigitsConfig, ForecastConfig
from models.engine.export import export_run
from tests.engine_runs import wait_for

ROOT = Path(__file__).resolve().parents[3]
NAIVE = ("persistence", "seasonal_naive", "drift", "mean")

# Short versions of what people run: the seed preset (look-back 1, batch 1, headroom 2), the
# defaults (differences, 12-step window, five networks), auto (seasonal differences of the log here),
# a two-layer GRU with dropout, a log transform with a test part in points and direct forecasts, and
# an upload whose name is not data.csv (yearly, no season, a horizon, no future, three networks), and
# the pretrained network as it is (yearly) and fine-tuned (monthly), from the weights in the zip.
CASES = {
    "seed-preset": (FORECAST_PRESETS["seed"].replace(epochs=4), "airline-passengers.csv"),
    "defaults": (ForecastConfig(mode="local", epochs=4), "airline-passengers.csv"),
    "auto-seasonal-log": (ForecastConfig(mode="local",
                                         epochs=4, transform="auto", look_back=13, units=6, ensemble=1),
                          "electrical-equipment.csv"),
    "gru-2-layers-dropout": (ForecastConfig(mode="local",
                                            epochs=4, cell="gru", layers=2, dropout=0.2, units=8, ensemble=1,
                                            optimizer="rmsprop"), "airline-passengers.csv"),
    "log-test-points-direct": (ForecastConfig(mode="local",
                                              epochs=4, transform="log", look_back=6, test_size=30,
                                              units=6, forecast_steps=15, strategy="direct"),
                               "airline-passengers.csv"),
    "uploaded-name": (ForecastConfig(mode="local",
                                     epochs=5, look_back=5, units=6, horizon=5, stride=3, forecast_steps=0,
                                     batch_size=8, ensemble=3), "nile-flow.csv"),
    "pretrained": (ForecastConfig(mode="pretrained", forecast_steps=8), "nile-flow.csv"),
    "fine-tuned": (ForecastConfig(mode="fine-tuned", forecast_steps=3, seed=5), "electrical-equipment.csv"),
}


def _printed(output: str, label: str) -> float:
    match = re.search(rf"^{label}: (\d+\.\d{{6}})$", output, flags=re.MULTILINE)
    assert match, f"no line {label!r} in:\n{output}"
    return float(match.group(1))


@pytest.fixture(scope="module")
def exported(lab_engine, tmp_path_factory):
    """Case -> (stored record, folder the zip was unpacked into, the script's output)."""
    run_ids = {}
    for case, (config, sample) in CASES.items():
        data = (ROOT / "data" / sample).read_bytes()
        name = "My Nile readings (1871-1970).csv" if case == "uploaded-name" else sample
        # One owner per case: an owner may have only 3 runs waiting or running.
        run_ids[case] = lab_engine.submit(config.to_dict(), data, name, f"reproduce-{case}")
    folders, processes = {}, {}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for case, run_id in run_ids.items():
        owner = f"reproduce-{case}"
        record = wait_for(lab_engine, run_id, owner, lambda record: not record.active, timeout=300)
        assert record.state == "succeeded", record.error
        folder = tmp_path_factory.mktemp(case)
        with zipfile.ZipFile(io.BytesIO(export_run(lab_engine.store, run_id, owner))) as archive:
            archive.extractall(folder)
        (script,) = folder.glob("reproduce_*.py")
        # Both cores at once: each script imports Keras and trains for a few seconds.
        processes[case] = subprocess.Popen([sys.executable, script.name], cwd=folder, env=env, text=True,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        folders[case] = (record, folder)
    results = {}
    for case, process in processes.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        results[case] = (*folders[case], out)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_the_exported_script_reproduces_the_stored_scores(exported, case):
    record, folder, output = exported[case]
    assert {"series.csv", "config.json", "predictions.csv"} <= {path.name for path in folder.iterdir()}
    assert json.loads((folder / "config.json").read_text()) == record.config.to_dict()
    scores = record.metrics.models
    network = _printed(output, "network test RMSE")
    print(f"{case}: network test RMSE stored {scores['network'].test_rmse:.6f}, script {network:.6f} "
          f"({network / scores['network'].test_rmse - 1:+.1e})")
    assert network == pytest.approx(scores["network"].test_rmse, rel=0.01), output
    for name in NAIVE:
        if scores.get(name) is not None and scores[name].test_rmse is not None:
            assert _printed(output, f"{name} test RMSE") == pytest.approx(scores[name].test_rmse, abs=5e-7)
    for name in ("ets", "theta", "arima"):  # statsforecast is installed here: refitted, not copied
        if name in scores and scores[name].test_rmse is not None:
            assert _printed(output, f"{name} test RMSE") == pytest.approx(scores[name].test_rmse, rel=1e-4)
            assert "stored by LSTM Lab" not in output
    backtest = record.summary.backtest
    if backtest:
        label = f"seasonal_naive {backtest.horizon}-step backtest RMSE"
        if "seasonal_naive" in backtest.metrics:
            assert _printed(output, label) == pytest.approx(backtest.metrics["seasonal_naive"].rmse, abs=5e-7)


@pytest.mark.slow
def test_the_exported_digits_script_reproduces_the_stored_accuracy(lab_engine, tmp_path):
    owner = "reproduce-digits"
    config = DigitsConfig(source="bundled", limit=500, epochs=3, units=16, batch_size=32, optimizer="adam",
                          learning_rate=0.01)
    run_id = lab_engine.submit(config.to_dict(), None, None, owner)
    record = wait_for(lab_engine, run_id, owner, lambda record: not record.active, timeout=300)
    assert record.state == "succeeded", record.error
    with zipfile.ZipFile(io.BytesIO(export_run(lab_engine.store, run_id, owner))) as archive:
        archive.extractall(tmp_path)
    out = subprocess.run([sys.executable, "reproduce_digits.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "500 training and 1000 test digits (bundled)" in out.stdout
    accuracy, loss = _printed(out.stdout, "network test accuracy"), _printed(out.stdout, "network test loss")
    print(f"digits: test accuracy stored {record.metrics.test_accuracy:.6f}, script {accuracy:.6f}; "
          f"test loss stored {record.metrics.test_loss:.6f}, script {loss:.6f}")
    assert accuracy == pytest.approx(record.metrics.test_accuracy, abs=0.005)  # 5 of 1,000 digits
    assert loss == pytest.approx(record.metrics.test_loss, rel=0.01)


@pytest.mark.slow
def test_the_cli_writes_the_same_zip_as_the_page(exported, lab_engine, tmp_path, monkeypatch, capsys):
    record, _, _ = exported["uploaded-name"]
    monkeypatch.setenv("LSTMLAB_DATA_DIR", str(lab_engine.store.data_dir))
    out = tmp_path / "run.zip"
    assert cli_main(["runs", "export", record.id, "--out", str(out), "--owner", "reproduce-uploaded-name",
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"exported": record.id, "out": str(out)}
    assert out.read_bytes() == export_run(lab_engine.store, record.id, "reproduce-uploaded-name")
    assert cli_main(["runs", "export", record.id, "--out", str(tmp_path / "x.zip")]) == 2  # not the CLI's
    assert capsys.readouterr().err.startswith("error: No run with that id")
