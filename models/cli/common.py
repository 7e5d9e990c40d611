"""What the ``forecast`` and ``digits`` commands share: presets with overrides, and ``--background``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any, TypeVar

from models.config import DigitsConfig, ForecastConfig
from models.errors import ConfigError

ConfigT = TypeVar("ConfigT", ForecastConfig, DigitsConfig)


def config_from_args(args: argparse.Namespace, base: ConfigT, overrides: Mapping[str, str]) -> ConfigT:
    """``base`` (a preset or the defaults) with every explicitly given option applied.

    ``overrides`` maps argparse destinations to configuration fields; ConfigError if invalid.
    """
    changes: dict[str, Any] = {field: getattr(args, option) for option, field in overrides.items()
                               if getattr(args, option, None) is not None}
    return base.replace(**changes) if changes else base


def submit_background(config: ForecastConfig | DigitsConfig, data: bytes | None, name: str,
                      as_json: bool) -> int:
    """Queue the run in the run store (a detached runner trains it) and print its id; exit code 0."""
    try:
        from models.engine.background import submit_from_cli
    except ImportError as error:
        raise ConfigError("Background runs are not available in this installation.") from error
    run_id = submit_from_cli(config, data, name)
    if as_json:
        print(json.dumps({"run_id": run_id, "state": "queued"}))
    else:
        print(f"Queued run {run_id}: follow it with `python -m models runs show {run_id}`.")
    sys.stdout.flush()
    return 0
