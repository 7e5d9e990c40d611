"""The job engine's line of runs waiting for a free worker thread, in the order they start.

The order is the store's (``RunStore.queue_turn``): round-robin by owner, everyone's first waiting
run before anyone's second, then first come first served. The engine keeps its own line rather than
Dask's because Dask sends a task to a worker as soon as it arrives: a run waiting on a worker could
no longer be overtaken by another owner's first run. Used by the engine thread only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from models.engine.messages import Job


@dataclass(frozen=True, order=True)
class Place:
    """A run's place in the line: its owner's ``turn``, then its ``arrival`` at this engine."""

    turn: int
    arrival: int
    job: Job = field(compare=False)

    @property
    def run_id(self) -> str:
        return self.job.run_id


class RunQueue:
    """Waiting runs by id; ``take_first`` hands out the next ones in order."""

    def __init__(self) -> None:
        self._places: dict[str, Place] = {}
        self._arrivals = 0

    def add(self, job: Job, turn: int) -> None:
        self._arrivals += 1
        self._places[job.run_id] = Place(turn, self._arrivals, job)

    def put_back(self, place: Place) -> None:
        """A run Dask dropped before it started waits again, in its old place."""
        self._places[place.run_id] = place

    def take(self, run_id: str) -> Place | None:
        """Leave the line (cancelled); None if the run was not waiting."""
        return self._places.pop(run_id, None)

    def take_first(self, count: int) -> list[Place]:
        """The next ``count`` runs to start, out of the line."""
        first = sorted(self._places.values())[:max(0, count)]
        for place in first:
            del self._places[place.run_id]
        return first

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._places))

    def __len__(self) -> int:
        return len(self._places)

    def clear(self) -> None:
        self._places.clear()
