"""Small readers of AppTest pages shared by the page tests."""

from __future__ import annotations


def plotly_keys(at) -> list[str]:
    """The keys of every plotly chart on the page, in order."""
    return [getattr(element, "key", None) or "" for element in at.get("plotly_chart")]
