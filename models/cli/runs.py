"""``python -m models runs ...``: list, inspect, cancel and delete runs in the run store.

    python -m models runs [--json]                  the owner's runs and shared ones, newest first
    python -m models runs show RUN_ID [--json]      state, progress, metrics and files of one run
    python -m models runs cancel RUN_ID             stop a queued or running run
    python -m models runs delete RUN_ID             delete a finished run and its files
    python -m models runs export RUN_ID --out F.zip the run as a zip: settings, scores, files and a
                                                    reproduction script (the Runs page's export);
                                                    an existing F.zip only with --force
    python -m models runs work RUN_ID               (internal) the detached runner of --background

The CLI acts as the named owner ``cli`` (``--owner NAME`` for another); ``--all`` sees every run
(whoever can run this command can read the data folder anyway). Everything goes through the run
store in ``LSTMLAB_DATA_DIR``, so it works while the server or a background runner is training.
No TensorFlow is imported here.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

from models.engine.export import export_file_name, export_run
from models.engine.store import SUCCEEDED, RunRecord, RunStore
from models.errors import LabError
from models.settings import CLI_OWNER, load_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register the ``runs`` command (and its actions) on the top-level subparsers."""
    # The shared options may come before or after the action; SUPPRESS keeps an action's parser
    # from overwriting a value given before it with its default.
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON on stdout instead of text")
    shared.add_argument("--owner", default=argparse.SUPPRESS, metavar="NAME",
                        help=f"act as this owner (default: {CLI_OWNER})")
    shared.add_argument("--all", dest="everyone", action="store_true", default=argparse.SUPPRESS,
                        help="every run in the store, whoever owns it")
    parser = subparsers.add_parser(
        "runs", parents=[shared], help="list, show, cancel or delete runs in the run store",
        description="List, show, cancel or delete runs in the run store (LSTMLAB_DATA_DIR).")
    parser.set_defaults(func=run, json=False, owner=CLI_OWNER, everyone=False)
    actions = parser.add_subparsers(dest="action", metavar="{show,cancel,delete,export}")
    for name, text in (("show", "state, progress, metrics and files of one run"),
                       ("cancel", "stop a queued or running run"),
                       ("delete", "delete a finished run and its files")):
        action = actions.add_parser(name, parents=[shared], help=text, description=text.capitalize() + ".")
        action.add_argument("run_id", metavar="RUN_ID")
    export = actions.add_parser(
        "export", parents=[shared], help="write the run as a zip (settings, scores, files, script)",
        description="Write one run as a zip: settings, scores, history, its files and, for forecasts, "
                    "series.csv and a script that reproduces the run from it.")
    export.add_argument("run_id", metavar="RUN_ID")
    export.add_argument("--out", metavar="FILE", default=None,
                        help="the zip to write (default: lstm-lab-<kind>-<id>.zip in this folder)")
    export.add_argument("--force", action="store_true",
                        help="overwrite the file if it exists (default: refuse)")
    work = actions.add_parser("work", description="Internal: train one queued run (used by --background).")
    work.add_argument("run_id", metavar="RUN_ID")
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out one ``runs`` action; returns the exit code."""
    settings = load_settings()
    action = args.action or "list"
    if action == "work":
        from models.engine.background import work_on  # Dask only for the runner, not for listing

        record = work_on(args.run_id, settings)
        print(f"Run {record.id} {record.state}." + (f" {record.error}" if record.error else ""))
        return 0 if record.state == SUCCEEDED else 1
    store = RunStore(settings.data_dir)
    owner, everyone = args.owner, args.everyone
    if action == "list":
        records = store.list_runs(owner, everyone=everyone)
        print(json.dumps([record.to_dict() for record in records]) if args.json else format_table(records))
    elif action == "show":
        record = store.get_run(args.run_id, owner, everyone=everyone)
        history = store.history(args.run_id, owner, everyone=everyone)
        if args.json:
            print(json.dumps({**record.to_dict(), "history": [report.to_dict() for report in history]}))
        else:
            print(format_run(record))
    elif action == "cancel":
        record = store.request_cancel(args.run_id, owner, everyone=everyone)
        if args.json:
            print(json.dumps(record.to_dict()))
        elif record.state == "running":
            print(f"Asked run {record.id} to stop; it ends within a few seconds.")
        else:
            print(f"Run {record.id} is {record.state}.")
    elif action == "export":
        record = store.get_run(args.run_id, owner, everyone=everyone)
        out = Path(args.out or export_file_name(record))
        data = export_run(store, args.run_id, owner, everyone=everyone)
        try:
            # "x" refuses an existing file in the same call that creates it: nothing is overwritten unasked
            with out.open("wb" if args.force else "xb") as file:
                file.write(data)
        except FileExistsError as error:
            raise LabError(f"{str(out)!r} already exists: choose another --out, or add --force to "
                           f"overwrite it.") from error
        except OSError as error:
            raise LabError(f"Could not write {str(out)!r}: {error.strerror or error}.") from error
        print(json.dumps({"exported": record.id, "out": str(out)}) if args.json
              else f"Wrote run {record.id} to {out}.")
    elif action == "delete":
        store.delete_run(args.run_id, owner, everyone=everyone)
        print(json.dumps({"deleted": args.run_id}) if args.json else f"Deleted run {args.run_id}.")
    return 0


# ------------------------------------------------------------ text output


def _when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def describe_state(record: RunRecord) -> str:
    """``queued (#2 in line)``, ``running (epoch 3/60, about 12 s left)``, ``failed: <why>`` ..."""
    if record.state == "queued":
        position = f"#{record.queue_position} in line" if record.queue_position else "waiting"
        return f"queued ({position})"
    if record.state == "running":
        if record.cancel_requested:
            return "running (stopping)"
        if record.progress is None:
            return "running (starting)"
        left = "" if record.progress.eta is None else f", about {record.progress.eta:.0f} s left"
        return f"running (epoch {record.progress.epoch}/{record.progress.epochs}{left})"
    if record.error:
        return f"{record.state}: {record.error}"
    return record.state


def format_table(records: list[RunRecord]) -> str:
    """One line per run."""
    if not records:
        return "No runs yet."
    lines = [f"{'ID':<24} {'KIND':<9} {'DATA':<24} {'CREATED':<19}  STATE"]
    for record in records:
        lines.append(f"{record.id:<24} {record.kind:<9} {printable(record.data_name or '-')[:24]:<24} "
                     f"{_when(record.created):<19}  {printable(describe_state(record))}")
    return "\n".join(lines)


def printable(text: str) -> str:
    """``text`` with control and format characters escaped (``\\n``, ``\\x1b``, ``\\u202e``): a file name
    holding a newline, a terminal escape or a right-to-left mark cannot break or recolour a table."""
    return "".join(character.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(character) in _UNPRINTABLE else character for character in text)


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _number(value: Any) -> str:
    if value is None:
        return "not defined"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_run(record: RunRecord) -> str:
    """Several lines: state, data, times, configuration, metrics, files."""
    data = record.data_name or "-"
    if record.data_fingerprint:
        data += f" (sha256 {record.data_fingerprint[:12]})"
    lines = [
        f"Run {record.id}",
        f"  state:    {describe_state(record)}",
        f"  kind:     {record.kind}",
        f"  data:     {data}",
        f"  created:  {_when(record.created)}",
        f"  started:  {_when(record.started)}",
        f"  finished: {_when(record.finished)}",
    ]
    if record.progress is not None:
        report = record.progress
        extra = "" if report.val_loss is None else f", val loss {_number(report.val_loss)}"
        lines.append(f"  epoch:    {report.epoch}/{report.epochs}, loss {_number(report.loss)}{extra}")
    if record.fit_seconds is not None:
        lines.append(f"  fit:      {record.fit_seconds:.1f} s")
    if record.shared:
        lines.append("  shared:   yes")
    settings = {} if record.config is None else record.config.to_dict()
    lines.append("  settings: " + ", ".join(f"{key}={value}" for key, value in settings.items()
                                             if key != "kind" and value is not None))
    if record.metrics is not None:
        lines.append("  metrics:")
        lines.extend(f"    {key}: {_number(value)}" for key, value in _flatten(record.metrics.to_dict()))
    if record.artifacts:
        lines.append("  files:    " + ", ".join(record.artifacts))
    return "\n".join(printable(line) for line in lines)
