"""Pure plotly figure builders shared by several pages: data in, ``go.Figure`` out."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from models.results import EpochReport


def loss_curves(history: Sequence[EpochReport], title: str = "Loss per epoch",
                held_out_label: str = "test-part loss") -> go.Figure:
    """Training loss and (when reported) the held-out loss against the epoch number."""
    epochs = [report.epoch for report in history]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=epochs, y=[report.loss for report in history], mode="lines+markers",
                                name="training loss"))
    if any(report.val_loss is not None for report in history):
        figure.add_trace(go.Scatter(x=epochs, y=[report.val_loss for report in history],
                                    mode="lines+markers", name=held_out_label))
    if len(epochs) <= 20:
        figure.update_xaxes(dtick=1)  # whole epochs only
    figure.update_layout(title=title, xaxis_title="epoch", yaxis_title="loss", height=320,
                         margin={"l": 40, "r": 10, "t": 50, "b": 40},
                         legend={"orientation": "h", "y": -0.25})
    return figure
