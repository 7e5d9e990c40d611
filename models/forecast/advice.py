"""What to try when a statistical method beats the network: measured on a panel of real series.

``bench/panel.py --advice`` measures ``panel_advice.json`` (copied beside this module). It looks at the
validation parts (the last horizon of each training part, never a test part) of the benchmark panel's
series where the default network lost to the better of AutoETS and AutoTheta over the horizon. For
each single change of the settings it records how much the change cut the network's error there
(geometric mean of the ratio to the default's sMAPE) and on how many of those series it helped,
separately for series with a season and without one, from the settings recorded as ``defaults`` in
the file. ``suggestion`` offers the most helpful change whose settings the run still has at those
values, with its measured effect; it offers nothing that did not help. A run of the article's settings
(the seed preset) is offered the defaults first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ADVICE_FILE = Path(__file__).with_name("panel_advice.json")
SEASONAL, NO_SEASON = "seasonal", "no_season"
LOOK_BACK_SEASONS = "look_back_seasons"  # a change of the look-back counted in seasons


@dataclass(frozen=True)
class Advice:
    """One measured change: ``change`` maps settings to values (``look_back_seasons``: a look-back
    of that many seasons); the error fell by ``gain_percent`` on average over the ``lost`` series of
    its group where the default lost, and fell on ``helped`` of them."""

    change: dict[str, Any]
    gain_percent: float
    helped: int
    lost: int

    def applies(self, settings: Mapping[str, Any], measured_from: Mapping[str, Any]) -> bool:
        """Whether the run starts where the change was measured from: each setting the change
        touches is still at the value it had there (a run with more units is not told to try 64), with
        the same kind of network (the changes of a network trained on the series say nothing about a
        pretrained one)."""
        if settings.get("mode", "local") != measured_from.get("mode", "local"):
            return False
        for name in self.change:
            field = "look_back" if name == LOOK_BACK_SEASONS else name
            if field in measured_from and settings.get(field) != measured_from[field]:
                return False
        return True

    def words(self, season_length: int | None) -> str:
        """The change in the page's words, e.g. "an ensemble of 5 networks"."""
        parts = []
        for name, value in self.change.items():
            if name == LOOK_BACK_SEASONS:
                parts.append(f"a look-back of {value} seasons ({value * (season_length or 0)} steps)")
            elif name == "ensemble":
                parts.append(f"an ensemble of {value} networks")
            elif name == "transform":
                parts.append(f"the {value} transform")
            elif name == "learning_rate":
                parts.append(f"a learning rate of {value:g}")
            else:
                parts.append(f"{value} {name.replace('_', ' ')}")
        return " and ".join(parts)


@lru_cache(maxsize=1)
def measured_advice() -> tuple[dict[str, Any], dict[str, tuple[Advice, ...]]]:
    """(the settings the changes were measured from, group -> the measured changes, most helpful
    first); empty when the file is missing."""
    try:
        document = json.loads(ADVICE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    groups = {group: tuple(Advice(**entry) for entry in entries)
              for group, entries in document.get("groups", {}).items()}
    return dict(document.get("defaults", {})), groups


def suggestion(settings: Mapping[str, Any], season_length: int | None) -> str | None:
    """"try 200 epochs. On the 10 seasonal series of LSTM Lab's benchmark panel where ..." for the
    most helpful measured change that applies to the run, or None when none does."""
    if settings.get("preset") == "seed":  # the article's settings: the defaults come first
        return ("try the defaults first (\"Defaults\" on the Forecast page, no --preset on the command "
                "line): they were chosen on LSTM Lab's benchmark panel, the article's settings were not.")
    group = SEASONAL if season_length else NO_SEASON
    measured_from, groups = measured_advice()
    for advice in groups.get(group, ()):
        if advice.gain_percent < 1 or not advice.applies(settings, measured_from):
            continue
        kind = "seasonal series" if group == SEASONAL else "series without a season"
        return (f"try {advice.words(season_length)}. On the {advice.lost} {kind} of LSTM Lab's benchmark "
                f"panel where the network lost to a statistical method, that cut its error by "
                f"{advice.gain_percent:.0f}% on average and helped on {advice.helped}.")
    return None
