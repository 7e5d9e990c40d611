"""A forecast run's predictions as arrays: written to ``predictions.csv`` here and read back here only.

One row per time label of the series, then one per step forecast past its end. Each row has its time
label, its part (train / test / forecast), the actual value (NaN past the end) and every model's
prediction in the original units (NaN where a model has none: the first look-back points, a skipped
baseline). Models with prediction intervals also have their lower and upper edges on the forecast rows.

The CSV is spreadsheet-safe (a label such as "+1" is written "'+1") and keeps the network's column
under its old name too, for readers of earlier versions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import pandas as pd

from models.data import to_safe_csv
from models.summaries import Bands, with_network_alias, without_network_alias
from models.vocabulary import NETWORK_KEY

PREDICTIONS_FILE = "predictions.csv"
PARTS = ("train", "test", "forecast")
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")  # how to_safe_csv writes a formula-like label
_FIXED_COLUMNS = ("time", "actual", "part")
_SIDES = ("lower", "upper")


@dataclass(frozen=True)
class Predictions:
    """Time labels, parts, actual values and every model's predictions, row by row (see the module)."""

    time: list[str]
    part: list[str]
    actual: np.ndarray  # [rows]
    models: dict[str, np.ndarray]  # model key -> [rows], the network first
    # (model, side, level) -> [rows]: an interval edge, NaN before the forecast rows
    edges: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, time_labels: list[str], future: list[str], parts: tuple[int, int], actual: np.ndarray,
              paths: dict[str, np.ndarray], bands: dict[str, Bands] | None = None) -> Self:
        """``parts``: the sizes of the training and test parts; ``paths``: model -> [N + K] predictions
        (longer paths are cut to the rows); ``bands``: model -> its intervals past the end."""
        n_train, n_test = parts
        n_future, n_points = len(future), n_train + n_test
        rows = n_points + n_future
        edges = {}
        for name, band in (bands or {}).items():
            for side, by_level in (("lower", band.lower), ("upper", band.upper)):
                for level, edge in by_level.items():
                    edges[(name, side, level)] = np.concatenate([np.full(n_points, np.nan), edge])
        part = ["train"] * n_train + ["test"] * n_test + ["forecast"] * n_future
        known = np.asarray(actual, dtype=np.float64)[:n_points]
        return cls(time=[*time_labels, *future], part=part, actual=np.r_[known, np.full(n_future, np.nan)],
                   models={name: np.asarray(path, dtype=np.float64)[:rows] for name, path in paths.items()},
                   edges=edges)

    def __len__(self) -> int:
        return len(self.time)

    @property
    def network(self) -> np.ndarray:
        return self.models.get(NETWORK_KEY, np.full(len(self), np.nan))

    def is_part(self, part: str) -> np.ndarray:
        """A boolean mask of the rows of ``part`` (train, test or forecast)."""
        return np.asarray(self.part) == part

    def band(self, model: str, level: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(lower, upper) of ``model``'s ``level``% interval, or None when it has none."""
        lower, upper = self.edges.get((model, "lower", level)), self.edges.get((model, "upper", level))
        return None if lower is None or upper is None else (lower, upper)

    def rows(self, index: np.ndarray) -> Predictions:
        """The rows at ``index`` (e.g. thinned for a chart)."""
        pick = np.asarray(index, dtype=np.int64)
        return Predictions(time=[self.time[i] for i in pick], part=[self.part[i] for i in pick],
                           actual=self.actual[pick],
                           models={name: path[pick] for name, path in self.models.items()},
                           edges={key: edge[pick] for key, edge in self.edges.items()})

    def forecast(self, model: str = NETWORK_KEY) -> list[tuple[str, float | None]]:
        """``model``'s forecast past the end: (time label, value or None when not finite)."""
        values = self.models.get(model, np.full(len(self), np.nan))
        return [(self.time[row], float(values[row]) if np.isfinite(values[row]) else None)
                for row in np.flatnonzero(self.is_part("forecast"))]

    def observed(self) -> pd.DataFrame:
        """The series the run trained and was tested on: columns time and value."""
        known = ~self.is_part("forecast")
        return pd.DataFrame({"time": np.asarray(self.time, dtype=object)[known], "value": self.actual[known]})

    def to_csv(self) -> bytes:
        """The ``predictions.csv`` bytes (text cells made safe for spreadsheets)."""
        columns = {"time": self.time, "actual": self.actual, "part": self.part, **self.models,
                   **{f"{name}_{side}_{level}": edge for (name, side, level), edge in self.edges.items()}}
        return to_safe_csv(pd.DataFrame(with_network_alias(columns)))

    @classmethod
    def from_csv(cls, data: bytes) -> Predictions:
        """The predictions back from ``to_csv`` bytes, or from a run stored by an earlier version
        (the network only under its old name). ValueError if it is not a predictions table."""
        frame = pd.read_csv(io.BytesIO(data), dtype={"time": str, "part": str}, keep_default_na=False,
                            na_values=[""])
        if any(column not in frame for column in _FIXED_COLUMNS):
            raise ValueError("this is not a predictions table: it lacks a time, actual or part column.")
        # The stored CSV is spreadsheet-safe: a label such as "+1" was written as "'+1".
        time = [label[1:] if label.startswith(_NEUTRALISED) else label for label in frame["time"].astype(str)]
        edges, models = {}, {}
        for column in frame.columns:
            if column in _FIXED_COLUMNS:
                continue
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
            edge = _edge_key(str(column))
            if edge is None:
                models[str(column)] = values
            else:
                edges[edge] = values
        return cls(time=time, part=[str(part) for part in frame["part"]],
                   actual=pd.to_numeric(frame["actual"], errors="coerce").to_numpy(dtype=np.float64),
                   models=without_network_alias(models), edges=edges)


def _edge_key(column: str) -> tuple[str, str, str] | None:
    """("network", "lower", "80") for the column "network_lower_80"; None for a model's column."""
    for side in _SIDES:
        name, marker, level = column.rpartition(f"_{side}_")
        if marker and name and level.isdigit():
            return name, side, level
    return None
