"""The command line, ``python -m models <command> ...``: argparse over the core; may import any room."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from models.errors import LabError

# Each command module exposes add_parser(subparsers); imported here so --help lists them all.
_COMMAND_MODULES = ("models.cli.forecast", "models.cli.digits", "models.cli.runs", "models.cli.inspect")


__all__ = ["OneLineParser", "build_parser", "main"]


class OneLineParser(argparse.ArgumentParser):
    """Argparse whose usage errors are one ``error: ...`` line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subcommand per available command module."""
    parser = OneLineParser(
        prog="python -m models",
        description="LSTM Lab: train recurrent networks on time series or MNIST digits, headless.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; bad input prints ``error: ...`` on stderr and returns 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130

