"""Plain words shared by the data messages, so every message counts and lists things the same way."""

from __future__ import annotations

import numpy as np


def plural(word: str, count: int) -> str:
    """'month' for 1, 'months' otherwise."""
    return word if count == 1 else word + "s"


def count_phrase(number: int, word: str) -> str:
    """'1 row', '3 rows'."""
    return f"{number} {plural(word, number)}"


def lines_phrase(line_numbers: list[int] | np.ndarray, limit: int = 5) -> str:
    """'line 5', 'lines 5 and 9', 'lines 5, 9, 12, 20, 31 and 4 more'."""
    numbers = [int(number) for number in line_numbers]
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    shown = numbers[:limit]
    rest = len(numbers) - len(shown)
    if rest:
        return f"lines {', '.join(map(str, shown))} and {rest} more"
    return f"lines {', '.join(map(str, shown[:-1]))} and {shown[-1]}"


def names_phrase(names: list[str], limit: int = 10) -> str:
    """"'a', 'b', 'c'" or "'a', ..., 'j' and 5 more"."""
    quoted = [repr(name) for name in names[:limit]]
    if len(names) > limit:
        return f"{', '.join(quoted)} and {len(names) - limit} more"
    return ", ".join(quoted)
