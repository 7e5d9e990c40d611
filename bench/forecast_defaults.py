"""Panel benchmark of the forecaster's defaults: the network against AutoETS and AutoTheta on every
distinct real series of the corpus (tests/data/real/manifest.csv) plus the bundled samples.

    python bench/forecast_defaults.py                      # today's defaults, test parts, full panel
    python bench/forecast_defaults.py --screen             # every candidate, validation parts, subset
    python bench/forecast_defaults.py --confirm a,b        # validation on the full panel for defaults,
                                                           # a and b; then test parts of the best and
                                                           # of the defaults, measured once
    python bench/forecast_defaults.py --candidates a,b --part validation --panel subset
    python bench/forecast_defaults.py --advice --fast      # what the verdict advises when a baseline
                                                           # wins: panel_advice.json (validation parts)
    python bench/forecast_defaults.py --list               # the panel and the candidates
    python bench/forecast_defaults.py --sweep              # the old one-at-a-time sweep, bundled series

The panel: each series once, however many file shapes the corpus holds it in (rows of the manifest
with the same source, and the bundled samples that are the same data, count once; the longest copy
is used), read with the manifest's target and time column and season length. Series too short for
the settings are skipped with a line saying so.

Two parts per series, never mixed:

* ``validation``: the series cut to its training part (the test part is dropped before anything
  runs), then split again as the app splits: the "test" part of that run is a tail of the original
  training part. Every choice between candidates is made here.
* ``test``: the whole series, as the app runs it. Only the candidates chosen on validation and
  today's defaults are measured here, once.

Per series and candidate, ``train_forecaster`` runs as the app runs it (same split, scaler, network,
one-step scores, rolling-origin backtest and conformal intervals). AutoETS and AutoTheta are scored
once per series and part by the app's own ``evaluate`` (they do not depend on the network's
settings), so the candidate runs skip refitting them; everything the network is scored on is
unchanged. The backtest horizon is the app's (one season, else 10 steps), cut to the test part's
length when the test part is shorter (the app would then give no multi-step score at all).

Printed per candidate: the geometric mean over series of the network's RMSE divided by AutoETS', by
AutoTheta's and by the better of the two, one step ahead and over the horizon; how many series the
network wins; the network's mean interval coverage (80% and 95%); seconds per series. Raw per-run
records go to bench/results/panel_runs.jsonl (reused on the next call unless --fresh) and each
report's table to bench/results/<name>.json and .csv.

Prototypes not in the app (kept here until measured): ``early=10`` stops every network once the last
20% of its training windows has not improved for 10 epochs, keeping its best weights (measured on
validation: worse than the defaults); ``ens3``/``ens5`` train the same network with
3/5 seeds and take the median of their forecasts (its intervals: the median of the members'
calibrated half-widths); ``sdiff`` trains on the seasonal difference y[t] - y[t-m] (``logsdiff`` on
log y[t] - log y[t-m]) and adds y[t-m] back (multiplies, for the log), using only values known at
the forecast's origin; both fall back to the ordinary settings on a series without a season.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import hashlib
import json
import math
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from models.config import ForecastConfig  # noqa: E402
from models.data import bundled_samples, load_series  # noqa: E402
from models.errors import LabError  # noqa: E402
from models.forecast import transforms  # noqa: E402
from models.forecast.backtest import default_horizon  # noqa: E402
from models.forecast.split import MIN_TRAIN_WINDOWS, train_size  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tests" / "data" / "real" / "manifest.csv"
RESULTS = ROOT / "bench" / "results"
RUNS_FILE = RESULTS / "panel_runs.jsonl"
BASELINES = ("ets", "theta")
SEEDS = (7, 1, 2, 3, 4)  # the first n are an n-seed ensemble; 7 is ForecastConfig's default
NEUTRAL = {"ensemble": 1, "strategy": "recursive"}  # settings added after runs were recorded

# Different sources that are the same data (a longer or shorter copy of one series).
SAME_DATA = {
    "R datasets::AirPassengers": "airline-passengers",
    "R datasets::Nile": "nile-flow",
    "R datasets::sunspot.year": "sunspots-yearly",
    "statsmodels.datasets.sunspots": "sunspots-yearly",
    "R fpp2::gasoline": "R fpp3::us_gasoline",
}
# The screening subset: series of every frequency and shape (chosen by kind, before any run).
SUBSET = (
    "airline-passengers", "electrical-equipment", "nile-flow", "sunspots-yearly", "R fpp2::a10",
    "R datasets::USAccDeaths", "R fpp2::ausbeer", "R datasets::JohnsonJohnson", "R datasets::lynx",
    "R datasets::WWWusage",
)


@dataclass(frozen=True)
class Candidate:
    """Settings to try: ForecastConfig changes, a look-back in seasons (None: ``changes`` or the
    default), a wrapper (``plain``, ``sdiff``, ``logsdiff``) and an ensemble size."""

    changes: dict = field(default_factory=dict)
    seasons: int | None = None
    wrap: str = "plain"
    members: int = 1
    patience: int | None = None  # early stopping on a tail of the training windows (prototype)
    note: str = ""

    def spec(self) -> str:
        """Its identity in the run records, with the defaults it changes (records made under other
        defaults are not reused)."""
        defaults = ForecastConfig().to_dict()
        for name, neutral in NEUTRAL.items():  # added later with a value that changes no run
            if defaults.get(name) == neutral:
                del defaults[name]
        return json.dumps({**dataclasses.asdict(self), "defaults": defaults}, sort_keys=True)


CANDIDATES: dict[str, Candidate] = {
    "defaults": Candidate(note="today's ForecastConfig() (transform auto)"),
    "t=diff": Candidate({"transform": "diff"}, note="the defaults before auto: step differences"),
    "t=none": Candidate({"transform": "none"}),
    "t=log": Candidate({"transform": "log"}, note="none where values are not all positive"),
    "t=log_diff": Candidate({"transform": "log_diff"}, note="diff where values are not all positive"),
    "lb=1s": Candidate(seasons=1, note="look-back one season (12 without a season)"),
    "lb=2s": Candidate(seasons=2, note="look-back two seasons (12 without a season)"),
    "lb=3s": Candidate(seasons=3, note="look-back three seasons (12 without a season)"),
    "u=16": Candidate({"units": 16}),
    "u=64": Candidate({"units": 64}),
    "e=50": Candidate({"epochs": 50}),
    "e=200": Candidate({"epochs": 200}),
    "lr=0.003": Candidate({"learning_rate": 0.003}),
    "lr=0.03": Candidate({"learning_rate": 0.03}),
    "ens3": Candidate(members=3, note="median of 3 seeds"),
    "ens5": Candidate(members=5, note="median of 5 seeds"),
    "ensemble=1": Candidate({"ensemble": 1}, note="one network (the app's ensemble setting)"),
    "previous": Candidate({"ensemble": 1, "units": 32}, note="the defaults before: one network of 32"),
    "ensemble=3": Candidate({"ensemble": 3}, note="the app's ensemble: 3 networks side by side, median"),
    "ensemble=5": Candidate({"ensemble": 5}, note="the app's ensemble: 5 networks side by side, median"),
    "ensemble=5+u=64": Candidate({"ensemble": 5, "units": 64}),
    "direct": Candidate({"strategy": "direct"}, note="every step of the horizon at once"),
    "early=10": Candidate(patience=10, note="early stopping: last 20% of the training windows, patience 10"),
    "early=10+e=300": Candidate({"epochs": 300}, patience=10, note="early stopping with up to 300 epochs"),
    "direct+ensemble=1": Candidate({"strategy": "direct", "ensemble": 1}),
    "sdiff": Candidate({"transform": "none"}, wrap="sdiff", note="y[t]-y[t-m]; diff without a season"),
    "sdiff+diff": Candidate(wrap="sdiff", note="(1-B)(1-B^m) y; diff without a season"),
    "logsdiff": Candidate({"transform": "none"}, wrap="logsdiff",
                          note="log y[t]-log y[t-m]; sdiff if not all positive; diff without a season"),
    # combinations, screened after the single changes
    "sdiff+ens3": Candidate({"transform": "none"}, wrap="sdiff", members=3),
    "sdiff+e=50": Candidate({"transform": "none", "epochs": 50}, wrap="sdiff"),
    "sdiff+u=16": Candidate({"transform": "none", "units": 16}, wrap="sdiff"),
    "sdiff+lb=1s": Candidate({"transform": "none"}, seasons=1, wrap="sdiff"),
    "sdiff+e=50+ens3": Candidate({"transform": "none", "epochs": 50}, wrap="sdiff", members=3),
    "sdiff+e=50+ens5": Candidate({"transform": "none", "epochs": 50}, wrap="sdiff", members=5),
    "e=50+ens3": Candidate({"epochs": 50}, members=3),
    "lr=0.003+ens3": Candidate({"learning_rate": 0.003}, members=3),
    "sdiff+lr=0.003": Candidate({"transform": "none", "learning_rate": 0.003}, wrap="sdiff"),
    "sdiff+lr=0.003+ens3": Candidate({"transform": "none", "learning_rate": 0.003}, wrap="sdiff", members=3),
}
# Screened on the subset (the single changes that fit the time budget; the others stay available).
SCREEN = ["defaults", "t=none", "t=log_diff", "lb=1s", "u=16", "e=50", "lr=0.003", "ens3", "sdiff",
          "logsdiff"]


# ----------------------------------------------------------------------------------------- the panel
@dataclass
class PanelSeries:
    key: str  # the source (one per distinct series)
    label: str  # short name for tables
    series: object  # models.data.Series
    season: int | None
    files: list[str]

    @property
    def values(self) -> np.ndarray:
        return np.asarray(self.series.values, dtype=np.float64)


def _source_key(source: str) -> str:
    source = re.sub(r"\s*\(.*\)\s*$", "", source.strip())  # "(first 150 weeks)", "(two cells blanked)"
    return SAME_DATA.get(source, source)


def _short(key: str) -> str:
    return key.split("::")[-1].split(".")[-1] if "::" in key or "." in key else key


def load_panel(verbose: bool = True) -> list[PanelSeries]:
    """Every distinct series once (the longest copy; the first listed among equals), bundled first."""
    found: dict[str, PanelSeries] = {}
    fingerprints: dict[bytes, str] = {}

    def add(key: str, label: str, series, season: int | None, file_name: str) -> None:
        digest = hashlib.sha256(np.round(np.asarray(series.values, dtype=np.float64), 6).tobytes()).digest()
        key = fingerprints.get(digest, key)  # the very same values under another source: one series
        fingerprints.setdefault(digest, key)
        if key in found:
            found[key].files.append(file_name)
            if len(series.values) > len(found[key].series.values):
                found[key].series, found[key].season = series, season
            return
        found[key] = PanelSeries(key=key, label=label, series=series, season=season, files=[file_name])

    for name, sample in bundled_samples().items():
        series = load_series(sample.path, name=name)
        add(name, name, series, series.season_length, f"data/{sample.path.name}")
    with MANIFEST.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        path = MANIFEST.parent / row["file"]
        sheet = row["sheet"] or None
        series = load_series(path, name=row["file"], sheet=sheet)
        if series.target != row["target"]:  # the reader's choice must be the manifest's
            series = load_series(path, name=row["file"], sheet=sheet, target_column=row["target"])
        season = int(row["season_length"]) if row["season_length"] else None
        key = _source_key(row["source"])
        add(key, _short(key), series, season, row["file"] + (f":{sheet}" if sheet else ""))
    panel = list(found.values())
    if verbose:
        shapes = sum(len(entry.files) for entry in panel)
        print(f"# panel: {len(panel)} distinct series from {shapes} files "
              f"({len(rows)} manifest rows + {len(bundled_samples())} bundled samples)", flush=True)
    return panel


# -------------------------------------------------------------------------------- one series, one part
def part_series(entry: PanelSeries, part: str):
    """The Series a run of ``part`` sees: the whole series (test) or its training part (validation)."""
    series = entry.series
    if part == "test":
        return series
    n_train = train_size(len(series.values), ForecastConfig().test_fraction)
    return _cut(series, 0, n_train)


def _cut(series, start: int, stop: int, values: np.ndarray | None = None):
    times = series.times[start:stop] if series.times is not None else None
    return dataclasses.replace(series, values=series.values[start:stop] if values is None else values,
                               time_labels=list(series.time_labels)[start:stop], times=times)


def horizon_for(n_points: int, season: int | None) -> tuple[int, int]:
    """(horizon, n_test) of a run on ``n_points``: the app's horizon, cut to the test part."""
    n_test = n_points - train_size(n_points, ForecastConfig().test_fraction)
    return min(default_horizon(season), n_test), n_test


