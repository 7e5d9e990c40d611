"""``python -m models digits``: options over presets, the JSON document, errors, background runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.cli import build_parser, main
from models.cli.digits import config_from_args
from models.config import DIGITS_PRESETS, DigitsConfig

ROOT = Path(__file__).resolve().parents[3]
TINY_ARGS = ["--source", "bundled", "--units", "8", "--epochs", "1", "--limit", "300", "--batch-size", "64"]
JSON_KEYS = {"source", "n_train", "n_test", "test_loss", "test_accuracy", "fit_seconds", "per_class_accuracy"}


def _config(*argv: str) -> DigitsConfig:
    return config_from_args(build_parser().parse_args(["digits", *argv]))


def test_explicit_options_override_the_preset():
    assert _config() == DigitsConfig()
    assert _config("--preset", "seed") == DIGITS_PRESETS["seed"]
    config = _config("--preset", "seed", "--epochs", "2", "--cell", "gru", "--learning-rate", "0.01",
                     "--source", "bundled", "--limit", "500", "--layers", "2", "--optimizer", "adam")
    assert config == DIGITS_PRESETS["seed"].replace(epochs=2, cell="gru", learning_rate=0.01,
                                                    source="bundled", limit=500, layers=2, optimizer="adam")
    quick = DIGITS_PRESETS["quick"]
    assert _config("--preset", "quick", "--units", "9").units == 9
    assert _config("--preset", "quick", "--units", "9").epochs == quick.epochs


def test_json_output_has_the_facts_and_metrics(capsys):
    assert main(["digits", *TINY_ARGS, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) >= JSON_KEYS
    assert (document["source"], document["n_train"], document["n_test"]) == ("bundled", 300, 1000)
    assert 0.0 <= document["test_accuracy"] <= 1.0 and len(document["per_class_accuracy"]) == 10
    assert document["config"]["units"] == 8 and document["epochs"] == 1


def test_text_output_shows_epochs_and_the_result(capsys):
    assert main(["digits", *TINY_ARGS]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/1" in out and "Test loss" in out and "300 training" in out


@pytest.mark.parametrize("argv, message", [
    (["--units", "0"], "error: Units must be between 1 and 512, got 0."),
    (["--limit", "3"], "error: Training digits must be between 10 and 60000, got 3."),
])
def test_bad_settings_exit_2_with_one_line(capsys, argv, message):
    assert main(["digits", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message and captured.out == ""


def test_bad_choices_exit_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["digits", "--source", "internet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: argument --source: invalid choice") and "\n" not in err


def test_background_queues_the_run_through_the_job_engine(background_calls, capsys):
    assert main(["digits", "--preset", "quick", "--epochs", "3", "--background", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"run_id": "run-123", "state": "queued"}
    assert background_calls == [(DIGITS_PRESETS["quick"].replace(epochs=3), None, "mnist")]


@pytest.mark.slow
def test_stdout_is_exactly_one_json_object_in_a_fresh_process():
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    completed = subprocess.run([sys.executable, "-m", "models", "digits", *TINY_ARGS, "--json"], cwd=ROOT,
                               env=environment, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert set(json.loads(completed.stdout)) >= JSON_KEYS  # nothing else on stdout (TensorFlow is silent)
