"""How much training a run asks for, checked against the server's limits before it is queued or trained.

- forecast: the whole run (``LSTMLAB_MAX_WORK``): networks x epochs x training windows for the fit,
  plus the intervals' second fit and the evaluation in the same units (``models/forecast/cost.py``).
  The windows follow from the number of points of the cleaned series, the look-back, the test part
  and the transform, exactly as training splits them.
- digits: epochs x training digits (``LSTMLAB_MAX_DIGITS_WORK``). The digits are counted before any
  download: ``limit`` when set, else every digit the source can give (60,000 for full MNIST, which
  "auto" may get; 4,000 for the bundled digits after their test part).
- learn: bounded by the ranges its configuration accepts; nothing to count.

``plan_run`` is the one decision whether a run may start, made by the pages, the job engine and the
command line alike: the split, the transform's check and the work limit for a forecast, the work
limit for digits. It raises WorkLimitError (a LimitError), ConfigError or DataError with one plain
sentence. ``check_run`` is the same decision from a file's bytes (the engine's boundary, which does
not trust a page's parse). No TensorFlow here.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from models import limits
from models.config import DigitsConfig, ForecastConfig
from models.forecast import pipeline as forecast
from models.forecast import transforms
from models.forecast.cost import RunWork, run_work
from models.forecast.split import Split

FULL_MNIST_TRAIN_DIGITS = 60_000
BUNDLED_TRAIN_DIGITS = 4_000  # 5,000 bundled digits less the 20% kept for testing (models/digits/data.py)

_SERIES: OrderedDict[tuple[str, str | None, str | None], tuple[np.ndarray, int | None]] = OrderedDict()
_SERIES_LOCK = threading.Lock()
_SERIES_KEPT = 64


def training_windows(config: ForecastConfig, n_points: int) -> int:
    """Training windows of a forecast run on a series of ``n_points`` (DataError if too short)."""
    split = forecast.split_for(config, n_points)
    return split.n_train - split.first_target


def training_digits(config: DigitsConfig) -> int:
    """Most digits a digits run can train on (its ``limit``, capped by what the source holds)."""
    available = BUNDLED_TRAIN_DIGITS if config.source == "bundled" else FULL_MNIST_TRAIN_DIGITS
    return available if config.limit is None else min(config.limit, available)


def series_values(data: bytes, config: ForecastConfig, data_name: str | None = None) -> np.ndarray:
    """The values of the series the run will train on (parsed once per file and column choice)."""
    return _series(data, config, data_name)[0]


def _series(data: bytes, config: ForecastConfig, data_name: str | None) -> tuple[np.ndarray, int | None]:
    """(values, detected season length) of the series the run will train on, parsed once per file."""
    key = (hashlib.sha256(data).hexdigest(), config.time_column, config.target_column)
    with _SERIES_LOCK:
        if key in _SERIES:
            _SERIES.move_to_end(key)
            return _SERIES[key]
    from models.data import load_series

    series = load_series(data, time_column=config.time_column, target_column=config.target_column,
                         name=data_name)
    values = series.values
    values.setflags(write=False)  # shared by every run of the same file: never changed in place
    with _SERIES_LOCK:
        _SERIES[key] = (values, series.season_length)
        while len(_SERIES) > _SERIES_KEPT:
            _SERIES.popitem(last=False)
    return values, series.season_length


@dataclass(frozen=True)
class RunPlan:
    """What a run that may start will train on: a forecast's split, or a digits run's digits."""

    config: Any
    split: Split | None = None  # forecast: training and test targets
    training_units: int | None = None  # forecast: training windows; digits: training digits
    cost: RunWork | None = None  # forecast: the whole run's work, fit and evaluation

    @property
    def fit_work(self) -> int | None:
        """Networks x epochs x training windows (or epochs x digits): the training alone."""
        if self.cost is not None:
            return self.cost.fit
        if self.training_units is None:
            return None
        return getattr(self.config, "ensemble", 1) * self.config.epochs * self.training_units

    @property
    def work(self) -> int | None:
        """What the work limits count: a forecast's whole run (fit and evaluation), a digits run's
        epochs x digits."""
        return self.cost.total if self.cost is not None else self.fit_work


def plan_run(config: Any, values: np.ndarray | None = None, season_length: int | None = None) -> RunPlan:
    """Decide whether a run of ``config`` may start (on the series ``values`` for a forecast, whose
    detected ``season_length`` sets the default horizon the evaluation's cost depends on; unknown, the
    configured season is used).

    Raises ConfigError (a transform that cannot apply), DataError (too few points) or
    WorkLimitError (over the server's limit: the fit alone, or the fit and the evaluation together);
    otherwise returns what it will train on.
    """
    if isinstance(config, ForecastConfig):
        if values is None:
            return RunPlan(config)
        season = forecast.resolve_season(config, season_length)
        config, _ = forecast.network_settings(config, values, season)
        transforms.check_values(forecast.windowing(config, season).transform, values)
        split = forecast.split_for(config, len(values))
        cost = run_work(config, split, season)
        windows = split.n_train - split.first_target
        plan = RunPlan(config, split, windows, cost)
        if config.pretrained:
            limits.check_total_work(cost.total, "the pretrained network and the baselines")
        else:
            limits.check_work(config.epochs, windows, config.ensemble, cost.scoring)
        return plan
    if isinstance(config, DigitsConfig):
        digits = training_digits(config)
        plan = RunPlan(config, training_units=digits)
        limits.check_digits_work(config.epochs, digits)
        return plan
    return RunPlan(config)


def check_run(config: Any, data: bytes | None = None, data_name: str | None = None) -> RunPlan:
    """``plan_run`` for a run about to be queued, from its data file's bytes (parsed once per file)."""
    if isinstance(config, ForecastConfig) and data:
        return plan_run(config, *_series(data, config, data_name))
    return plan_run(config)
