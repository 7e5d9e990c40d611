"""The forecasting pipeline around the network, without TensorFlow: prepare and score.

``prepare`` turns a series and a ForecastConfig into scaled training and test windows (transform,
then a scaler fitted on the training part only); ``models.train.forecaster`` fits the network on
them; the functions here turn the network's scaled outputs back into original units and score the
network and the baselines on the very same targets.

Prediction arrays are aligned with time: index ``t`` < N is a point of the series, N.. N+K-1 are
the forecast steps past its end; NaN marks "no prediction here" and never reaches a result.

One-step scores use at most ``MAX_SCORED_TARGETS`` targets of each part, the last ones
(``scored_targets``), the same for the network and every baseline: each one-step forecast of a
statistical baseline is a run over all the values before its target, so scoring every target of a long
series costs the square of its length (a 10,000-point run spent 335 s on it). A series with no more
targets than that in either part (every bundled sample) is scored on all of them, as before; past it a
note gives the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.config import ForecastConfig
from models.errors import ConfigError, DataError
from models.forecast import transforms
from models.forecast.baselines import BASELINE_NAMES, Baseline, make_baselines
from models.forecast.metrics import forecast_scores
from models.forecast.seen import seen_by_pretrained
from models.forecast.split import MinMaxScaler, Split, make_windows, plan_split
from models.forecast.statistical import STATISTICAL_NAMES, make_statistical_baselines
from models.summaries import ForecastMetrics, HorizonScores, ModelScores
from models.vocabulary import NETWORK_KEY

# One-step scores use at most this many targets of the training part and of the test part (the last).
MAX_SCORED_TARGETS = 1_000
ALL_BASELINE_NAMES = (*BASELINE_NAMES, *STATISTICAL_NAMES)
PREDICTION_COLUMNS = (NETWORK_KEY, *ALL_BASELINE_NAMES)


@dataclass
class Prepared:
    """Everything the network needs, in scaled transformed units, plus how to go back."""

    values: np.ndarray  # [N] original units
    split: Split
    transform: str
    transformed: np.ndarray  # [N] after the transform (first split.offset entries NaN)
    scaler: MinMaxScaler  # fitted on transformed[offset:n_train] only
    scaled: np.ndarray  # [N] transformed and scaled
    x_train: np.ndarray  # [M, look_back, 1]
    y_train: np.ndarray  # [M]
    x_test: np.ndarray  # [T, look_back, 1]
    y_test: np.ndarray  # [T]
    season_length: int | None
    notes: list[str] = field(default_factory=list)


def resolve_season(config: ForecastConfig, detected: int | None) -> int | None:
    """The season length to use: the configured one, else the detected one (None: no season)."""
    season = config.season_length if config.season_length is not None else detected
    return season if season is not None and season >= 2 else None


SEEN = "The series holds values the pretrained network learned from (the M1 competition's)"
SEEN_REFUSAL = (f"{SEEN}, so its scores there would not be honest: choose the network trained on this "
                "series (local).")
SEEN_NOTE = (f"{SEEN}, so a network trained on this series alone forecasts it: scores on learned values "
             "would not be honest.")


def network_settings(config: ForecastConfig, values: np.ndarray,
                     season_length: int | None) -> tuple[ForecastConfig, list[str]]:
    """``config`` with its mode decided for this series (its season: the run's), and a note when "auto"
    chose otherwise than the season would or shortened the look-back of a short series. ConfigError
    when the pretrained network is asked for on a series holding values it learned from; DataError
    when "auto" cannot use it there and the series is too short for a network of its own."""
    decided = config.resolved(season_length)
    notes = []
    if decided.pretrained and seen_by_pretrained(values):
        if config.mode != "auto":
            raise ConfigError(SEEN_REFUSAL)
        decided, notes = config.replace(mode="local"), [SEEN_NOTE]
    if config.mode == "auto" and decided.mode == "local" and not config.local_settings_changed:
        fitted = _fitting_look_back(decided, values.size, season_length)
        if fitted is None and notes:
            raise DataError(f"{SEEN}, and with only {values.size} points a network trained on it alone has "
                            "too few training windows: use a longer series.")
        if fitted is not None and fitted.look_back != decided.look_back:
            notes.append(f"The look-back is {fitted.look_back} instead of {decided.look_back}: the longest "
                         "that leaves this short series enough training windows.")
            decided = fitted
    return decided, notes


def _fitting_look_back(config: ForecastConfig, n_points: int,
                       season_length: int | None) -> ForecastConfig | None:
    """``config`` with the longest look-back up to its own that splits a series of ``n_points`` (the
    "auto" transform may fall back to step differences, as ``prepare`` does); None when none does."""
    transform = "diff" if config.transform == transforms.AUTO else None
    for look_back in range(config.look_back, 0, -1):
        candidate = config.replace(look_back=look_back)
        try:
            split_for(candidate, n_points, season_length, transform)
        except DataError:
            continue
        return candidate
    return None


def windowing(config: ForecastConfig, season_length: int | None) -> ForecastConfig:
    """The settings a series of ``season_length`` is split and windowed by (an "auto" mode decided).
    A local network's own; a pretrained network reads any history (padded to its own look-back, each
    window normalised by its level), so its targets need one value before them and the values stay as
    they are."""
    config = config.resolved(season_length)
    if not config.pretrained:
        return config
    return config.replace(look_back=1, transform="none", headroom=1.0)


def split_for(config: ForecastConfig, n_points: int, season_length: int | None = None,
              transform: str | None = None) -> Split:
    """How a run with ``config`` splits a series of ``n_points`` into training and test targets
    (DataError when it is too short for the look-back and test part). ``transform``: the one the run
    uses (``config.transform`` resolved), which may use up a season of points at the start."""
    config = windowing(config, season_length)
    name = transform or config.transform
    return plan_split(n_points, config.test_fraction, config.look_back,
                      offset=transforms.offset(name, season_length), transform_name=name,
                      test_size=config.test_size)


def prepare(config: ForecastConfig, values: np.ndarray, season_length: int | None) -> Prepared:
    """Split, transform and scale ``values`` [N] for ``config``; windows never straddle the split.

    Raises ConfigError for a transform that cannot apply (a log of non-positive values) and
    DataError when the series is too short for the look-back.
    """
    values = np.asarray(values, dtype=np.float64)
    pretrained = config.resolved(season_length).pretrained
    config = windowing(config, season_length)
    name = transforms.resolve(config.transform, season_length)
    transforms.check_values(name, values, season_length, season_known=True)
    try:
        split = split_for(config, values.size, season_length, name)
    except DataError:
        if config.transform != transforms.AUTO or name == "diff":
            raise
        name = "diff"  # a season of points is more than this short series can spare
        split = split_for(config, values.size, season_length, name)
    transformed = transforms.forward(name, values, season_length)  # [N]
    scaler = MinMaxScaler(config.headroom).fit(transformed[split.offset : split.n_train])  # training part
    scaled = scaler.transform(transformed)  # [N]
    x_train, y_train = make_windows(scaled, split.train_targets, config.look_back)  # [M, L, 1], [M]
    x_test, y_test = make_windows(scaled, split.test_targets, config.look_back)  # [T, L, 1], [T]
    if not (np.isfinite(x_train).all() and np.isfinite(x_test).all()):  # pragma: no cover - a bug guard
        raise ValueError("A window reached into the undefined start of a differenced series.")
    notes = [
        f"Trained on the first {split.n_train} points and tested on the last {split.n_test}; "
        f"the scaler saw the training part only." if not pretrained else
        f"Scored on the last {split.n_test} points; the baselines (and a fine-tune) saw the first "
        f"{split.n_train} only.",
    ]
    if config.headroom > 1:
        notes.append(f"The training values fill the first {100 / config.headroom:.0f}% of the scaled range, "
                     "leaving room for higher levels in the test part.")
    if name != "none":
        chosen = f" (auto: {name})" if config.transform == transforms.AUTO else ""
        notes.append(f"The network learned {transforms.DESCRIPTIONS[name]}{chosen}.")
    return Prepared(
        values=values,
        split=split,
        transform=name,
        transformed=transformed,
        scaler=scaler,
        scaled=scaled,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        season_length=season_length,
        notes=notes,
    )


def one_step_to_original(
    prepared: Prepared, scaled_predictions: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Original-unit one-step predictions for ``targets`` from the network's scaled outputs [M]."""
    targets = np.asarray(targets, dtype=np.int64)
    transformed = prepared.scaler.inverse_transform(np.asarray(scaled_predictions, dtype=np.float64).ravel())
    lag = transforms.offset(prepared.transform, prepared.season_length)
    lagged = prepared.values[np.maximum(targets - lag, 0)]  # y[t-lag], actual and known at time t
    return transforms.invert_one_step(prepared.transform, transformed, lagged)