@contextlib.contextmanager
def captured(without_statistical: bool, intervals: bool = True):
    """Record the Evaluation (and the interval calibrations) of every train_forecaster call; with
    ``without_statistical`` the statistical baselines are not refitted (the network's scores do not
    depend on them); without ``intervals`` no interval is calibrated (which saves the second network
    the calibration trains; the scores are unchanged, the coverage is not measured)."""
    import models.forecast.evaluation as evaluation_module
    import models.forecast.pipeline as pipeline_module
    import models.train.forecaster as forecaster_module

    record: dict = {}
    original_evaluate = forecaster_module.evaluate
    original_coverage = evaluation_module.backtest_coverage
    original_statistical = pipeline_module.make_statistical_baselines
    original_calibrate = evaluation_module.calibrate

    def no_calibration(*args, **kwargs):
        raise ValueError("not calibrated in this benchmark pass")

    def evaluate(*args, **kwargs):
        record["evaluation"] = original_evaluate(*args, **kwargs)
        return record["evaluation"]

    def backtest_coverage(backtest, calibrations):
        record["calibrations"] = dict(calibrations)
        return original_coverage(backtest, calibrations)

    forecaster_module.evaluate = evaluate
    evaluation_module.backtest_coverage = backtest_coverage
    if without_statistical:
        pipeline_module.make_statistical_baselines = lambda *args, **kwargs: ({}, [])
    if not intervals:
        evaluation_module.calibrate = no_calibration
    try:
        yield record
    finally:
        forecaster_module.evaluate = original_evaluate
        evaluation_module.backtest_coverage = original_coverage
        pipeline_module.make_statistical_baselines = original_statistical
        evaluation_module.calibrate = original_calibrate


