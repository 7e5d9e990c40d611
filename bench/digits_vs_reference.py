"""Digits seed configuration: our core's seconds per epoch on 60,000 digits against the seed program.

    .venv/bin/python bench/digits_vs_reference.py                       # 2 rounds of 2 epochs (~2-3 min)
    .venv/bin/python bench/digits_vs_reference.py --rounds 3 --epochs 10  # the seed's full 10 epochs

The seed configuration: LSTM(30) reading each 28x28 digit row by row, softmax over 10 classes,
RMSprop(0.001), cross-entropy, batch size 128, a validation pass over the 10,000 test digits after
every epoch. Offline, both sides train on the same data: the 5,000 bundled real MNIST digits
(data/mnist-5k.npz) split 4,000/1,000 and tiled to 60,000 training and 10,000 test digits by
``bench/reference/seed_mnist.py``'s ``load_data``, so an epoch does the work of a full-MNIST epoch.
Each round runs, each in a fresh Python process:

* ours: ``models.train.digits.train_classifier(DIGITS_PRESETS["seed"], digits=...)`` (the path
  a Digits run takes on a worker: ``fit_fast`` with per-epoch accuracy and validation), seconds per
  epoch = the core's fit seconds / epochs;
* reference: ``bench/reference/seed_mnist.py EPOCHS``, ``model.fit`` seconds / epochs.

The order alternates across rounds; the seconds are medians and the ratio is the median of the
rounds' own ratios (the ratio of the medians is printed alongside). Both report the accuracy on the 1,000
held-out bundled digits (the tiled 10,000 test digits are those ten times each) after the same
number of epochs, so the speed is compared at (about) equal accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REFERENCE, alternating_rounds, figure, median, paired_figure, python  # noqa: E402

TARGET = 0.4  # ours / reference seconds per epoch


def child(epochs: int) -> int:
    """Train the seed digits configuration in this (fresh) process; print one JSON line."""
    del sys.argv[1:]  # the reference module reads its epochs from sys.argv when imported
    from bench.reference.seed_mnist import load_data
    from models.config import DIGITS_PRESETS
    from models.digits.data import Digits
    from models.train.digits import train_classifier

    (x_train, y_train), (x_test, y_test) = load_data()  # the reference's tiled 60,000 / 10,000
    digits = Digits(x_train, y_train, x_test, y_test, "bundled",
                    "The bundled digits tiled to 60,000 training and 10,000 test digits.")
    started = time.perf_counter()
    result = train_classifier(DIGITS_PRESETS["seed"].replace(epochs=epochs), digits=digits)
    elapsed = [report["elapsed"] for report in result.history]
    later = (elapsed[-1] - elapsed[0]) / (len(elapsed) - 1) if len(elapsed) > 1 else None
    print(json.dumps({
        "seconds_per_epoch": result.summary.seconds_per_epoch,
        "later_seconds_per_epoch": later,  # epochs after the first (no graph tracing)
        "total_seconds": time.perf_counter() - started,
        "test_accuracy": result.metrics.test_accuracy,
        "n_train": result.summary.n_train,
        "n_test": result.summary.n_test,
    }))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of ours + reference (default 2)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per training (default 2)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.epochs)

    ours_command = python(str(Path(__file__).resolve()), "--child", "--epochs", str(args.epochs))
    reference_command = python(str(REFERENCE / "seed_mnist.py"), str(args.epochs))
    ours, reference = alternating_rounds(args.rounds, ours_command, reference_command,
                                         "seconds_per_epoch", "s/epoch")

    size = f"{ours[0]['n_train']:,} digits"
    rounds = f"median of {args.rounds} rounds of {args.epochs} epochs"
    ours_epoch = median([run["seconds_per_epoch"] for run in ours])
    reference_epoch = median([run["seconds_per_epoch"] for run in reference])
    paired_figure(f"digits seed epoch on {size}, ours (fit_fast)", ours, reference, "seconds_per_epoch",
                  "s/epoch", TARGET, rounds, f"ratio of medians {ours_epoch / reference_epoch:.3f}")
    figure(f"digits seed epoch on {size}, reference model.fit", reference_epoch, "s/epoch", ratio=1.0,
           note=rounds)
    later = [run["later_seconds_per_epoch"] for run in ours if run["later_seconds_per_epoch"] is not None]
    if later:
        figure(f"digits seed epoch on {size}, ours after the first epoch", median(later), "s/epoch",
               note="no graph tracing; no ratio: the reference times only its whole fit")
    figure("digits seed run total, ours (fit + predictions, confusion, artifacts)",
           median([run["total_seconds"] for run in ours]), "s", note=rounds)

    ours_accuracy = median([run["test_accuracy"] for run in ours])
    reference_accuracy = median([run["test_accuracy"] for run in reference])
    figure(f"digits seed test accuracy after {args.epochs} epochs, ours", ours_accuracy * 100, "%",
           ratio=ours_accuracy / reference_accuracy, digits=4,
           note="on the 1,000 held-out bundled digits; seeded")
    accuracies = ", ".join(f"{run['test_accuracy'] * 100:.1f}" for run in reference)
    figure(f"digits seed test accuracy after {args.epochs} epochs, reference", reference_accuracy * 100,
           "%", ratio=1.0, digits=4, note=f"same digits; unseeded, per round {accuracies}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