def path_to_original(prepared: Prepared, scaled_path: np.ndarray) -> np.ndarray:
    """Original-unit values of a recursive forecast past the end from scaled outputs [K]."""
    transformed = prepared.scaler.inverse_transform(np.asarray(scaled_path, dtype=np.float64).ravel())
    return transforms.invert_path(prepared.transform, transformed, prepared.values, prepared.season_length)


def scored_targets(split: Split) -> tuple[np.ndarray, np.ndarray]:
    """The training and test targets the one-step scores use: the last ``MAX_SCORED_TARGETS`` of each
    part (all of them in a shorter part), the same for every model."""
    return split.train_targets[-MAX_SCORED_TARGETS:], split.test_targets[-MAX_SCORED_TARGETS:]


def scoring_note(split: Split) -> str | None:
    """The sentence saying which targets the one-step scores use, when not all of them (else None)."""
    train, test = scored_targets(split)
    if train.size == split.train_targets.size and test.size == split.test_targets.size:
        return None
    return (f"One-step scores use the last {train.size:,} of the {split.train_targets.size:,} training "
            f"targets and the last {test.size:,} of the {split.n_test:,} test points, the same for every "
            "model: a statistical baseline's one-step forecast runs over all the values before its target, "
            "so every target of a series this long would take hours.")