EARLY_TAIL = 0.2  # share of the training windows, at their end, that early stopping watches


@contextlib.contextmanager
def early_stopping(patience: int | None):
    """Prototype, not in the app: every network a run trains (the run's and the calibration's) holds
    out the last EARLY_TAIL of its training windows, stops once their loss has not improved for
    ``patience`` epochs, and keeps the weights of its best epoch. None: unchanged."""
    if patience is None:
        yield
        return
    import models.train.forecaster as forecaster_module
    from models.errors import TrainingCancelled

    original = forecaster_module.fit_fast

    def fit_fast(model, loss, optimizer, x, y, *, on_epoch_end=None, should_stop=None, **options):
        n_tail = max(1, int(round(len(x) * EARLY_TAIL)))
        x_fit, y_fit, x_tail, y_tail = x[:-n_tail], y[:-n_tail], x[-n_tail:], y[-n_tail:]
        best = {"loss": np.inf, "epoch": -1, "weights": model.get_weights()}
        state = {"epoch": -1}

        def watch(epoch, logs):
            state["epoch"] = epoch
            tail_loss = float(loss(y_tail, model(x_tail, training=False)))
            if tail_loss < best["loss"]:
                best.update(loss=tail_loss, epoch=epoch, weights=model.get_weights())
            if on_epoch_end is not None:
                on_epoch_end(epoch, logs)

        def stop():
            return state["epoch"] - best["epoch"] >= patience or bool(should_stop and should_stop())

        try:
            original(model, loss, optimizer, x_fit, y_fit, on_epoch_end=watch, should_stop=stop, **options)
        except TrainingCancelled:
            if should_stop and should_stop():
                raise
        model.set_weights(best["weights"])

    forecaster_module.fit_fast = fit_fast
    try:
        yield
    finally:
        forecaster_module.fit_fast = original


