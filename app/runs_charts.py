"""Plotly figures of the Runs page: several runs on one chart (no Streamlit, no Keras)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from models.forecast.predictions import Predictions
from models.results import EpochReport

_LAYOUT = {"height": 380, "margin": {"l": 40, "r": 10, "t": 50, "b": 40},
           "legend": {"orientation": "h", "y": -0.3}}


def predictions_overlay(predictions: Mapping[str, Predictions], small: bool = False) -> go.Figure:
    """The actual series once and each run's network predictions over time.

    ``predictions``: run label -> its predictions, all on the same series. ``small``: one run's chart
    among several, titled with its label.
    """
    figure = go.Figure()
    first = next(iter(predictions.values()))
    for index, (label, run) in enumerate(predictions.items()):
        if index == 0 or run.time != first.time:
            known = np.isfinite(run.actual)
            name = "actual" if index == 0 else f"actual ({label})"
            figure.add_trace(go.Scatter(x=np.asarray(run.time, dtype=object)[known], y=run.actual[known],
                                        mode="lines", name=name, line={"color": "black", "width": 2}))
        figure.add_trace(go.Scatter(x=run.time, y=run.network, mode="lines", name=label))
    test = np.flatnonzero(first.is_part("test"))
    if test.size:
        figure.add_vrect(x0=first.time[test[0]], x1=first.time[test[-1]], fillcolor="grey", opacity=0.08,
                         line_width=0, annotation_text="test part", annotation_position="top left")
    title = next(iter(predictions)) if small else "Predictions of the chosen runs"
    figure.update_layout(title=title, xaxis_title="time", yaxis_title="value",
                         **{**_LAYOUT, "height": 300 if small else _LAYOUT["height"]})
    return figure


def loss_overlay(histories: Mapping[str, Sequence[EpochReport]]) -> go.Figure:
    """Training loss per epoch of several runs (test-part loss dotted, same colour order)."""
    figure = go.Figure()
    for label, history in histories.items():
        epochs = [report.epoch for report in history]
        figure.add_trace(go.Scatter(x=epochs, y=[report.loss for report in history], mode="lines",
                                    name=f"{label} · training", legendgroup=label))
        if any(report.val_loss is not None for report in history):
            figure.add_trace(go.Scatter(x=epochs, y=[report.val_loss for report in history], mode="lines",
                                        line={"dash": "dot"}, name=f"{label} · test part",
                                        legendgroup=label))
    # Log scale, labelled at 1, 2 and 5 of each decade only ("D1" labels every digit, and they collide).
    figure.update_layout(title="Loss per epoch", xaxis_title="epoch", yaxis_title="loss",
                         yaxis={"type": "log", "dtick": "D2", "tickformat": ".2g"}, **_LAYOUT)
    return figure


def leaderboard_bars(labels: Sequence[str], ratios: Sequence[float], reference: str) -> go.Figure:
    """Each configuration's test RMSE as a share of the reference baseline's (below 1 = better)."""
    colours = ["#2ca02c" if ratio < 1 else "#d62728" for ratio in ratios]
    figure = go.Figure(go.Bar(x=list(ratios), y=list(labels), orientation="h", marker_color=colours,
                              hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    figure.add_vline(x=1.0, line_dash="dash", annotation_text=reference, annotation_position="top")
    figure.update_layout(title=f"Test RMSE relative to {reference} (left of the line = better)",
                         xaxis_title="network RMSE / baseline RMSE", yaxis={"autorange": "reversed"},
                         height=120 + 28 * len(labels), margin={"l": 40, "r": 10, "t": 50, "b": 40})
    return figure
