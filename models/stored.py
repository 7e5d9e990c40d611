"""One policy for records written by other versions (stored configurations and results).

Read them: missing fields take their defaults, unknown ones are dropped and named in a log line,
so an old run still opens and a newer run's extra fields never break an older reader.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

log = logging.getLogger(__name__)


def known_fields(cls: type, data: dict[str, Any], *, discriminators: tuple[str, ...] = ()) -> dict[str, Any]:
    """The entries of ``data`` that are fields of the dataclass ``cls``; the others are logged.

    ``discriminators`` are keys that say which class to read (``kind``, ``task``): expected, not logged.
    """
    names = {item.name for item in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names - set(discriminators))
    if unknown:
        log.info("%s: ignored stored fields from another version: %s", cls.__name__, ", ".join(unknown))
    return {name: value for name, value in data.items() if name in names}
