"""Configurable limits that keep one user from exhausting the shared server.

Each limit is read from an environment variable every time it is asked for (so tests and operators
can change it without restarting Python) and falls back to a default. Plain ints, no Streamlit, no Keras.

| variable                      | default    | what it bounds                                         |
|-------------------------------|------------|--------------------------------------------------------|
| LSTMLAB_MAX_UPLOAD_MB         | 20         | size of one data file (same as .streamlit/config.toml)  |
| LSTMLAB_MAX_ROWS              | 100_000    | data rows in one file                                  |
| LSTMLAB_MAX_WORK              | 10_000_000 | a whole forecast run: its fit and its evaluation       |
| LSTMLAB_MAX_DIGITS_WORK       | 3_000_000  | epochs x training digits of one digits run             |
| LSTMLAB_MAX_QUEUED_PER_OWNER  | 3          | runs one owner may have queued or running at a time    |
| LSTMLAB_MAX_COLUMNS           | 50_000     | columns (fields per line) of one data file             |
| LSTMLAB_MAX_READ_MB           | 1024       | memory reading one file may take (its child process)   |
| LSTMLAB_MAX_READ_SECONDS      | 30         | time reading one file may take                         |

A value that is not a whole number >= 1 is a ConfigError naming the variable: a silent fallback would
hide an operator's typo.

The work limits are set from ``bench/scaling.py``'s figures on 2 cores (the default settings, series of
100 to 100,000 points, 1,000 to 60,000 digits): a forecast fit costs 54-55 us per window-epoch-network
once a series has 10,000 points or more (more per unit on short series, whose runs are far below the
limit); a digits epoch costs 57 us per training digit on 60,000 digits, so 3,000,000 is about 3 minutes.

A forecast run's work is the whole run in those units (``models/forecast/cost.py``): its fit (networks x
epochs x training windows), the second fit of the same networks that calibrates the prediction
intervals, and the evaluation (the statistical baselines' fits and forecasts, the backtest, the
network's forecasts) converted from measured seconds. The evaluation is linear in the series' length,
as it scores a bounded number of targets and origins on a long series (``models/forecast/pipeline.py``,
``backtest.py``), so 10,000,000 is about 9 minutes of a whole run on 2 cores. (Before it was counted,
the evaluation grew with the square of the length: 335 s besides the fit for 10,000 points, and
100,000 points with one epoch were still running after 420 s at 4.2 GB.)

The work limits are enforced where runs enter the core (the job engine's submit, the command line),
through models/engine/workload.py, which counts a run's windows or digits; the pages check the same earlier.
"""

from __future__ import annotations

import os

from models.errors import ConfigError, WorkLimitError

DEFAULT_MAX_UPLOAD_MB = 20  # keep equal to maxUploadSize in .streamlit/config.toml
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_WORK = 10_000_000  # about 9 minutes of a whole forecast run on 2 cores (54 us per unit)
# 50 epochs over full MNIST's 60,000 training digits, about 3 minutes on 2 cores (bench/scaling.py:
# 57 us per digit-epoch); the seed preset (10 x 60,000) and the quick preset (15 x 4,000) stay within.
DEFAULT_MAX_DIGITS_WORK = 3_000_000
DEFAULT_MAX_QUEUED_PER_OWNER = 3


