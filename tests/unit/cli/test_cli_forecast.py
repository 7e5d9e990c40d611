"""`python -m models forecast`: JSON and table output, overrides, --help, one-line errors with exit 2."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from models.cli import main
from models.cli.forecast import add_parser, config_from_args

ROOT = Path(__file__).resolve().parents[3]
QUICK = ["--epochs", "2", "--units", "3", "--look-back", "3", "--forecast-steps", "2", "--ensemble", "1"]
OPTIONS = [
    "--csv",
    "--sample",
    "--target",
    "--time",
    "--sheet",
    "--preset",
    "--mode",
    "--cell",
    "--look-back",
    "--units",
    "--layers",
    "--dropout",
    "--epochs",
    "--batch-size",
    "--learning-rate",
    "--seed",
    "--test-fraction",
    "--transform",
    "--headroom",
    "--season-length",
    "--forecast-steps",
    "--json",
    "--background",
]


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:  # argparse usage errors and --help
        return int(exit_.code or 0)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["forecast", *argv])


def test_help_documents_every_option(capsys):
    assert run_cli(["forecast", "--help"]) == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text, option


def test_json_output_has_the_promised_keys(capsys):
    assert run_cli(["forecast", "--sample", "airline", "--json", *QUICK]) == 0
    out = capsys.readouterr().out
    document = json.loads(out)
    for key in ("target", "n_points", "n_test", "season_length", "metrics", "verdict", "fit_seconds"):
        assert key in document, key
    assert (document["target"], document["n_points"], document["n_test"], document["season_length"]) == (
        "Passengers",
        144,
        48,
        12,
    )
    models = {"network", "persistence", "seasonal_naive", "drift", "mean", "ets", "theta", "arima"}
    assert set(document["metrics"]) == {*models, "lstm"}
    # The multi-step backtest and the intervals: every model, every number finite.
    backtest = document["backtest"]
    assert backtest["horizon"] == document["horizon"] == 12 and backtest["origins"] == [96, 108, 120, 132]
    assert set(backtest["metrics"]) == set(backtest["by_step"]) == {*models, "lstm"}
    assert all(math.isfinite(score) for scores in backtest["metrics"].values() for score in scores.values())
    assert all(len(errors) == 12 for errors in backtest["by_step"].values())
    coverage = document["intervals"]["test_coverage"]
    assert set(coverage) == {"network", "ets", "theta", "arima"}
    assert all(0 <= share <= 1 for shares in coverage.values() for share in shares.values())
    assert set(document["one_step"]) == {"verdict", "verdict_kind", "best_baseline", "improvement_percent"}
    assert document["best_baseline"] in models - {"network"}
    assert document["metrics"]["lstm"] == document["metrics"]["network"]  # the old key, kept as an alias
    assert all(row["lstm"] == row["network"] for row in document["forecast"])
    assert {"train_rmse", "test_rmse", "test_mae", "test_mape"} <= set(document["metrics"]["lstm"])
    assert document["metrics"]["persistence"]["test_rmse"] == pytest.approx(48.04, abs=0.005)
    assert document["config"]["look_back"] == 3 and len(document["forecast"]) == 2


def test_table_output(tmp_path, capsys):
    csv_path = tmp_path / "series.csv"
    csv_path.write_bytes((ROOT / "data" / "nile-flow.csv").read_bytes())
    assert run_cli(["forecast", "--csv", str(csv_path), *QUICK]) == 0
    out = capsys.readouterr().out
    for text in ("100 points", "LSTM", "persistence", "seasonal naive", "drift", "mean", "The LSTM is"):
        assert text in out, text


def test_the_pretrained_network_forecasts_a_short_yearly_series_the_local_one_refuses(tmp_path, capsys):
    csv_path = tmp_path / "short.csv"
    csv_path.write_text("year,value\n" + "".join(f"{2000 + i},{50 + 3 * i}\n" for i in range(14)))
    assert run_cli(["forecast", "--csv", str(csv_path), "--mode", "local", "--json"]) == 2
    assert capsys.readouterr().err.startswith("error: Only 14 points")
    assert run_cli(["forecast", "--csv", str(csv_path), "--forecast-steps", "6", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["config"]["mode"] == "auto" and document["mode"] == "pretrained"  # as decided
    assert document["epochs"] == 1 and len(document["forecast"]) == 6
    assert all(math.isfinite(row["network"]) for row in document["forecast"])
    assert run_cli(["forecast", "--csv", str(csv_path), "--mode", "pretrained", "--forecast-steps", "2"]) == 0
    assert "Network: pretrained, not trained on this series" in capsys.readouterr().out


def test_explicit_options_override_the_preset():
    config = config_from_args(
        _parse(["--sample", "airline", "--preset", "seed", "--epochs", "5", "--cell", "gru"])
    )
    assert (config.look_back, config.units, config.batch_size, config.transform) == (1, 4, 1, "none")
    assert (config.epochs, config.cell, config.preset) == (5, "gru", "seed")
    config = config_from_args(
        _parse(["--sample", "airline", "--target", "Passengers", "--season-length", "6"])
    )
    assert (config.target_column, config.season_length) == ("Passengers", 6)


@pytest.mark.parametrize(
    "argv",
    [
        ["--csv", "/no/such/file.csv"],
        ["--sample", "airline", "--units", "0"],
        ["--sample", "airline", "--units", "many"],
        ["--sample", "airline", "--cell", "transformer"],
        ["--sample", "airline", "--transform", "sqrt"],
        ["--sample", "airline", "--test-fraction", "0.99"],
        ["--sample", "no-such-sample"],
        ["--sample", "airline", "--csv", "data/nile-flow.csv"],
        [],
        ["--sample", "airline", "--look-back", "120"],
        ["--sample", "airline", "--target", "Nope"],
    ],
    ids=[
        "missing-file",
        "units-zero",
        "units-text",
        "cell",
        "transform",
        "test-fraction",
        "sample",
        "two-sources",
        "no-source",
        "look-back-too-long",
        "no-such-column",
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(argv, capsys):
    assert run_cli(["forecast", *argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert captured.out == ""


def test_log_transform_on_negative_values_is_an_error(tmp_path, capsys):
    csv_path = tmp_path / "negative.csv"
    csv_path.write_text("t,v\n" + "".join(f"{i},{(i % 5) - 2}\n" for i in range(1, 61)))
    assert run_cli(["forecast", "--csv", str(csv_path), "--transform", "log", *QUICK]) == 2
    assert capsys.readouterr().err.startswith("error: The log transform needs values above zero")


def test_background_submits_through_the_job_engine(background_calls, capsys):
    assert run_cli(["forecast", "--sample", "nile", "--epochs", "7", "--background", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == "run-123"
    config, data_bytes, data_name = background_calls[0]
    assert config.epochs == 7 and data_bytes == (ROOT / "data" / "nile-flow.csv").read_bytes()
    assert data_name == "nile-flow"


@pytest.mark.slow
def test_seed_preset_in_a_real_process_prints_one_json_object(capsys):
    """The seed article's configuration on its data, exactly as a user would run it."""
    completed = subprocess.run(
        [sys.executable, "-m", "models", "forecast", "--csv", "data/airline-passengers.csv",
         "--preset", "seed", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1
    document = json.loads(lines[0])
    metrics = document["metrics"]
    with capsys.disabled():
        print(f"\nseed preset: LSTM test RMSE {metrics['lstm']['test_rmse']:.2f} (the seed program's range: "
              f"about 47-52), persistence {metrics['persistence']['test_rmse']:.2f}, seasonal naive "
              f"{metrics['seasonal_naive']['test_rmse']:.2f}, fit {document['fit_seconds']:.1f} s")
    assert (document["n_test"], document["epochs"]) == (48, 100)
    assert metrics["persistence"]["test_rmse"] == pytest.approx(48.04, abs=0.005)
    assert metrics["seasonal_naive"]["test_rmse"] == pytest.approx(41.85, abs=0.005)
    assert 45 <= metrics["lstm"]["test_rmse"] <= 54


@pytest.mark.parametrize(("file_name", "season", "future"),
                         [("r-ukgas.csv", 4, "1987 Q1"), ("r-airpassengers.csv", 12, "1961-01")])
def test_r_ts_exports_train_with_their_season_and_dated_forecasts(file_name, season, future, capsys):
    path = ROOT / "tests" / "data" / "real" / file_name
    assert main(["forecast", "--csv", str(path), "--json", *QUICK]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["season_length"], document["target"]) == (season, "value")
    assert document["forecast"][0]["time"] == future
    assert document["metrics"]["seasonal_naive"]["test_rmse"] is not None
    assert document["reading"].startswith("Time: 'time' (") and "target: 'value'" in document["reading"]
    assert "rownames" in document["reading"]  # what was skipped, and why


def test_a_workbook_sheet_is_trained_with_sheet(capsys):
    path = ROOT / "tests" / "data" / "real" / "xlsx-two-sheets.xlsx"
    assert main(["forecast", "--csv", str(path), "--sheet", "Nile", "--json", *QUICK]) == 0
    document = json.loads(capsys.readouterr().out)
    facts = (document["n_points"], document["frequency"], document["forecast"][0]["time"])
    assert facts == (100, "yearly", "1971")
    assert main(["forecast", "--sample", "airline", "--sheet", "Nile", "--json", *QUICK]) == 2
    assert capsys.readouterr().err == "error: --sheet goes with --csv: the bundled samples are CSV files.\n"
