"""Data-only messages between a file's read (a child process) and its caller: no pickles.

One job: ``encode(value) -> bytes`` and ``decode(bytes) -> value`` for what the readers return and
take: None, bools, numbers, strings, bytes, lists, tuples, dicts, NumPy arrays (saved with
``allow_pickle=False``), pandas' DatetimeIndex and tables of strings, and the ``Series`` dataclass.
The child has parsed a hostile file, so what it sends back is data to be read, never code to run:
the house rule that nothing unpickles data holds across the pipe too.

A message is ``[8-byte header length][header JSON][binary parts]``; the header holds the value's
tree with markers (``{"$b": i}`` for the i-th binary part, ``{"$a": i}`` an array, ...) and the
parts' lengths.
"""

from __future__ import annotations

import dataclasses
import io
import json
import struct
from typing import Any

import numpy as np
import pandas as pd

from models.data.series import Series

_LENGTH = struct.Struct("!Q")


def encode(value: Any) -> bytes:
    parts: list[bytes] = []
    tree = _tree(value, parts)
    header = json.dumps({"value": tree, "parts": [len(part) for part in parts]}).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *parts])


def decode(message: bytes) -> Any:
    (length,) = _LENGTH.unpack_from(message)
    header = json.loads(message[_LENGTH.size:_LENGTH.size + length])
    parts, start = [], _LENGTH.size + length
    for size in header["parts"]:
        parts.append(message[start:start + size])
        start += size
    if start != len(message):
        raise ValueError("A read's message does not add up to its parts.")
    return _value(header["value"], _Parts(parts))


class _Parts:
    """The binary parts of a message, each handed out once (a message naming one part many times
    would rebuild it many times over in the reader's memory)."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.taken: set[int] = set()

    def __getitem__(self, index: int) -> bytes:
        if index in self.taken:
            raise ValueError("A read's message names one part twice.")
        self.taken.add(index)
        return self.parts[index]


def _tree(value: Any, parts: list[bytes]) -> Any:
    """``value`` as JSON-ready data; binary pieces are appended to ``parts`` and referred to."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bytes, bytearray, memoryview)):
        parts.append(bytes(value))
        return {"$b": len(parts) - 1}
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        parts.append(buffer.getvalue())
        return {"$a": len(parts) - 1}
    if isinstance(value, pd.DatetimeIndex):
        return {"$times": _tree(value.to_numpy(), parts), "name": value.name}  # datetime64 in its own unit
    if isinstance(value, pd.DataFrame):
        return {"$table": {"columns": _tree(list(value.columns), parts),
                           "index": _tree(list(value.index), parts),
                           "rows": _tree(value.to_numpy(dtype=object).tolist(), parts)}}
    if isinstance(value, Series):
        return {"$series": {item.name: _tree(getattr(value, item.name), parts)
                            for item in dataclasses.fields(Series)}}
    if isinstance(value, tuple):
        return {"$tuple": [_tree(item, parts) for item in value]}
    if isinstance(value, list):
        return [_tree(item, parts) for item in value]
    if isinstance(value, dict):
        return {"$dict": [[_tree(key, parts), _tree(item, parts)] for key, item in value.items()]}
    raise TypeError(f"A read cannot send a {type(value).__name__}.")


def _value(tree: Any, parts: _Parts) -> Any:
    if isinstance(tree, list):
        return [_value(item, parts) for item in tree]
    if not isinstance(tree, dict):
        return tree
    if "$b" in tree:
        return parts[tree["$b"]]
    if "$a" in tree:
        return np.load(io.BytesIO(parts[tree["$a"]]), allow_pickle=False)
    if "$times" in tree:
        return pd.DatetimeIndex(_value(tree["$times"], parts), name=tree["name"])
    if "$table" in tree:
        table = tree["$table"]
        columns, index = _value(table["columns"], parts), _value(table["index"], parts)
        return pd.DataFrame(_value(table["rows"], parts), columns=columns, index=index, dtype="str")
    if "$series" in tree:
        return Series(**{name: _value(item, parts) for name, item in tree["$series"].items()})
    if "$tuple" in tree:
        return tuple(_value(item, parts) for item in tree["$tuple"])
    if "$dict" in tree:
        return {_value(key, parts): _value(item, parts) for key, item in tree["$dict"]}
    raise ValueError(f"Unknown part of a read's message: {sorted(tree)}.")
