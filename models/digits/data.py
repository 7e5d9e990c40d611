"""MNIST digits for the row-by-row classifier: the full set, or the 5,000 bundled real digits.

No TensorFlow here: the full set is the same file Keras' ``mnist.load_data()`` reads, fetched
with the standard library and checked against its published SHA-256.

Sources:
- "keras": full MNIST (60,000 training and 10,000 test digits, the official split). It downloads
  once into ``~/.keras/datasets`` (where Keras keeps it) and reads the cached file after.
- "bundled": ``data/mnist-5k.npz`` (5,000 real MNIST digits, 500 per class, sorted by class),
  split with a seeded stratified shuffle. Never touches the network.
- "auto": "keras" when the file is cached or the download works quickly, else "bundled".
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.config import DIGIT_SOURCES
from models.errors import ConfigError, DataError

BUNDLED_PATH = Path(__file__).resolve().parents[2] / "data" / "mnist-5k.npz"
N_CLASSES = 10
IMAGE_SIZE = 28
BUNDLED_TEST_FRACTION = 0.2
# The file Keras' own loader downloads, cached where Keras caches it (one download serves both).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"
# Seconds the download may wait for the network: offline it fails fast instead of hanging.
DOWNLOAD_TIMEOUT = 5.0


@dataclass(frozen=True)
class Digits:
    """Training and test digits with where they came from.

    Images are uint8 [N, 28, 28] (0 background, 255 ink), labels uint8 [N] in 0-9.
    """

    x_train: np.ndarray  # uint8 [n_train, 28, 28]
    y_train: np.ndarray  # uint8 [n_train]
    x_test: np.ndarray  # uint8 [n_test, 28, 28]
    y_test: np.ndarray  # uint8 [n_test]
    source: str  # "keras" or "bundled"
    note: str  # one plain sentence: which digits, and why this source

    @property
    def n_train(self) -> int:
        return int(len(self.y_train))

    @property
    def n_test(self) -> int:
        return int(len(self.y_test))

    def describe(self) -> str:
        """One line for people: source and counts."""
        name = "full MNIST (Keras)" if self.source == "keras" else "bundled MNIST sample"
        return f"{name}: {self.n_train:,} training and {self.n_test:,} test digits"


def load_digits(source: str = "auto", limit: int | None = None, seed: int = 7) -> Digits:
    """Load MNIST digits from ``source`` ("auto", "keras" or "bundled").

    ``limit`` keeps at most that many training digits (a seeded, class-balanced subset); the test
    set is never cut. Raises DataError when "keras" is asked for and cannot be loaded.
    """
    if source not in DIGIT_SOURCES:
        raise ConfigError(f"Source must be one of {', '.join(DIGIT_SOURCES)}, got {source!r}.")
    if limit is not None and limit < N_CLASSES:
        raise ConfigError(f"Training digits must be at least {N_CLASSES}, got {limit}.")
    if source == "bundled":
        digits = _bundled(seed, note="The bundled sample of 5,000 real MNIST digits was asked for.")
    else:
        try:
            (x_train, y_train), (x_test, y_test) = _load_full_mnist()
            digits = Digits(x_train, y_train, x_test, y_test, "keras",
                            note="Full MNIST (official 60,000/10,000 split).")
        except DataError as error:
            if source == "keras":
                raise
            digits = _bundled(seed, note=f"{error} Using the 5,000 bundled real MNIST digits instead.")
    if limit is not None and limit < digits.n_train:
        keep = stratified_order(digits.y_train, np.random.default_rng(seed))[:limit]
        keep.sort()  # keep the original order of the kept digits
        digits = Digits(digits.x_train[keep], digits.y_train[keep], digits.x_test, digits.y_test,
                        digits.source, digits.note + f" Training on {limit:,} of them (limit).")
    return digits


def stratified_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of indices in which every prefix holds the classes in proportion.

    Each item gets the key (rank within its shuffled class + jitter) / class size; sorting by the key
    interleaves the classes, so the first k indices are a class-balanced random sample.
    """
    labels = np.asarray(labels)
    keys = np.empty(len(labels), dtype=np.float64)
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        ranks = rng.permutation(len(members))
        keys[members] = (ranks + rng.random(len(members))) / len(members)
    return np.argsort(keys, kind="stable")


def stratified_split(labels: np.ndarray, test_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices with each class split in the same proportion."""
    labels = np.asarray(labels)
    train_parts, test_parts = [], []
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        n_test = max(1, round(len(members) * test_fraction))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    # Shuffle across classes too: the bundled file is sorted by class.
    return rng.permutation(np.concatenate(train_parts)), rng.permutation(np.concatenate(test_parts))


@lru_cache(maxsize=1)
def bundled_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 bundled digits in file order: images uint8 [5000, 28, 28], labels uint8 [5000]."""
    if not BUNDLED_PATH.exists():
        raise DataError(f"The bundled digits file {BUNDLED_PATH.name} is missing from the data folder.")
    with np.load(BUNDLED_PATH, allow_pickle=False) as bundle:
        images, labels = bundle["images"], bundle["labels"]
    images.setflags(write=False)  # shared by the cache: nobody may change it
    labels.setflags(write=False)
    return images, labels


def _bundled(seed: int, note: str) -> Digits:
    images, labels = bundled_arrays()
    train, test = stratified_split(labels, BUNDLED_TEST_FRACTION, np.random.default_rng(seed))
    return Digits(images[train], labels[train], images[test], labels[test], "bundled", note)


def _load_full_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Full MNIST from the cached file, else downloaded once; any failure is one DataError sentence."""
    try:
        if not _verified(MNIST_CACHE):
            _download(MNIST_URL, MNIST_CACHE)
        with np.load(MNIST_CACHE, allow_pickle=False) as arrays:
            x_train, y_train = arrays["x_train"], arrays["y_train"]
            x_test, y_test = arrays["x_test"], arrays["y_test"]
    except Exception as error:  # network, DNS, checksum, unreadable cache ...
        raise DataError(f"Full MNIST could not be loaded "
                        f"({type(error).__name__}: {_first_line(error)}).") from error
    if x_train.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or x_test.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError("The MNIST file holds images that are not 28 by 28 pixels.")
    return ((np.asarray(x_train, np.uint8), np.asarray(y_train, np.uint8)),
            (np.asarray(x_test, np.uint8), np.asarray(y_test, np.uint8)))


def _verified(path: Path) -> bool:
    """Whether ``path`` exists and holds exactly the published MNIST file."""
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == MNIST_SHA256


def _download(url: str, path: Path) -> None:
    """Fetch ``url`` into ``path`` through a temporary file, so a cut download never looks cached."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, partial.open("wb") as out:
        shutil.copyfileobj(response, out)
    if not _verified(partial):
        partial.unlink(missing_ok=True)
        raise ValueError("the downloaded file does not match the published MNIST checksum")
    partial.replace(path)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else "no details"
