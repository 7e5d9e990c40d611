"""Sweeps: a grid of forecast settings trained as ordinary runs, ranked against seasonal naive.

    choose 1-2 settings and a few values each ─ expand_grid ─ Sweep (saved as JSON next to the store)
    ─ advance(): submit pending configurations while the owner's queue has room (LimitError = full)
    ─ leaderboard() (models/engine/leaderboard.py): finished runs ranked by test RMSE relative to the
      seasonal-naive baseline

Why ``advance`` submits progressively: the job engine allows each owner only a few runs queued or
running at a time (models.limits.max_queued_per_owner), so a grid of 9 cannot be submitted at once.
The page calls ``advance`` on every progress tick; the grid continues as runs finish. The sweep
file remembers which configurations were submitted, so a reload or another tab continues the same
sweep and never submits one twice (a process-wide lock guards the read-submit-write sequence).

No TensorFlow, no Streamlit.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.config import CELLS, TRANSFORMS, ForecastConfig
from models.errors import ConfigError, LabError, LimitError, RunNotFound, WorkLimitError

MAX_GRID = 24  # configurations in one sweep
MAX_AXES = 2


@dataclass(frozen=True)
class SweepSetting:
    """One setting a sweep can vary: its config field, label, value type and allowed choices."""

    name: str
    label: str
    kind: type
    choices: tuple[str, ...] = ()


SWEEP_SETTINGS: dict[str, SweepSetting] = {setting.name: setting for setting in (
    SweepSetting("look_back", "Look-back", int),
    SweepSetting("units", "Units", int),
    SweepSetting("epochs", "Epochs", int),
    SweepSetting("layers", "Layers", int),
    SweepSetting("batch_size", "Batch size", int),
    SweepSetting("learning_rate", "Learning rate", float),
    SweepSetting("dropout", "Dropout", float),
    SweepSetting("cell", "Cell", str, CELLS),
    SweepSetting("transform", "Transform", str, TRANSFORMS),
)}


def parse_values(name: str, text: str) -> list[Any]:
    """Values of one setting from text such as "1, 3, 12" (duplicates dropped, order kept)."""
    setting = SWEEP_SETTINGS.get(name)
    if setting is None:
        raise ConfigError(f"A sweep cannot vary {name!r}.")
    parts = [part for part in re.split(r"[,;\s]+", text.strip()) if part]
    if not parts:
        raise ConfigError(f"Give at least one value for {setting.label.lower()}.")
    values: list[Any] = []
    for part in parts:
        try:
            value = setting.kind(part.lower() if setting.kind is str else part)
        except ValueError:
            raise ConfigError(f"{setting.label} values must be {_kind_word(setting)}; "
                              f"{part!r} is not.") from None
        if setting.choices and value not in setting.choices:
            raise ConfigError(f"{setting.label} must be one of {', '.join(setting.choices)}, got {part!r}.")
        if value not in values:
            values.append(value)
    return values


def expand_grid(base: ForecastConfig, axes: dict[str, Sequence[Any]]) -> list[ForecastConfig]:
    """Every combination of the axes' values applied to ``base`` (validated), first axis slowest."""
    if not 1 <= len(axes) <= MAX_AXES:
        raise ConfigError(f"Choose one or {MAX_AXES} settings to vary.")
    unknown = [name for name in axes if name not in SWEEP_SETTINGS]
    if unknown:
        raise ConfigError(f"A sweep cannot vary {', '.join(unknown)}.")
    size = math.prod(len(values) for values in axes.values())
    if size == 0:
        raise ConfigError("Give at least one value for every setting you vary.")
    if size > MAX_GRID:
        raise LimitError(f"That grid has {size} configurations; a sweep may have at most {MAX_GRID}.")
    names = list(axes)
    return [base.replace(**dict(zip(names, combination, strict=True)))
            for combination in itertools.product(*(axes[name] for name in names))]


# ---------------------------------------------------------------- the sweep and its file


@dataclass
class SweepItem:
    """One configuration of a sweep: the varied settings, the full config, and its run once submitted."""

    settings: dict[str, Any]
    config: dict[str, Any]
    run_id: str | None = None
    error: str | None = None  # why it could not be submitted (a bad combination for this data ...)

    @property
    def pending(self) -> bool:
        return self.run_id is None and self.error is None


