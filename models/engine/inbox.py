"""The job engine's event intake: the one queue its thread reads, fed by the pages (``Submit``,
``Cancel``), by Dask (a worker's events, a finished task) and by ``close`` (``Stop``).

Whoever puts a note never waits: a page returns at once, and Dask's event loop and callback thread
only hand over. The engine thread (``models.engine.engine_loop``) takes the notes in batches.
"""

from __future__ import annotations

import queue
from typing import Any

from distributed import Future

from models.engine.messages import JobOutcome, Message, TaskDone, from_worker_event, run_id_of


class Inbox:
    """Typed notes for the engine thread, in the order they arrived."""

    def __init__(self) -> None:
        self._notes: queue.Queue[Message] = queue.Queue()

    def put(self, message: Message) -> None:
        self._notes.put(message)

    def on_worker_event(self, event: tuple[float, dict[str, Any]]) -> None:
        """Dask's handler of the runs' topic (on the client's event loop): read it, hand it over."""
        message = from_worker_event(event[1])
        if message is not None:
            self._notes.put(message)

    def on_task_done(self, future: Future[JobOutcome]) -> None:
        """Dask's callback (on its callback thread) when a run's future finished, erred or was
        cancelled."""
        self._notes.put(TaskDone(run_id_of(str(future.key))))  # the engine's keys are strings (task_key)

    def take(self, timeout: float, most: int = 1000) -> list[Message]:
        """Wait up to ``timeout`` for one note, then take every note already waiting (a batch)."""
        try:
            notes = [self._notes.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(notes) < most:
            try:
                notes.append(self._notes.get_nowait())
            except queue.Empty:
                break
        return notes
