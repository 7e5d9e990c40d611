"""What a forecast run costs in all, in the work limit's units, before it starts (NumPy only).

The unit is what ``LSTMLAB_MAX_WORK`` has always counted: one training window for one network for one
epoch, 54 us on 2 cores once a series has 10,000 points (``bench/scaling.py``). A run costs

* its **fit**: networks x epochs x training windows;
* the **calibration fit**: the prediction intervals train the same networks again on the training part
  less its calibration tail (``intervals.default_tail``): networks x epochs x those windows;
* its **evaluation**, converted to units from measured seconds (constants below, on 2 cores): the
  statistical baselines' fits (twice: on the training part and for the calibration), their forecasts
  (one run over the values before each scored one-step target, backtest origin and calibration
  origin, each costing the length it runs over), and the network's forecasts (one graph call per step
  for all origins at once, a fixed cost per call plus one per window).

The evaluation is linear in the length because every count of forecasts is bounded: at most
``pipeline.MAX_SCORED_TARGETS`` one-step targets per part, ``backtest.MAX_BACKTEST_ORIGINS`` backtest
origins, three horizons of calibration origins, and Theta sees at most ``statistical.THETA_MAX_POINTS``
values. The constants are upper ends of what was measured (ETS's fit varies with the series), so the
estimate errs long; ``bench/long_series.py`` compares it with whole runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.config import FINE_TUNE_EPOCHS, ForecastConfig
from models.forecast.backtest import MAX_BACKTEST_ORIGINS, default_horizon
from models.forecast.intervals import default_tail
from models.forecast.pipeline import MAX_SCORED_TARGETS
from models.forecast.split import Split
from models.forecast.statistical import (
    ARIMA_MAX_POINTS,
    ARIMA_MAX_SEASON,
    MIN_FIT_POINTS,
)

UNIT_SECONDS = 54e-6  # one window-epoch-network of the fit (bench/scaling.py, 2 cores)

# Measured on 2 cores (bench/long_series.py and the figures in models/forecast/statistical.py), in units.
ETS_FIT_PER_POINT = 20  # AutoETS's model search: 0.8-0.9 ms per training point (60 s on 67,000)
THETA_FIT = 60_000  # AutoTheta on at most THETA_MAX_POINTS values: 1.1-2.7 s
ARIMA_FIT = 80_000  # AutoARIMA's search on at most ARIMA_MAX_POINTS points: up to 4 s
FORECAST_CALL = 20  # any statistical forecast's fixed cost: about 1 ms
ETS_PER_VALUE = 0.003  # ETS's run over the history: 90 ns per value
ARIMA_PER_VALUE = 0.07  # ARIMA's Kalman filter over the history: 3.4 us per value
THETA_FORECAST = 130  # Theta's run over at most THETA_MAX_POINTS values: up to 7 ms
NETWORK_CALL = 100  # one graph call of the network's forecast: up to 5 ms
NETWORK_PER_WINDOW = 0.3  # each window of a graph call, per network: up to 16 us
HISTORY_PER_VALUE = 0.005  # copying and transforming one value of a history handed to the network
# The pretrained network (models/train/pretrained.py, measured on 2 cores): a fine-tune's fixed cost
# (building and tracing, 1.3-2.3 s) and each window of each of its epochs (150-360 us); its forecasts'
# windows (LSTM(128) over up to 36 values, with normalising each one in Python: 130-200 us).
FINE_TUNE_CALL = 45_000
FINE_TUNE_PER_WINDOW = 7
PRETRAINED_PER_WINDOW = 4


@dataclass(frozen=True)
class RunWork:
    """A run's cost in units: ``fit`` (what the limit counted before), ``calibration_fit`` and
    ``evaluation`` (the baselines, the backtest and the forecasts); ``total`` is what the limit counts."""

    fit: int
    calibration_fit: int
    evaluation: int

    @property
    def scoring(self) -> int:
        """Everything after the run's own fit."""
        return self.calibration_fit + self.evaluation

    @property
    def total(self) -> int:
        return self.fit + self.scoring

    @property
    def minutes(self) -> float:
        """The estimate in minutes on 2 cores."""
        return self.total * UNIT_SECONDS / 60