def baseline_scores(entry: PanelSeries, part: str) -> dict:
    """AutoETS' and AutoTheta's one-step and multi-step test RMSE and interval coverage, from the app's
    own ``evaluate`` (the network slot filled by persistence, which is not reported)."""
    from models.forecast.evaluation import evaluate
    from models.forecast.pipeline import prepare

    series = part_series(entry, part)
    values = np.asarray(series.values, dtype=np.float64)
    horizon, _ = horizon_for(values.size, entry.season)
    config = ForecastConfig(season_length=entry.season, horizon=horizon, look_back=1)
    started = time.perf_counter()
    prepared = prepare(config, values, entry.season)

    def persistence(history, steps):
        return np.repeat(float(np.asarray(history)[-1]), steps)

    path = np.full(values.size + config.forecast_steps, values[-1])
    path[1:values.size] = values[:-1]
    evaluation = evaluate(prepared, config, path, persistence, lambda train: persistence)
    out = {"seconds": time.perf_counter() - started, "horizon": horizon, "n_points": int(values.size)}
    for name in BASELINES:
        scores = evaluation.metrics.models.get(name)
        out[f"{name}_one"] = None if scores is None else scores.test_rmse
        multi = (evaluation.backtest.metrics.get(name) or {}) if evaluation.backtest else {}
        out[f"{name}_multi"] = multi.get("rmse")
        cover = evaluation.test_coverage.get(name) or {}
        out[f"{name}_cov80"], out[f"{name}_cov95"] = cover.get("80"), cover.get("95")
    return out


def _config(entry: PanelSeries, candidate: Candidate, n_points: int, n_test: int, horizon: int,
            seed: int, positive: bool) -> tuple[ForecastConfig, list[str]]:
    """The candidate's ForecastConfig for a run on ``n_points`` (look-back cut to fit, with a note)."""
    notes = []
    changes = dict(candidate.changes)
    transform = changes.get("transform", ForecastConfig().transform)
    if transforms.uses_log(transform) and not positive:
        changes["transform"] = "diff" if transform == "log_diff" else "none"
        notes.append(f"{transform} -> {changes['transform']} (values not all positive)")
    look_back = changes.pop("look_back", ForecastConfig().look_back)
    if candidate.seasons and entry.season:
        look_back = candidate.seasons * entry.season
    offset = transforms.offset(changes.get("transform", ForecastConfig().transform))
    room = n_points - n_test - offset - MIN_TRAIN_WINDOWS
    if look_back > room:
        notes.append(f"look-back {look_back} -> {room} (too few training windows)")
        look_back = room
    if look_back < 1:
        raise LabError(f"too short ({n_points} points) for these settings")
    config = ForecastConfig(**changes, look_back=look_back, season_length=entry.season, horizon=horizon,
                            test_size=n_test, seed=seed)
    return config, notes


