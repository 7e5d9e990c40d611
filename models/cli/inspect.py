"""``python -m models inspect``: what the app would read from a file, without training.

Prints which column is the time and which the target, the frequency and season, the span, the
columns passed over and every note, as the Forecast page shows them. ``--json`` prints the same facts
(``models.data.describe_series``) as one JSON object. TensorFlow is never imported.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from models.errors import DataError

SKIPPED_ROWS = 3  # skipped columns listed one per row; a wide file's others are counted


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register the ``inspect`` subcommand."""
    parser = subparsers.add_parser(
        "inspect",
        help="show how a CSV file or spreadsheet is read (time, target, frequency, season) without training",
        description=(
            "Read a CSV file or a spreadsheet as the app would and say what was found: the time column, "
            "the column to forecast, the frequency and season, the span, the columns skipped and why."
        ),
    )
    parser.add_argument("--csv", metavar="FILE", required=True, help="CSV file or spreadsheet (.xlsx, .xls)")
    parser.add_argument("--target", metavar="COL", help="column to forecast (default: detected)")
    parser.add_argument("--time", metavar="COL",
                        help="time column (default: detected; '' for none; 'year + quarter' combines two)")
    parser.add_argument("--sheet", metavar="NAME", help="sheet of a workbook (default: the first)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)
    return parser


def inspect_file(path: str, *, target: str | None = None, time: str | None = None,
                 sheet: str | None = None) -> dict[str, Any]:
    """The facts ``inspect`` reports for one file (DataError when it cannot be read)."""
    from models.data import describe_series, load_series

    if not path:
        raise DataError("Give the file to inspect with --csv FILE.")
    return describe_series(load_series(path, time_column=time, target_column=target, sheet=sheet))


def run(args: argparse.Namespace) -> int:
    """Print what was read; exit code 0."""
    facts = inspect_file(args.csv, target=args.target, time=args.time, sheet=args.sheet)
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
        return 0
    season = facts["season_length"]
    rows = [
        ("time column", facts["time_column"] or "none (points numbered 1, 2, 3, ...)"),
        ("target", facts["target"]),
        ("frequency", facts["frequency"] or "irregular or unknown"),
        ("season length", str(season) if season else "none"),
        ("points", f"{facts['n_points']} ({facts['first_label']} to {facts['last_label']})"),
    ]
    if facts["sheet"]:
        rows.append(("sheet", facts["sheet"]))
    skipped = facts["skipped_columns"]
    for column in skipped[:SKIPPED_ROWS]:
        rows.append(("skipped", f"{column['column']}: {column['reason']}"))
    if len(skipped) > SKIPPED_ROWS:  # a wide file: --json lists every one
        rows.append(("skipped", f"{len(skipped) - SKIPPED_ROWS:,} more columns (--json lists them all)"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for note in facts["notes"]:
        print(f"- {note}")
    return 0