def _env_int(name: str, default: int) -> int:
    """The environment variable ``name`` as a whole number >= 1, or ``default`` when unset or blank."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}.")
    return value


def max_upload_mb() -> int:
    """Largest data file accepted, in megabytes (MiB, as Streamlit counts them)."""
    return _env_int("LSTMLAB_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)


def max_upload_bytes() -> int:
    """Largest data file accepted, in bytes."""
    return max_upload_mb() * 1024 * 1024


def max_rows() -> int:
    """Most data rows (not counting the header) one file may have."""
    return _env_int("LSTMLAB_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_work() -> int:
    """Most work one forecast run may ask for: its fit (networks x epochs x training windows) and its
    evaluation, in the same units (``models/forecast/cost.py``)."""
    return _env_int("LSTMLAB_MAX_WORK", DEFAULT_MAX_WORK)


def max_digits_work() -> int:
    """Most epochs x training digits one digits run may ask for."""
    return _env_int("LSTMLAB_MAX_DIGITS_WORK", DEFAULT_MAX_DIGITS_WORK)


def max_queued_per_owner() -> int:
    """Most runs one owner may have waiting or running at the same time."""
    return _env_int("LSTMLAB_MAX_QUEUED_PER_OWNER", DEFAULT_MAX_QUEUED_PER_OWNER)


def check_work(epochs: int, training_windows: int, networks: int = 1, scoring: int = 0) -> None:
    """Raise WorkLimitError (a LimitError) when ``networks * epochs * training_windows`` (the fit: an
    ensemble trains ``networks`` networks side by side, each over every window), or the fit and
    ``scoring`` (the rest of the run's work: the intervals' second fit and the evaluation) together,
    exceed ``max_work()``."""
    advice = ("use fewer epochs, fewer networks in the ensemble or a shorter series" if networks > 1
              else "use fewer epochs or a shorter series")
    limit = max_work()
    _check_product(epochs, training_windows, limit, "training windows", "steps of work", advice, networks)
    fit = int(networks) * int(epochs) * int(training_windows)
    if fit + int(scoring) > limit:
        count = f"{epochs:,} epochs" if networks == 1 else f"{networks} networks x {epochs:,} epochs"
        raise WorkLimitError(
            f"{count} x {training_windows:,} training windows is {fit:,} steps of work and scoring the run "
            f"(the baselines, the backtest and the intervals' second fit) {int(scoring):,} more, "
            f"{fit + int(scoring):,} in all, above this server's limit of {limit:,}: {advice}.")


def check_total_work(work: int, what: str) -> None:
    """Raise WorkLimitError when a run's ``work`` (all of it: ``what`` it fits and scores) exceeds
    ``max_work()``."""
    limit = max_work()
    if work > limit:
        raise WorkLimitError(f"Fitting and scoring {what} on this series is {work:,} steps of work, above "
                             f"this server's limit of {limit:,}: use a shorter series.")


def check_digits_work(epochs: int, training_digits: int) -> None:
    """Raise WorkLimitError (a LimitError) when ``epochs * training_digits`` exceeds ``max_digits_work()``."""
    _check_product(epochs, training_digits, max_digits_work(), "training digits", "digit readings",
                   "use fewer epochs or fewer training digits")


def _check_product(epochs: int, items: int, limit: int, what: str, unit: str, advice: str,
                   networks: int = 1) -> None:
    work = int(networks) * int(epochs) * int(items)
    if work > limit:
        count = f"{epochs:,} epochs" if networks == 1 else f"{networks} networks x {epochs:,} epochs"
        raise WorkLimitError(f"{count} x {items:,} {what} is {work:,} {unit}, "
                             f"above this server's limit of {limit:,}: {advice}.")


# ── reading untrusted files (models/data/bounds.py and isolated.py) ───────────────────────────

DEFAULT_MAX_COLUMNS = 50_000  # 40,000 columns of 30 rows read in 3.7 s (about 90 us a column)
DEFAULT_MAX_READ_MB = 1024
DEFAULT_MAX_READ_SECONDS = 30


def max_columns() -> int:
    """Most columns (fields per line) one file may have."""
    return _env_int("LSTMLAB_MAX_COLUMNS", DEFAULT_MAX_COLUMNS)


def max_read_mb() -> int:
    """Most memory, in MB, that reading one file may take (its child process's address space)."""
    return _env_int("LSTMLAB_MAX_READ_MB", DEFAULT_MAX_READ_MB)


def max_read_seconds() -> int:
    """Longest time reading one file may take."""
    return _env_int("LSTMLAB_MAX_READ_SECONDS", DEFAULT_MAX_READ_SECONDS)