@dataclass
class Sweep:
    """A grid of forecast runs on one dataset, owned by one user."""

    id: str
    owner: str
    data_name: str
    axes: dict[str, list[Any]]
    items: list[SweepItem]
    created: float = field(default_factory=time.time)

    @property
    def pending(self) -> list[SweepItem]:
        return [item for item in self.items if item.pending]

    @property
    def run_ids(self) -> list[str]:
        return [item.run_id for item in self.items if item.run_id]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sweep:
        items = [SweepItem(**item) for item in data.get("items", [])]
        return cls(id=data["id"], owner=data["owner"], data_name=data["data_name"], axes=data["axes"],
                   items=items, created=data.get("created", 0.0))


_LOCK = threading.Lock()  # one advance() at a time in this process (several tabs tick at once)


class SweepBook:
    """Sweeps kept as files in ``<data_dir>/sweeps``: ``<id>.json`` and the dataset ``<id>.data``."""

    def __init__(self, data_dir: str | Path):
        self.folder = Path(data_dir) / "sweeps"

    def create(self, owner: str, data_name: str, data: bytes, base: ForecastConfig,
               axes: dict[str, Sequence[Any]]) -> Sweep:
        """Expand and save a new sweep (nothing submitted yet)."""
        configs = expand_grid(base, axes)
        names = list(axes)
        items = [SweepItem(settings={name: getattr(config, name) for name in names}, config=config.to_dict())
                 for config in configs]
        sweep = Sweep(id=secrets.token_urlsafe(12), owner=owner, data_name=data_name,
                      axes={name: list(values) for name, values in axes.items()}, items=items)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{sweep.id}.data").write_bytes(data)
        except OSError as error:
            raise LabError("Cannot save the sweep in the data folder; check its permissions.") from error
        self.save(sweep)
        return sweep

    def save(self, sweep: Sweep) -> None:
        """Write the sweep atomically (temporary file, then rename)."""
        path = self._path(sweep.id)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            temporary.write_text(json.dumps(sweep.to_dict()), encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            raise LabError("Cannot save the sweep in the data folder; check its permissions.") from error

    def get(self, sweep_id: str, owner: str) -> Sweep:
        """The owner's sweep (RunNotFound for a missing one or someone else's)."""
        try:
            sweep = Sweep.from_dict(json.loads(self._path(sweep_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            raise RunNotFound("No sweep with that id.") from None
        if sweep.owner != owner:
            raise RunNotFound("No sweep with that id.")
        return sweep

    def data(self, sweep: Sweep) -> bytes:
        """The dataset the sweep trains on."""
        try:
            return (self.folder / f"{sweep.id}.data").read_bytes()
        except OSError:
            raise RunNotFound("The data of this sweep is missing from the data folder.") from None

    def for_owner(self, owner: str) -> list[Sweep]:
        """The owner's sweeps, newest first."""
        sweeps = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                sweep = self.get(path.stem, owner)
            except RunNotFound:
                continue
            sweeps.append(sweep)
        return sorted(sweeps, key=lambda sweep: sweep.created, reverse=True)

    def _path(self, sweep_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", sweep_id or ""):
            raise RunNotFound("No sweep with that id.")
        return self.folder / f"{sweep_id}.json"


def advance(book: SweepBook, sweep_id: str, owner: str,
            submit: Callable[[dict[str, Any], bytes], str]) -> int:
    """Submit the sweep's pending configurations in order until the owner's queue is full.

    ``submit(config_dict, data) -> run_id`` (the page passes the job engine's submit). A LimitError
    (the owner's queue is full) stops for now (the next call continues); any other LabError, and a
    WorkLimitError (that configuration alone is too big), marks that one configuration as failed
    to submit, with its message. Returns how many were submitted.
    """
    with _LOCK:
        sweep = book.get(sweep_id, owner)
        if not sweep.pending:
            return 0
        data = book.data(sweep)
        submitted = 0
        try:
            for item in sweep.pending:
                try:
                    item.run_id = submit(item.config, data)
                    submitted += 1
                except WorkLimitError as error:  # this configuration alone is too big: skip it
                    item.error = str(error)
                except LimitError:  # the owner's queue is full: continue on the next call
                    break
                except LabError as error:
                    item.error = str(error)
        finally:
            book.save(sweep)
        return submitted


def _kind_word(setting: SweepSetting) -> str:
    return {int: "whole numbers", float: "numbers"}.get(setting.kind, "words")


__all__ = ["MAX_GRID", "SWEEP_SETTINGS", "Sweep", "SweepBook", "SweepItem", "advance", "expand_grid",
           "parse_values"]
