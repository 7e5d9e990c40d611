"""Skips that would hide a broken install fail the run where every part must be present.

``make test`` (and so CI) sets ``LSTMLAB_NO_SKIPS=1``: there a skipped test means something is missing
from the set-up (a package, Debian's Chromium, a permission), so the run fails and names the tests,
unless a test is listed in ``ALLOWED_SKIPS`` with its reason. Elsewhere (a quick local run without
the browser, say) skips stay skips. Loaded for every run through ``addopts`` in pyproject.toml.
"""

from __future__ import annotations

import os

import pytest

ALLOWED_SKIPS: dict[str, str] = {}  # test node id -> why it may skip in CI (none today)

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and report.nodeid not in ALLOWED_SKIPS:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("LSTMLAB_NO_SKIPS") == "1" and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if os.environ.get("LSTMLAB_NO_SKIPS") == "1" and _skipped:
        terminalreporter.write_line(
            f"LSTMLAB_NO_SKIPS=1: {len(_skipped)} test(s) skipped, which hides a missing part of the "
            "set-up: " + ", ".join(_skipped), red=True)
