"""``python -m models digits``: train the seed article's row-by-row MNIST reader, headless.

Settings start from the default configuration (or ``--preset``); every option given explicitly
overrides it. ``--json`` prints one JSON object on stdout; otherwise one line per epoch and a short
report. TensorFlow is imported only when a run actually trains, and its logging never reaches stdout.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from models.cli import common as cli_common
from models.config import DIGITS_PRESETS, DigitsConfig
from models.engine import workload
from models.knobs import DIGITS_KNOBS
from models.results import EpochReport, RunResult
from models.summaries import DigitsMetrics, DigitsSummary

# argparse destination -> DigitsConfig field, for the options that override the preset.
_OVERRIDES = ("units", "epochs", "batch_size", "limit", "source", "cell", "layers", "optimizer",
              "learning_rate", "seed")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register the ``digits`` subcommand."""
    defaults = DigitsConfig()
    parser = subparsers.add_parser(
        "digits",
        help="train a recurrent network that reads MNIST digits row by row, and test it",
        description=(
            "Train the seed article's MNIST classifier: each 28x28 digit is read as 28 steps of 28 pixels "
            "by an LSTM/GRU/RNN, then a softmax picks the class. Reports test loss and accuracy, per-class "
            "accuracy and the time taken. Settings start from the defaults (or --preset); options given "
            "explicitly override them."
        ),
    )
    data = parser.add_argument_group("data")
    for name in ("source", "limit"):
        DIGITS_KNOBS[name].add_flag(data, getattr(defaults, name))

    network = parser.add_argument_group("network")
    network.add_argument("--preset", choices=sorted(DIGITS_PRESETS),
                         help="start from a named configuration: 'seed' is the article's program (LSTM(30), "
                              "RMSprop, batch 128, 10 epochs); 'quick' is a short demo")
    for name in ("cell", "units", "layers"):
        DIGITS_KNOBS[name].add_flag(network, getattr(defaults, name))

    training = parser.add_argument_group("training")
    for name in ("epochs", "batch_size", "optimizer", "learning_rate", "seed"):
        DIGITS_KNOBS[name].add_flag(training, getattr(defaults, name))

    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of text")
    output.add_argument("--background", action="store_true",
                        help="queue the run in the run store and return its id at once "
                             "(follow it with `python -m models runs show ID`)")
    parser.set_defaults(func=run)
    return parser


def config_from_args(args: argparse.Namespace) -> DigitsConfig:
    """The preset (or the defaults) with every explicitly given option applied; ConfigError if invalid."""
    base = DIGITS_PRESETS[args.preset] if args.preset else DigitsConfig()
    return cli_common.config_from_args(args, base, {name: name for name in _OVERRIDES})


def run(args: argparse.Namespace) -> int:
    """Train (or queue with --background) and print the result; returns the exit code."""
    config = config_from_args(args)
    workload.plan_run(config)  # before TensorFlow or a download: refuse over-limit runs at once
    if args.background:
        return cli_common.submit_background(config, None, "mnist", args.json)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    from models.train.digits import train_classifier  # heavy: imported only when training

    progress = None if args.json else _print_epoch
    result = train_classifier(config, progress=progress)
    document = result_document(result, config)
    print(json.dumps(document) if args.json else format_report(document))
    return 0


def result_document(result: RunResult, config: DigitsConfig) -> dict[str, Any]:
    """The JSON the CLI prints: data facts, test metrics, time, and the configuration used."""
    summary, metrics = result.summary, result.metrics
    assert isinstance(summary, DigitsSummary) and isinstance(metrics, DigitsMetrics)
    return {
        "source": summary.source,
        "n_train": summary.n_train,
        "n_test": summary.n_test,
        "note": summary.note,
        "test_loss": metrics.test_loss,
        "test_accuracy": metrics.test_accuracy,
        "train_accuracy": metrics.train_accuracy,
        "per_class_accuracy": metrics.per_class_accuracy,
        "fit_seconds": result.fit_seconds,
        "epochs": len(result.history),
        "parameters": summary.parameters,
        "config": config.to_dict(),
    }


def format_report(document: dict[str, Any]) -> str:
    """A short human-readable report."""
    per_class = "  ".join(f"{digit}: {_percent(value)}"
                          for digit, value in enumerate(document["per_class_accuracy"]))
    return "\n".join([
        document["note"] or "",
        f"Digits: {document['n_train']:,} training, {document['n_test']:,} test ({document['source']}).",
        f"Test loss {document['test_loss']:.4f}, test accuracy {_percent(document['test_accuracy'])} "
        f"(training accuracy {_percent(document['train_accuracy'])}).",
        f"Per digit: {per_class}",
        f"Trained {document['epochs']} epoch{'' if document['epochs'] == 1 else 's'} in "
        f"{document['fit_seconds']:.1f} s "
        f"({document['parameters']:,} weights).",
    ])


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _print_epoch(report: EpochReport) -> None:
    accuracy = report.metrics.get("accuracy")
    val_accuracy = report.metrics.get("val_accuracy")
    print(f"epoch {report.epoch}/{report.epochs}: loss {report.loss:.4f}, accuracy {_percent(accuracy)}, "
          f"test accuracy {_percent(val_accuracy)} ({report.elapsed:.1f} s)", flush=True)