def network_scores(entry: PanelSeries, part: str, candidate: Candidate, intervals: bool = True) -> dict:
    """Train the candidate (``members`` seeds) on one part of one series; its one-step and multi-step
    test RMSE and interval coverage, in the original units."""
    from models.forecast.intervals import Calibration, empirical_coverage
    from models.forecast.metrics import rmse
    from models.train.forecaster import train_forecaster

    series = part_series(entry, part)
    y = np.asarray(series.values, dtype=np.float64)
    horizon, n_test = horizon_for(y.size, entry.season)
    n_train = y.size - n_test
    m = entry.season or 0
    wrap = candidate.wrap if m else "plain"
    if wrap == "logsdiff" and np.min(y) <= 0:
        wrap = "sdiff"
    notes = [] if wrap == candidate.wrap else [f"{candidate.wrap} -> {wrap}"]
    if wrap == "plain":
        run_series, shift = series, 0
    else:
        base = np.log(y) if wrap == "logsdiff" else y
        run_series, shift = _cut(series, m, y.size, values=base[m:] - base[:-m]), m
    if not m and candidate.wrap != "plain":
        notes.append("no season: transform diff")
    z = np.asarray(run_series.values, dtype=np.float64)
    started = time.perf_counter()
    one_step, paths, half_widths, fit_seconds = [], [], [], 0.0
    actuals = origins = None
    for seed in SEEDS[: candidate.members]:
        settings = candidate
        if not m and candidate.wrap != "plain":
            settings = dataclasses.replace(candidate, changes={**candidate.changes, "transform": "diff"})
        positive = bool(np.min(z) > 0)
        config, config_notes = _config(entry, settings, z.size, n_test, horizon, seed, positive)
        if seed == SEEDS[0]:
            notes += config_notes
        with captured(without_statistical=True, intervals=intervals) as record, \
                early_stopping(candidate.patience):
            result = train_forecaster(config, run_series)
        fit_seconds += result.fit_seconds
        evaluation = record["evaluation"]
        one_step.append(evaluation.predictions["network"][z.size - n_test : z.size])  # [n_test]
        if evaluation.backtest is None or "network" not in evaluation.backtest.forecasts:
            raise LabError("the network's backtest failed: " + "; ".join(evaluation.backtest.notes
                                                                          if evaluation.backtest else []))
        paths.append(evaluation.backtest.forecasts["network"])  # [K, h] in the run's units
        actuals, origins = evaluation.backtest.actuals, evaluation.backtest.origins
        calibration = record.get("calibrations", {}).get("network")
        if calibration is not None:
            half_widths.append(calibration)
    seconds = time.perf_counter() - started
    z_one = np.median(np.stack(one_step), axis=0)  # [n_test]
    z_path = np.median(np.stack(paths), axis=0)  # [K, h]

    # Coverage in the run's own units (for the seasonal differences, |y - y_hat| maps one to one on
    # |z - z_hat| while the horizon is at most a season, as it is here).
    coverage = {"80": None, "95": None}
    if len(half_widths) == candidate.members:
        first = half_widths[0]
        widths = {level: np.median(np.stack([c.half_widths[level] for c in half_widths]), axis=0)
                  for level in first.levels}
        merged = Calibration(levels=first.levels, horizon=first.horizon, half_widths=widths,
                             n_errors=first.n_errors, tail_start=first.tail_start, n_train=first.n_train)
        coverage = {str(level): share for level, share in empirical_coverage(merged, z_path, actuals).items()}

    # Back to the original units.
    test_index = np.arange(n_train, y.size)
    if wrap == "plain":
        y_one, y_path = z_one, z_path
    else:
        y_one = _undo(wrap, z_one, y[test_index - m])
        y_path = np.empty_like(z_path)
        for row, origin_z in enumerate(origins):
            origin = origin_z + shift
            known = list(y[:origin])
            for step in range(horizon):
                previous = np.array([known[origin + step - m]])
                value = float(_undo(wrap, np.array([z_path[row, step]]), previous)[0])
                known.append(value)
                y_path[row, step] = value
    y_actuals = np.stack([y[origin + shift : origin + shift + horizon] for origin in origins])
    multi = float(np.mean([rmse(a, f) for a, f in zip(y_actuals, y_path, strict=True)]))
    return {"net_one": rmse(y[test_index], y_one), "net_multi": multi, "net_cov80": coverage.get("80"),
            "net_cov95": coverage.get("95"), "seconds": seconds, "fit_seconds": fit_seconds,
            "horizon": horizon, "n_points": int(y.size), "notes": notes}


def _undo(wrap: str, z_hat: np.ndarray, previous_season: np.ndarray) -> np.ndarray:
    if wrap == "logsdiff":
        return previous_season * np.exp(np.clip(z_hat, -700, 700))
    return previous_season + z_hat


# ------------------------------------------------------------------------------------------ records
class Store:
    """Per-run records in bench/results/panel_runs.jsonl, reused when the same run is asked again."""

    def __init__(self, fresh: bool) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.records: dict[str, dict] = {}
        if RUNS_FILE.exists() and not fresh:
            for line in RUNS_FILE.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    self.records[record["id"]] = record
        elif fresh and RUNS_FILE.exists():
            RUNS_FILE.unlink()

    def get(self, kind: str, entry: PanelSeries, part: str, spec: str, compute, also: str = "") -> dict:
        """The record of this run (or of the run ``also``, which measured everything this one would),
        computing it when there is none."""
        digest = hashlib.sha256(entry.values.tobytes()).hexdigest()[:12]

        def identity(text: str) -> str:
            return hashlib.sha256(f"{kind}|{entry.key}|{digest}|{part}|{text}".encode()).hexdigest()[:20]

        record_id = identity(spec)
        for known in (record_id, identity(also) if also else None):
            if known in self.records:
                return self.records[known]
        try:
            record = {"ok": True, **compute()}
        except (LabError, ValueError) as error:
            record = {"ok": False, "error": str(error)}
        record.update(id=record_id, kind=kind, series=entry.key, part=part, spec=spec)
        self.records[record_id] = record
        with RUNS_FILE.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        return record


