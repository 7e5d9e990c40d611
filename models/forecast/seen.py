"""Whether a series holds values the pretrained network learned from, so that scoring it there would not
be honest (NumPy only).

The pretrained network learned from the official training parts of the M1 competition's series. A
series that contains a run of ``WINDOW`` consecutive values of one of them is, or overlaps, that series:
the network may have seen the very values it would be scored on. ``seen.npz`` (written with the weights
by scripts/train_pretrained.py) holds the sorted 64-bit hashes of every such run; runs of fewer than
``MIN_DISTINCT`` different values (a stretch of zeros, a flat level) are left out on both sides, since
any series may hold them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np

WINDOW = 8
MIN_DISTINCT = 4
# Beside the weights it describes (read as a file: this room never imports the training room).
SEEN_PATH = Path(__file__).resolve().parents[1] / "train" / "pretrained_weights" / "seen.npz"


def window_hashes(values: np.ndarray) -> np.ndarray:
    """The sorted, distinct hashes of every run of WINDOW consecutive values (as float32, so a value
    read from another file's decimal text hashes alike) with at least MIN_DISTINCT different values."""
    array = np.asarray(values, dtype=np.float32)
    if array.size < WINDOW:
        return np.zeros(0, dtype=np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(array, WINDOW)
    distinct = (np.diff(np.sort(windows, axis=1), axis=1) != 0).sum(axis=1) + 1
    varied = distinct >= MIN_DISTINCT
    hashes = [int.from_bytes(hashlib.blake2b(window.tobytes(), digest_size=8).digest(), "little")
              for window in windows[varied]]
    return np.unique(np.array(hashes, dtype=np.uint64))


@lru_cache(maxsize=1)
def seen_hashes() -> np.ndarray:
    """The hashes of the pretrained network's training values (empty when the file is missing)."""
    try:
        with np.load(SEEN_PATH, allow_pickle=False) as arrays:
            return np.asarray(arrays["hashes"], dtype=np.uint64)
    except OSError:
        return np.zeros(0, dtype=np.uint64)


def seen_by_pretrained(values: np.ndarray) -> bool:
    """Whether ``values`` hold a run of values the pretrained network learned from (remembered per
    series: a page asks again on every rerun)."""
    array = np.ascontiguousarray(values, dtype=np.float32)
    key = hashlib.sha256(array.tobytes()).digest()
    with _LOCK:
        if key in _ANSWERS:
            return _ANSWERS[key]
    answer = bool(np.isin(window_hashes(array), seen_hashes(), assume_unique=True).any())
    with _LOCK:
        _ANSWERS[key] = answer
        while len(_ANSWERS) > _KEPT:
            _ANSWERS.popitem(last=False)
    return answer


_ANSWERS: OrderedDict[bytes, bool] = OrderedDict()
_KEPT = 64
_LOCK = threading.Lock()
