"""Typed errors of the core. Each carries one plain sentence a person can act on."""


class LabError(ValueError):
    """Base class: something the user supplied or asked for cannot be done."""


class DataError(LabError):
    """A data file or series cannot be used (unreadable, empty, too short, ...)."""


class ConfigError(LabError):
    """A setting is out of range or inconsistent with the data."""


class RunNotFound(LabError):
    """No run with that id is visible to this owner."""


class LimitError(LabError):
    """A configured limit (queue, size, work) would be exceeded."""


class WorkLimitError(LimitError):
    """One run asks for more training than the server allows (waiting does not help)."""


class TrainingCancelled(Exception):
    """Raised inside a training loop when the user asked it to stop."""