def measure(store: Store, panel: list[PanelSeries], names: list[str], part: str,
            intervals: bool = True) -> dict[str, dict]:
    """{candidate: {series key: merged record}} for ``part``; prints a line per series."""
    results: dict[str, dict] = {name: {} for name in names}
    started = time.perf_counter()
    for index, entry in enumerate(panel, 1):
        base = store.get("baselines", entry, part, "v1", lambda entry=entry: baseline_scores(entry, part))
        if not base["ok"]:
            print(f"# skip {entry.label} ({part}): {base['error']}", flush=True)
            continue
        line = []
        for name in names:
            candidate = CANDIDATES[name]
            spec = candidate.spec() + ("" if intervals else "|no intervals")
            record = store.get(
                "network", entry, part, spec,
                lambda entry=entry, candidate=candidate: network_scores(entry, part, candidate, intervals),
                also=candidate.spec())
            if not record["ok"]:
                print(f"# skip {entry.label} ({part}) for {name}: {record['error']}", flush=True)
                continue
            results[name][entry.key] = {**base, **record, "baseline_seconds": base["seconds"],
                                        "seconds": record["seconds"]}
            best = min(v for v in (base["ets_multi"], base["theta_multi"]) if v is not None) \
                if (base["ets_multi"] or base["theta_multi"]) else None
            ratio = f"{record['net_multi'] / best:.2f}" if best else "-"
            line.append(f"{name} {ratio}")
        print(f"# [{index}/{len(panel)} {time.perf_counter() - started:.0f}s] {part} {entry.label}: "
              + ", ".join(line), flush=True)
    return results


# ------------------------------------------------------------------------------------------ summary
def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


def summarise(rows: dict[str, dict], common: set[str] | None = None) -> dict:
    """Geometric-mean ratios, wins, coverage and seconds of one candidate over the series ``common``."""
    rows = {key: row for key, row in rows.items() if common is None or key in common}
    out: dict = {"series": len(rows)}
    for horizon in ("one", "multi"):
        ratios: dict[str, list[float]] = {"ets": [], "theta": [], "best": []}
        for row in rows.values():
            net = row[f"net_{horizon}"]
            scores = {name: row[f"{name}_{horizon}"] for name in BASELINES}
            for name, score in scores.items():
                if score:
                    ratios[name].append(net / score)
            available = [score for score in scores.values() if score]
            if available:
                ratios["best"].append(net / min(available))
        for name, values in ratios.items():
            out[f"{horizon}_vs_{name}"] = _geomean(values)
            out[f"{horizon}_wins_{name}"] = sum(value < 1 for value in values)
            out[f"{horizon}_n_{name}"] = len(values)
    for level in ("80", "95"):
        shares = [row[f"net_cov{level}"] for row in rows.values() if row.get(f"net_cov{level}") is not None]
        out[f"cov{level}"] = statistics.fmean(shares) if shares else None
    out["seconds"] = statistics.fmean(row["seconds"] for row in rows.values()) if rows else None
    return out


def print_table(title: str, results: dict[str, dict], common: set[str]) -> list[dict]:
    """One line per candidate (on the series every candidate ran on); returns the rows."""
    print(f"\n{title} ({len(common)} series common to every candidate)")
    head = (f"{'candidate':<22}{'1-step vs ETS':>14}{'Theta':>7}{'better':>8}{'wins ETS':>10}"
            f"{'multi vs ETS':>13}{'Theta':>7}{'better':>8}{'wins ETS':>10}{'wins bet.':>10}"
            f"{'cov80':>7}{'cov95':>7}{'s/series':>9}")
    print(head)
    table = []

    def number(value, digits=3):
        return "-" if value is None else f"{value:.{digits}f}"

    for name, rows in results.items():
        s = summarise(rows, common)
        table.append({"candidate": name, **s})
        print(f"{name:<22}{number(s['one_vs_ets']):>14}{number(s['one_vs_theta']):>7}"
              f"{number(s['one_vs_best']):>8}{s['one_wins_ets']:>5}/{s['one_n_ets']:<4}"
              f"{number(s['multi_vs_ets']):>13}{number(s['multi_vs_theta']):>7}{number(s['multi_vs_best']):>8}"
              f"{s['multi_wins_ets']:>5}/{s['multi_n_ets']:<4}{s['multi_wins_best']:>5}/{s['multi_n_best']:<4}"
              f"{number(s['cov80'], 2):>7}{number(s['cov95'], 2):>7}{number(s['seconds'], 1):>9}", flush=True)
    return table


