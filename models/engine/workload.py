"""How much training a run asks for, checked against the server's limits before it is queued or trained.

- forecast: epochs x training windows (``LSTMLAB_MAX_WORK``). The windows follow from the number of
  points of the cleaned series, the look-back, the test part and the transform, exactly as training
  splits them.
- digits: epochs x training digits (``LSTMLAB_MAX_DIGITS_WORK``). The digits are counted before any
  download: ``limit`` when set, else every digit the source can give (60,000 for full MNIST, which
  "auto" may get; 4,000 for the bundled digits after their test part).
- learn: bounded by the ranges its configuration accepts; nothing to count.

``check_run`` is what the job engine and the command line call before a run is queued or trained;
it raises WorkLimitError (a LimitError) with one plain sentence, or the data's own DataError when a
forecast's file cannot become a series. No TensorFlow here.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from models import limits
from models.config import DigitsConfig, ForecastConfig
from models.forecast import pipeline as forecast

FULL_MNIST_TRAIN_DIGITS = 60_000
BUNDLED_TRAIN_DIGITS = 4_000  # 5,000 bundled digits less the 20% kept for testing (models/digits/data.py)

_LENGTHS: OrderedDict[tuple[str, str | None, str | None], int] = OrderedDict()
_LENGTHS_LOCK = threading.Lock()
_LENGTHS_KEPT = 64


def training_windows(config: ForecastConfig, n_points: int) -> int:
    """Training windows of a forecast run on a series of ``n_points`` (DataError if too short)."""
    split = forecast.split_for(config, n_points)
    return split.n_train - split.first_target


def training_digits(config: DigitsConfig) -> int:
    """Most digits a digits run can train on (its ``limit``, capped by what the source holds)."""
    available = BUNDLED_TRAIN_DIGITS if config.source == "bundled" else FULL_MNIST_TRAIN_DIGITS
    return available if config.limit is None else min(config.limit, available)


def check_forecast(config: ForecastConfig, n_points: int) -> None:
    """WorkLimitError when a forecast run on ``n_points`` points is over ``LSTMLAB_MAX_WORK``."""
    limits.check_work(config.epochs, training_windows(config, n_points))


def check_digits(config: DigitsConfig) -> None:
    """WorkLimitError when a digits run is over ``LSTMLAB_MAX_DIGITS_WORK``."""
    limits.check_digits_work(config.epochs, training_digits(config))


def series_length(data: bytes, config: ForecastConfig, data_name: str | None = None) -> int:
    """Points of the series the run will train on (parsed once per file and column choice)."""
    key = (hashlib.sha256(data).hexdigest(), config.time_column, config.target_column)
    with _LENGTHS_LOCK:
        if key in _LENGTHS:
            _LENGTHS.move_to_end(key)
            return _LENGTHS[key]
    from models.data import load_series

    length = len(load_series(data, time_column=config.time_column, target_column=config.target_column,
                             name=data_name).values)
    with _LENGTHS_LOCK:
        _LENGTHS[key] = length
        while len(_LENGTHS) > _LENGTHS_KEPT:
            _LENGTHS.popitem(last=False)
    return length


def check_run(config: Any, data: bytes | None = None, data_name: str | None = None) -> None:
    """Refuse a run over its work limit before it is queued (any configuration kind)."""
    if isinstance(config, ForecastConfig):
        if data:
            check_forecast(config, series_length(data, config, data_name))
    elif isinstance(config, DigitsConfig):
        check_digits(config)