def fit_baselines(prepared: Prepared) -> tuple[dict[str, Baseline], list[str]]:
    """Every baseline, naive and statistical, fitted on the training part only; notes on skipped ones."""
    train_values = prepared.values[: prepared.split.n_train]
    naive, notes = make_baselines(train_values, prepared.season_length)
    statistical, more = make_statistical_baselines(train_values, prepared.season_length)
    return {**naive, **statistical}, notes + more


def baseline_predictions(
    prepared: Prepared, forecast_steps: int, baselines: dict[str, Baseline] | None = None
) -> tuple[dict[str, np.ndarray], dict[str, Baseline], list[str]]:
    """Time-aligned predictions [N + K] of every baseline (NaN where undefined), the fitted baselines
    (``fit_baselines`` unless given) and notes on skipped ones.

    Baselines predict the same targets as the network: its training targets and every test point,
    one step ahead from the actual values before each, then ``forecast_steps`` past the end. The
    statistical ones predict the scored targets only (``scored_targets``: all of them but on a long
    series), which are all the scores use.
    """
    split = prepared.split
    notes: list[str] = []
    if baselines is None:
        baselines, notes = fit_baselines(prepared)
    every = np.concatenate([split.train_targets, split.test_targets])
    scored = np.concatenate(scored_targets(split))
    result: dict[str, np.ndarray] = {}
    for name in ALL_BASELINE_NAMES:
        path = np.full(split.n_points + forecast_steps, np.nan)
        baseline: Baseline | None = baselines.get(name)
        if baseline is not None:
            targets = scored if name in STATISTICAL_NAMES else every
            path[targets] = baseline.predict(prepared.values, targets)
            try:
                path[split.n_points :] = baseline.forecast(prepared.values, forecast_steps)
            except ValueError as error:
                notes.append(f"No forecast past the end from {baseline.title}: {error}")
        result[name] = path
    return result, baselines, notes


def score_predictions(prepared: Prepared, predictions: dict[str, np.ndarray]) -> ForecastMetrics:
    """Train and test scores of every model on the same target indices.

    Test scores use every scored test point (``scored_targets``: every test point but on a long
    series; a model missing any of them gets None everywhere, which only happens to a skipped
    baseline). Train scores use the scored training targets where the model has a prediction
    (seasonal naive starts one season in).
    """
    split = prepared.split
    values = prepared.values
    train_part = values[: split.n_train]
    season = prepared.season_length
    scored_train, scored_test = scored_targets(split)
    scores: dict[str, ModelScores] = {}
    for name, path in predictions.items():
        train = scored_train[np.isfinite(path[scored_train])]
        fit = (forecast_scores(values[train], path[train], train_part, season) if train.size
               else HorizonScores())
        test = scored_test
        complete = bool(np.isfinite(path[test]).all())
        ahead = forecast_scores(values[test], path[test], train_part, season) if complete else HorizonScores()
        scores[name] = ModelScores(train_rmse=fit.rmse, train_mae=fit.mae, test_rmse=ahead.rmse,
                                   test_mae=ahead.mae, test_mape=ahead.mape, test_smape=ahead.smape,
                                   test_mase=ahead.mase)
    return ForecastMetrics(scores)


def future_labels(time_labels: list[str], times: pd.DatetimeIndex | None, steps: int) -> list[str]:
    """Display labels for ``steps`` points after the last one, in the style of ``time_labels``.

    Regular dated series continue their calendar ("1961-01", "1971"); numbered points continue
    their numbering; anything else is labelled "+1", "+2", ...
    """
    if steps <= 0:
        return []
    if times is not None and len(times) >= 3:
        frequency = times.freq or pd.infer_freq(times)
        if frequency is not None:
            future = pd.date_range(times[-1], periods=steps + 1, freq=frequency)[1:]
            formatter = _label_formatter(times[-1], time_labels[-1])
            if formatter is not None:
                return [formatter(stamp) for stamp in future]
    try:
        numbers = [int(label) for label in time_labels[-3:]]
    except ValueError:
        numbers = []
    if len(numbers) >= 2 and len({b - a for a, b in zip(numbers, numbers[1:], strict=False)}) == 1:
        step = numbers[1] - numbers[0]
        return [str(numbers[-1] + step * k) for k in range(1, steps + 1)]
    return [f"+{k}" for k in range(1, steps + 1)]


def _label_formatter(stamp: pd.Timestamp, label: str) -> Callable[[pd.Timestamp], str] | None:
    """A function formatting timestamps like ``label`` formats ``stamp`` (None if no format fits)."""
    candidates = [
        _strftime(pattern) for pattern in ("%Y-%m", "%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
    ]
    candidates.append(lambda t: f"{t.year} Q{t.quarter}")
    for candidate in candidates:
        if candidate(stamp) == label:
            return candidate
    return None


def _strftime(pattern: str) -> Callable[[pd.Timestamp], str]:
    """A function formatting a timestamp with the strftime ``pattern``."""
    return lambda stamp: stamp.strftime(pattern)
