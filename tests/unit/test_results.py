"""Epoch reports: the time left is estimated from the epochs after the first, which also traces and
compiles the graph, and is not guessed before one such epoch has ended."""

from __future__ import annotations

import pytest

from models.results import make_report


def test_the_time_left_waits_for_an_epoch_after_the_first():
    first = make_report(1, 10, 0.5, started=0.0, now=3.0).to_dict()  # 3 s: tracing and compiling
    assert first["eta"] is None
    assert make_report(1, 10, 0.5, 0.0, 3.0, first=first).eta is None  # the first epoch itself
    second = make_report(2, 10, 0.4, 0.0, 3.5, first=first)
    assert second.eta == pytest.approx(0.5 * 8)  # 8 epochs left at the second epoch's 0.5 s
    later = make_report(5, 10, 0.3, 0.0, 5.0, first=first)
    assert later.eta == pytest.approx(0.5 * 5) and later.elapsed == 5.0
    assert make_report(10, 10, 0.2, 0.0, 7.5, first=first).eta == 0.0