def save(name: str, table: list[dict], results: dict[str, dict]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    per_series = {cand: {key: {k: row.get(k) for k in ("net_one", "net_multi", "ets_one", "ets_multi",
                                                        "theta_one", "theta_multi", "net_cov80", "net_cov95",
                                                        "seconds", "horizon", "n_points", "notes")}
                         for key, row in rows.items()} for cand, rows in results.items()}
    (RESULTS / f"{name}.json").write_text(json.dumps({"table": table, "per_series": per_series}, indent=1),
                                          encoding="utf-8")
    with (RESULTS / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(f"# saved bench/results/{name}.json and .csv", flush=True)


def report(store: Store, panel: list[PanelSeries], names: list[str], part: str, label: str,
           intervals: bool = True) -> list[dict]:
    started = time.perf_counter()
    results = measure(store, panel, names, part, intervals)
    common = set.intersection(*(set(rows) for rows in results.values())) if results else set()
    skipped = sorted(entry.label for entry in panel if entry.key not in common)
    if skipped:
        print(f"# not in the comparison ({part}): {', '.join(skipped)}")
    table = print_table(f"{part} parts, {label}", results, common)
    elapsed = time.perf_counter() - started
    print(f"# {label}, {part}: {elapsed / 60:.1f} min wall time for this pass (runs reused from "
          f"{RUNS_FILE.name} take no time; the s/series column is what each candidate's runs took)")
    save(f"{label}-{part}", table, results)
    return table


# ---------------------------------------------------------------------------------------- old sweep
OLD_SWEEP: dict[str, dict] = {
    "defaults": {}, "transform=log": {"transform": "log"}, "transform=none": {"transform": "none"},
    "transform=log_diff": {"transform": "log_diff"}, "look_back=13": {"look_back": 13},
    "look_back=24": {"look_back": 24}, "units=16": {"units": 16}, "units=64": {"units": 64},
    "epochs=30": {"epochs": 30}, "epochs=150": {"epochs": 150}, "lr=0.001": {"learning_rate": 0.001},
    "batch=8": {"batch_size": 8}, "batch=32": {"batch_size": 32},
}


def old_sweep(series_names: str, seeds: list[int], only: str) -> int:
    """The former behaviour: one-at-a-time variations on the bundled series (test parts)."""
    from models.train.forecaster import train_forecaster

    samples = bundled_samples()
    names = [name for name in series_names.split(",") if name] or list(samples)
    variations = {name: OLD_SWEEP[name] for name in only.split(",")} if only else OLD_SWEEP
    print(f"{'series':<22}{'settings':<20}{'LSTM':>9}{'best baseline':>24}{'LSTM/best':>10}{'fit s':>7}")
    for name in names:
        series = load_series(samples[name].path, name=name)
        for label, changes in variations.items():
            try:
                runs = [train_forecaster(ForecastConfig(**changes, seed=seed), series) for seed in seeds]
            except LabError as error:
                print(f"{name:<22}{label:<20}  error: {error}", flush=True)
                continue
            lstm = statistics.fmean(run.metrics.network.test_rmse for run in runs)
            base = {k: v.test_rmse for k, v in runs[0].metrics.baselines.items() if v.test_rmse is not None}
            best = min(base, key=base.get)
            print(f"{name:<22}{label:<20}{lstm:>9.2f}{best + f' {base[best]:.2f}':>24}"
                  f"{lstm / base[best]:>10.3f}"
                  f"{statistics.fmean(run.fit_seconds for run in runs):>7.1f}", flush=True)
    return 0


# ------------------------------------------------------------------------------------------- advice
# The single changes the page offers when a baseline wins, as settings (models/forecast/advice.py).
ADVICE = {"ensemble=3": {"ensemble": 3}, "ensemble=5": {"ensemble": 5},
          "ensemble=5+u=64": {"ensemble": 5, "units": 64}, "lb=2s": {"look_back_seasons": 2},
          "e=200": {"epochs": 200}, "u=64": {"units": 64}, "t=log_diff": {"transform": "log_diff"},
          "lr=0.003": {"learning_rate": 0.003}}
ADVICE_FILE = ROOT / "models" / "forecast" / "panel_advice.json"


def write_advice(store: Store, panel: list[PanelSeries], intervals: bool) -> None:
    """Measure the defaults and every ADVICE change on the validation parts, then write, per group
    (series with a season, without one), how much each change cut the multi-step error on the series
    where the defaults lost to the better of ETS and Theta: the file the verdict's advice reads."""
    results = measure(store, panel, ["defaults", *ADVICE], "validation", intervals)

    def ratio(row: dict) -> float | None:
        scores = [row[f"{name}_multi"] for name in BASELINES if row.get(f"{name}_multi")]
        return row["net_multi"] / min(scores) if scores and row.get("net_multi") else None

    groups: dict[str, list[dict]] = {"seasonal": [], "no_season": []}
    counts = {}
    for group in groups:
        lost = [entry.key for entry in panel if entry.key in results["defaults"]
                and bool(entry.season) == (group == "seasonal")
                and (ratio(results["defaults"][entry.key]) or 0) > 1]
        counts[group] = lost
        for name, change in ADVICE.items():
            pairs = [(ratio(results[name][key]), ratio(results["defaults"][key])) for key in lost
                     if key in results[name] and ratio(results[name][key])]
            if not pairs:
                continue
            gain = 1 - _geomean([after / before for after, before in pairs])
            helped = sum(after < before for after, before in pairs)
            groups[group].append({"change": change, "gain_percent": round(100 * gain, 1), "helped": helped,
                                  "lost": len(pairs)})
        groups[group].sort(key=lambda entry: -entry["gain_percent"])
        names = ", ".join(_short(key) for key in lost)
        print(f"# advice, {group}: the defaults lost on {len(lost)} series ({names})")
        for entry in groups[group]:
            print(f"#   {entry['change']}: error {-entry['gain_percent']:+.1f}%, helped on "
                  f"{entry['helped']} of {entry['lost']}")
    document = {
        "measured": "bench/forecast_defaults.py --advice: validation parts (tails of the training parts) "
                    f"of {len(panel)} real series; multi-step RMSE against the better of AutoETS and "
                    "AutoTheta; ensembles are medians of networks from different seeds",
        "defaults": {key: value for key, value in ForecastConfig().to_dict().items()
                     if key in ("look_back", "units", "epochs", "transform", "ensemble", "learning_rate")},
        "groups": groups,
    }
    ADVICE_FILE.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"# wrote {ADVICE_FILE.relative_to(ROOT)}")


# --------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screen", action="store_true",
                        help="every single-change candidate on the validation parts of the subset")
    parser.add_argument("--confirm", default="",
                        help="candidates to compare with the defaults on the full panel's validation parts; "
                             "the best on validation and the defaults are then measured on the test parts")
    parser.add_argument("--candidates", default="", help="comma-separated candidates (default: defaults)")
    parser.add_argument("--part", choices=("validation", "test"), default="test")
    parser.add_argument("--panel", choices=("all", "subset"), default="all")
    parser.add_argument("--label", default="", help="name of the saved table (default from the options)")
    parser.add_argument("--fast", action="store_true",
                        help="no interval calibration on the validation parts (half the training; no "
                             "coverage there); the test parts are always measured in full")
    parser.add_argument("--fresh", action="store_true", help="ignore the saved per-run records")
    parser.add_argument("--list", action="store_true", help="print the panel and the candidates, then stop")
    parser.add_argument("--advice", action="store_true",
                        help="measure the single changes the verdict may advise on the validation parts "
                             "and write models/forecast/panel_advice.json")
    parser.add_argument("--sweep", action="store_true",
                        help="the old one-at-a-time sweep on the bundled series")
    parser.add_argument("--series", default="", help="with --sweep: comma-separated bundled series")
    parser.add_argument("--seeds", default="7", help="with --sweep: comma-separated seeds")
    parser.add_argument("--only", default="", help="with --sweep: comma-separated sweep entries")
    args = parser.parse_args(argv)
    if args.sweep:
        return old_sweep(args.series, [int(seed) for seed in args.seeds.split(",")], args.only)

    started = time.perf_counter()
    panel = load_panel()
    if args.list:
        for entry in panel:
            print(f"{entry.label:<24}{len(entry.series.values):>5} points  season {entry.season or '-':<4}"
                  f"{entry.key:<36}{', '.join(entry.files)}")
        for name, candidate in CANDIDATES.items():
            print(f"{name:<22}{candidate.spec()}")
        return 0
    subset = [entry for entry in panel if entry.key in SUBSET]
    store = Store(args.fresh)
    if args.advice:
        write_advice(store, panel, intervals=not args.fast)
    elif args.screen:
        report(store, subset, SCREEN, "validation", args.label or "screen", intervals=not args.fast)
    elif args.confirm:
        names = ["defaults"] + [name for name in args.confirm.split(",") if name and name != "defaults"]
        table = report(store, panel, names, "validation", args.label or "confirm", intervals=not args.fast)
        ranked = sorted((row for row in table if row["candidate"] != "defaults"),
                        key=lambda row: (row["multi_vs_best"], row["one_vs_best"]))
        chosen = ranked[0]["candidate"]
        print("# chosen on validation (lowest multi-step ratio against the better of ETS and Theta): "
              f"{chosen}")
        report(store, panel, ["defaults", chosen], "test", (args.label or "confirm") + "-chosen")
    else:
        names = [name for name in args.candidates.split(",") if name] or ["defaults"]
        unknown = [name for name in names if name not in CANDIDATES]
        if unknown:
            parser.error(f"unknown candidate(s) {', '.join(unknown)}; see --list")
        chosen_panel = subset if args.panel == "subset" else panel
        report(store, chosen_panel, names, args.part, args.label or f"{args.panel}",
               intervals=not (args.fast and args.part == "validation"))
    print(f"# total wall time {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
