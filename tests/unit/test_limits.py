"""Work limits enforced by the core: the job engine's submit, CLI background runs and the CLI itself
refuse an over-limit forecast or digits run with one plain LimitError before anything trains."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import pytest

from models import limits
from models.cli import main
from models.config import DIGITS_PRESETS, FORECAST_PRESETS, DigitsConfig, ForecastConfig
from models.data import bundled_samples, load_series, read_table
from models.digits.data import load_digits
from models.engine import sweep, workload
from models.engine.background import submit_from_cli
from models.engine.store import RunStore
from models.errors import ConfigError, DataError, LimitError, WorkLimitError
from models.settings import CLI_OWNER

ROOT = Path(__file__).resolve().parents[2]
# Airline (144 points), look-back 4, diff, a third for testing: 91 training windows.
OVER = ForecastConfig(mode="local", epochs=20, units=4, look_back=4, batch_size=16, ensemble=1)
DIGITS_OVER = DigitsConfig(epochs=3, limit=500, source="bundled")
DIGITS_MESSAGE = ("3 epochs x 500 training digits is 1,500 digit readings, above this server's limit of "
                  "1,000: use fewer epochs or fewer training digits.")


@dataclass(frozen=True)
class LowLimits:
    """A work limit that a whole airline run of OVER's settings with 10 epochs just fits."""

    limit: int
    airline_csv: bytes

    @property
    def over_message(self) -> str:
        """What OVER (20 epochs) is refused with."""
        return self.refusal(OVER)

    def refusal(self, config: ForecastConfig) -> str:
        """The sentence ``config`` is refused with under this limit (its whole run's work)."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LSTMLAB_MAX_WORK", str(10**12))
            plan = workload.check_run(config, self.airline_csv, "airline.csv")
        count = (f"{config.epochs:,} epochs" if config.ensemble == 1
                 else f"{config.ensemble} networks x {config.epochs:,} epochs")
        advice = ("use fewer epochs, fewer networks in the ensemble or a shorter series"
                  if config.ensemble > 1 else "use fewer epochs or a shorter series")
        return (f"{count} x {plan.training_units:,} training windows is {plan.fit_work:,} steps of work and "
                f"scoring the run (the baselines, the backtest and the intervals' second fit) "
                f"{plan.cost.scoring:,} more, {plan.work:,} in all, above this server's limit of "
                f"{self.limit:,}: {advice}.")


@pytest.fixture
def low_limits(monkeypatch, airline_csv) -> LowLimits:
    monkeypatch.setenv("LSTMLAB_MAX_DIGITS_WORK", "1000")
    monkeypatch.setenv("LSTMLAB_MAX_WORK", str(10**12))
    limit = workload.check_run(OVER.replace(epochs=10), airline_csv, "airline.csv").work
    monkeypatch.setenv("LSTMLAB_MAX_WORK", str(limit))
    return LowLimits(limit, airline_csv)


def test_digits_limit_has_a_default_and_follows_the_environment(monkeypatch):
    monkeypatch.delenv("LSTMLAB_MAX_DIGITS_WORK", raising=False)
    assert limits.max_digits_work() == limits.DEFAULT_MAX_DIGITS_WORK == 3_000_000
    monkeypatch.setenv("LSTMLAB_MAX_DIGITS_WORK", "12_000")
    limits.check_digits_work(3, 4000)
    with pytest.raises(WorkLimitError, match="above this server's limit of 12,000"):
        limits.check_digits_work(4, 4000)
    monkeypatch.setenv("LSTMLAB_MAX_DIGITS_WORK", "lots")
    with pytest.raises(ConfigError, match="LSTMLAB_MAX_DIGITS_WORK must be a whole number, got 'lots'."):
        limits.max_digits_work()


def test_training_digits_are_counted_before_any_download():
    assert load_digits("bundled").n_train == workload.BUNDLED_TRAIN_DIGITS  # 5,000 less the test part
    assert workload.training_digits(DigitsConfig(source="bundled")) == 4_000
    assert workload.training_digits(DigitsConfig(source="bundled", limit=10_000)) == 4_000
    assert workload.training_digits(DigitsConfig(source="auto")) == 60_000  # may get full MNIST
    assert workload.training_digits(DigitsConfig(source="keras", limit=2_000)) == 2_000


def test_default_limits_let_every_preset_through_and_stop_the_largest_settings(monkeypatch):
    for name in ("LSTMLAB_MAX_WORK", "LSTMLAB_MAX_DIGITS_WORK"):
        monkeypatch.delenv(name, raising=False)
    for preset in DIGITS_PRESETS.values():  # the seed preset on full MNIST: 10 x 60,000
        workload.plan_run(preset.replace(source="keras"))
    for sample in bundled_samples().values():
        n_points = len(load_series(sample.path.read_bytes()).values)
        for preset in [ForecastConfig(), *FORECAST_PRESETS.values()]:
            workload.plan_run(preset, np.ones(n_points))
    # The page's largest digits settings: 200 epochs on all of full MNIST.
    with pytest.raises(WorkLimitError) as caught:
        workload.plan_run(DigitsConfig(epochs=200, source="auto"))
    assert str(caught.value) == (
        "200 epochs x 60,000 training digits is 12,000,000 digit readings, above this server's limit of "
        "3,000,000: use fewer epochs or fewer training digits.")
    # 2,000 epochs on 100,000 points.
    with pytest.raises(WorkLimitError, match="above this server's limit of 10,000,000"):
        workload.plan_run(ForecastConfig(mode="local", epochs=2000), np.ones(100_000))


def test_check_run_counts_the_windows_of_the_uploaded_file(low_limits, airline_csv):
    workload.check_run(OVER.replace(epochs=10), airline_csv, "airline.csv")  # exactly the limit
    with pytest.raises(WorkLimitError) as caught:
        workload.check_run(OVER, airline_csv, "airline.csv")
    assert str(caught.value) == low_limits.over_message
    with pytest.raises(WorkLimitError) as caught:
        workload.check_run(DIGITS_OVER)
    assert str(caught.value) == DIGITS_MESSAGE
    workload.check_run(OVER.replace(epochs=2, ensemble=3), airline_csv, "airline.csv")  # 546 < 910 fitted
    with pytest.raises(WorkLimitError) as caught:  # an ensemble trains every one of its networks
        workload.check_run(OVER.replace(epochs=4, ensemble=3), airline_csv, "airline.csv")
    assert str(caught.value) == low_limits.refusal(OVER.replace(epochs=4, ensemble=3))
    assert str(caught.value).startswith("3 networks x 4 epochs x 91 training windows is 1,092 steps of work")


def test_the_fit_alone_over_the_limit_keeps_its_sentence(monkeypatch, airline_csv):
    monkeypatch.setenv("LSTMLAB_MAX_WORK", "1000")
    with pytest.raises(WorkLimitError) as caught:
        workload.check_run(OVER, airline_csv, "airline.csv")
    assert str(caught.value) == ("20 epochs x 91 training windows is 1,820 steps of work, above this "
                                 "server's limit of 1,000: use fewer epochs or a shorter series.")


def test_cli_background_refuses_before_queueing_or_starting_a_runner(low_limits, lab_data_dir, airline_csv):
    read_table(airline_csv)  # this process's file-read server (models/data/isolated.py) is up before
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    for config, data, message in ((OVER, airline_csv, low_limits.over_message),
                                  (DIGITS_OVER, None, DIGITS_MESSAGE)):
        with pytest.raises(LimitError) as caught:
            submit_from_cli(config, data, "airline.csv")
        assert str(caught.value) == message
    assert RunStore(lab_data_dir).list_runs(CLI_OWNER, everyone=True) == []
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= before


@pytest.mark.parametrize("background", [False, True])
def test_cli_over_limit_exits_2_with_one_error_line(low_limits, lab_data_dir, capsys, background):
    extra = ["--background"] if background else []
    forecast = ["forecast", "--sample", "airline", "--epochs", "20", "--units", "4", "--look-back", "4",
                "--ensemble", "1", *extra]
    digits = ["digits", "--source", "bundled", "--limit", "500", "--epochs", "3", "--json", *extra]
    for argv, message in ((forecast, low_limits.over_message), (digits, DIGITS_MESSAGE)):
        capsys.readouterr()
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", f"error: {message}\n")
    assert not (lab_data_dir / "runs.sqlite").exists() or RunStore(lab_data_dir).list_runs(
        CLI_OWNER, everyone=True) == []


def test_cli_digits_refuses_full_mnist_over_the_default_limit_in_a_fresh_process(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LSTMLAB_")}
    environment.update(LSTMLAB_DATA_DIR=str(tmp_path), KERAS_HOME=str(tmp_path / "keras"))
    command = [sys.executable, "-m", "models", "digits", "--source", "keras", "--epochs", "60"]
    completed = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        "error: 60 epochs x 60,000 training digits is 3,600,000 digit readings, above this server's limit of "
        "3,000,000: use fewer epochs or fewer training digits.\n")
    assert not (tmp_path / "keras").exists()  # refused before any download


def test_a_sweep_skips_an_over_limit_configuration_and_goes_on(tmp_path, low_limits, airline_csv):
    book = sweep.SweepBook(tmp_path)
    made = book.create("alice", "airline.csv", airline_csv, OVER.replace(epochs=5),
                       {"epochs": [5, 20, 10]})
    submitted = []

    def submit(config, data):
        workload.check_run(ForecastConfig.from_dict(config), data, "airline.csv")
        submitted.append(config["epochs"])
        return f"run-{config['epochs']}-abcdefgh"

    assert sweep.advance(book, made.id, "alice", submit) == 2
    items = book.get(made.id, "alice").items
    assert submitted == [5, 10] and not book.get(made.id, "alice").pending
    assert items[1].run_id is None and items[1].error == low_limits.over_message


@pytest.mark.slow
def test_the_job_engine_refuses_over_limit_runs_before_queueing(lab_engine, lab_owner, low_limits,
                                                                airline_csv):
    for config, data, message in ((OVER, airline_csv, low_limits.over_message),
                                  (DIGITS_OVER, None, DIGITS_MESSAGE),
                                  (OVER.to_dict(), airline_csv, low_limits.over_message)):
        with pytest.raises(LimitError) as caught:
            lab_engine.submit(config, data, "airline.csv", lab_owner)
        assert str(caught.value) == message
    assert [record for record in lab_engine.list_runs(lab_owner) if record.mine] == []
    # Within the limit the same engine trains the run.
    run_id = lab_engine.submit(OVER.replace(epochs=10), airline_csv, "airline.csv", lab_owner)
    record = lab_engine.wait(run_id, lab_owner, timeout=90)
    assert (record.state, record.epochs_done) == ("succeeded", 10), record.error


def test_every_limit_is_documented_in_the_readme_settings_table():
    settings = (ROOT / "README.md").read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = {row.split("|")[1].strip(" `"): row.split("|")[2].strip() for row in settings.splitlines()
            if row.startswith("| `LSTMLAB_")}
    assert rows["LSTMLAB_MAX_WORK"] == str(limits.DEFAULT_MAX_WORK)
    assert rows["LSTMLAB_MAX_DIGITS_WORK"] == str(limits.DEFAULT_MAX_DIGITS_WORK)
    assert rows["LSTMLAB_MAX_ROWS"] == str(limits.DEFAULT_MAX_ROWS)
    assert rows["LSTMLAB_MAX_UPLOAD_MB"] == str(limits.DEFAULT_MAX_UPLOAD_MB)
    assert rows["LSTMLAB_MAX_QUEUED_PER_OWNER"] == str(limits.DEFAULT_MAX_QUEUED_PER_OWNER)


def test_plan_run_is_the_one_decision_for_page_engine_and_cli(low_limits, airline_csv):
    series = load_series(airline_csv)
    values = series.values
    plan = workload.plan_run(OVER.replace(epochs=10), values, series.season_length)
    assert (plan.split.n_train, plan.split.n_test, plan.training_units, plan.fit_work) == (96, 48, 91, 910)
    assert workload.check_run(OVER.replace(epochs=10), airline_csv, "airline.csv") == plan
    with pytest.raises(ConfigError, match="log"):  # a transform that cannot apply is refused up front
        workload.plan_run(ForecastConfig(mode="local", transform="log", epochs=1), np.array([1.0, 0.0] * 40))
    with pytest.raises(DataError):
        workload.plan_run(ForecastConfig(mode="local", look_back=60, epochs=1), values[:70])