def run_work(config: ForecastConfig, split: Split, season_length: int | None = None) -> RunWork:
    """The estimated cost of a run of ``config`` split as ``split`` (season: the run's, else the
    configured one; it sets the default horizon)."""
    season = season_length if season_length is not None else config.season_length
    horizon = config.horizon or default_horizon(season)
    config = config.resolved(season)
    if config.pretrained:
        return _pretrained_work(config, split, season, horizon)
    networks, epochs = config.ensemble, config.epochs
    n_points, n_train = split.n_points, split.n_train
    steps = 1 if config.strategy == "recursive" else horizon  # values per window a direct network needs
    fit_windows = split.n_train - split.first_target  # as the limit has always counted them
    # Forecasts each model makes: the scored one-step targets, the backtest origins, the calibration
    # origins, the forecast past the end and the fit's own check.
    one_step, origins, tail = _forecast_counts(config, split, horizon)
    calibration_windows = max(n_train - tail - split.first_target - (steps - 1), 0)
    runs = one_step + origins + tail + 2
    evaluation = _baselines_work(split, season, runs, tail)
    # The network: one-step forecasts of every target, then one call per step for all the backtest
    # (and, separately, all the calibration) origins, each handed its whole history, and the forecast
    # past the end.
    calls = 2 * -(-horizon // steps) + -(-config.forecast_steps // steps) + 2
    windows = split.train_windows + split.n_test + horizon * (origins + tail) + config.forecast_steps
    evaluation += (NETWORK_CALL * calls + NETWORK_PER_WINDOW * networks * windows
                   + HISTORY_PER_VALUE * n_points * (origins + tail))
    return RunWork(fit=networks * epochs * fit_windows,
                   calibration_fit=networks * epochs * calibration_windows, evaluation=int(round(evaluation)))


def _forecast_counts(config: ForecastConfig, split: Split, horizon: int) -> tuple[int, int, int]:
    """(scored one-step targets, backtest origins, calibration origins) of a run: what each model
    forecasts besides the future."""
    one_step = min(split.train_windows, MAX_SCORED_TARGETS) + min(split.n_test, MAX_SCORED_TARGETS)
    stride = config.stride or horizon
    origins = min(max((split.n_test - horizon) // stride + 1, 0), MAX_BACKTEST_ORIGINS)
    return one_step, origins, default_tail(split.n_train, horizon)


def _baselines_work(split: Split, season: int | None, runs: int, tail: int) -> float:
    """The statistical baselines' fits (on the training part, then for the calibration) and their
    ``runs`` forecasts over the series."""
    n_points, n_train = split.n_points, split.n_train
    if n_train < MIN_FIT_POINTS:
        return 0.0
    work: float = ETS_FIT_PER_POINT * (2 * n_train - tail) + 2 * THETA_FIT
    work += runs * (2 * FORECAST_CALL + ETS_PER_VALUE * n_points + THETA_FORECAST)
    arima_season = season if season and season > 1 else 1
    if n_train <= ARIMA_MAX_POINTS and arima_season <= ARIMA_MAX_SEASON:
        work += 2 * ARIMA_FIT + runs * (FORECAST_CALL + ARIMA_PER_VALUE * n_points)
    return work


def _pretrained_work(config: ForecastConfig, split: Split, season: int | None, horizon: int) -> RunWork:
    """A run of the pretrained network: its fine-tunes (none as it is; the run's and the calibration's
    when fine-tuned), its forecasts of every target and origin, and the baselines."""
    one_step, origins, tail = _forecast_counts(config, split, horizon)
    fit = calibration_fit = 0
    if config.mode == "fine-tuned":
        per_value = FINE_TUNE_PER_WINDOW * FINE_TUNE_EPOCHS  # a window per value of the fine-tuned part
        fit = FINE_TUNE_CALL + per_value * split.n_train
        calibration_fit = FINE_TUNE_CALL + per_value * max(split.n_train - tail, 0)
    windows = split.n_points + horizon * (origins + tail) + config.forecast_steps
    evaluation = (_baselines_work(split, season, one_step + origins + tail + 2, tail)
                  + PRETRAINED_PER_WINDOW * windows + HISTORY_PER_VALUE * split.n_points * (origins + tail))
    return RunWork(fit=fit, calibration_fit=calibration_fit, evaluation=int(round(evaluation)))
