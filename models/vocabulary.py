"""One vocabulary for the whole product: run kinds and states, cell names, the network's key.

The UI, the CLI, the run store and the exports all take their words from here, so a cell is
spelled one way everywhere and a state word means the same on every page.
"""

from __future__ import annotations

from enum import StrEnum


class RunKind(StrEnum):
    """What a run trains. A ``StrEnum``: it compares equal to (and stores as) its plain word."""

    FORECAST = "forecast"
    DIGITS = "digits"
    LEARN = "learn"


class RunState(StrEnum):
    """Where a run is in its life: ``queued -> running -> succeeded | failed | cancelled``, or
    ``interrupted`` when the server stopped under it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def active(self) -> bool:
        """Queued or running: a page keeps polling it."""
        return self in ACTIVE_STATES


ACTIVE_STATES = frozenset({RunState.QUEUED, RunState.RUNNING})
FINAL_STATES = frozenset(set(RunState) - ACTIVE_STATES)
STATE_WORDS: dict[str, str] = {  # how the pages say a state to a person
    RunState.QUEUED: "Waiting for a free worker",
    RunState.RUNNING: "Training",
    RunState.SUCCEEDED: "Finished",
    RunState.FAILED: "Failed",
    RunState.CANCELLED: "Cancelled",
    RunState.INTERRUPTED: "Interrupted",
}

CELLS = ("lstm", "gru", "rnn")
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "simple RNN"}  # how every page and the CLI say it

# The network's key in metrics, in the CLI JSON's forecast rows and in predictions.csv, whatever its
# cell. Runs stored before it was named "network" used "lstm"; it is still read, and written beside
# "network" as an alias for one release.
NETWORK_KEY = "network"
LEGACY_NETWORK_KEY = "lstm"


# Baselines: metrics key -> (name in tables and legends, short name in the CLI's narrow table),
# in the order the CLI lists them.
BASELINES = {
    "persistence": ("persistence (last value)", "persistence"),
    "seasonal_naive": ("seasonal naive (one season ago)", "seasonal naive"),
    "drift": ("drift (last value + average trend)", "drift"),
    "mean": ("mean (training average)", "mean"),
    "ets": ("exponential smoothing (ETS)", "ETS"),
    "theta": ("Theta method", "Theta"),
    "arima": ("ARIMA (automatic orders)", "ARIMA"),
}


def baseline_name(key: str) -> str:
    """A baseline's name in tables and legends (the key itself for anything unknown)."""
    return BASELINES.get(key, (key, key))[0]


def state_word(state: str) -> str:
    """"Training", "Finished" ... (the state itself for anything unknown)."""
    return STATE_WORDS.get(state, state)


def cell_name(cell: str | None) -> str:
    """"LSTM", "GRU" or "simple RNN" (the key itself, upper-cased, for anything unknown)."""
    return CELL_NAMES.get(cell or "", (cell or "network").upper())


def fit_phrase(mode: str, epochs: int, seconds: float) -> str:
    """How a forecast run's network came to be, e.g. "100 epochs in 7.0 s" or "pretrained, not trained
    on this series (0.2 s)"."""
    if mode == "pretrained":
        return f"pretrained, not trained on this series ({seconds:.1f} s)"
    trained = f"{epochs} epochs in {seconds:.1f} s"
    return f"pretrained, fine-tuned {trained}" if mode == "fine-tuned" else trained
