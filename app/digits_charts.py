"""Pure plotly builders for the Digits page: arrays in, ``go.Figure`` out (no Streamlit here).

Digits are drawn as MNIST stores them: bright ink on a black field, pixels kept square.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models.results import EpochReport

SIZE = 28  # pixels per side of an MNIST digit; also the number of rows (time steps) read
DIGITS = list(range(10))
INK = [[0.0, "black"], [1.0, "white"]]
ACCENT = "#e4572e"  # the chosen / predicted class
PLAIN = "#8da0cb"
UNREAD = 0.18  # brightness of rows the network has not read yet in "watch it read"
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _unit(image: np.ndarray) -> np.ndarray:
    """uint8 0-255 or float 0-1 image -> float64 in [0, 1]."""
    array = np.asarray(image)
    return array.astype(np.float64) / (255.0 if array.dtype == np.uint8 else 1.0)


def _hide_axes(figure: go.Figure, **selector: Any) -> None:
    figure.update_xaxes(visible=False, **selector)
    figure.update_yaxes(visible=False, autorange="reversed", **selector)


def digit_grid(images: np.ndarray, captions: Sequence[str], columns: int = 10,
               title: str | None = None) -> go.Figure:
    """Digits [N, 28, 28] as a mosaic with a caption above each one (one heatmap, light to send)."""
    images = _unit(images)
    count = len(images)
    rows = max(1, -(-count // columns))
    gap, band = 4, 12  # pixels between tiles; caption band above each tile
    cell_w, cell_h = SIZE + gap, SIZE + band
    mosaic = np.full((rows * cell_h, columns * cell_w - gap), np.nan)  # NaN = page background
    annotations = []
    for index, (image, caption) in enumerate(zip(images, captions, strict=True)):
        row, column = divmod(index, columns)
        top, left = row * cell_h + band, column * cell_w
        mosaic[top:top + SIZE, left:left + SIZE] = image
        annotations.append({"x": left + SIZE / 2 - 0.5, "y": top - 2, "text": caption, "showarrow": False,
                            "yanchor": "bottom", "font": {"size": 12}})
    figure = go.Figure(go.Heatmap(z=mosaic, colorscale=INK, zmin=0, zmax=1, showscale=False,
                                  hoverinfo="skip"))
    _hide_axes(figure)
    figure.update_yaxes(scaleanchor="x")
    figure.update_layout(annotations=annotations, title=title, height=60 + rows * 95,
                         margin=_MARGIN, plot_bgcolor="rgba(0,0,0,0)")
    return figure


def rows_as_steps(image: np.ndarray, highlight: int = 14) -> go.Figure:
    """One digit, and the same numbers as the network receives them: row t is time step t.

    Left: the digit. Right: a [28 pixels x 28 steps] picture whose column t is row t of the digit.
    Row ``highlight`` (1-based) is framed in both so the eye can link them.
    """
    image = _unit(image)
    figure = make_subplots(rows=1, cols=2, column_widths=[0.36, 0.64], horizontal_spacing=0.1,
                           subplot_titles=("the digit: 28 rows of 28 pixels",
                                           "what the network reads: one row per time step"))
    steps = list(range(1, SIZE + 1))
    figure.add_trace(go.Heatmap(z=image, x=list(range(1, SIZE + 1)), y=steps, colorscale=INK, zmin=0,
                                zmax=1, showscale=False,
                                hovertemplate="row %{y}, pixel %{x}: %{z:.2f}<extra></extra>"), 1, 1)
    figure.add_trace(go.Heatmap(z=image.T, x=steps, y=list(range(1, SIZE + 1)), colorscale=INK, zmin=0,
                                zmax=1, showscale=False,
                                hovertemplate="step %{x}, pixel %{y}: %{z:.2f}<extra></extra>"), 1, 2)
    figure.add_shape(type="rect", x0=0.5, x1=SIZE + 0.5, y0=highlight - 0.5, y1=highlight + 0.5,
                     line={"color": ACCENT, "width": 2}, row=1, col=1)
    figure.add_shape(type="rect", x0=highlight - 0.5, x1=highlight + 0.5, y0=0.5, y1=SIZE + 0.5,
                     line={"color": ACCENT, "width": 2}, row=1, col=2)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=1, col=1)
    figure.update_yaxes(autorange="reversed", title_text="row", tickvals=[1, highlight, SIZE],
                        showgrid=False, zeroline=False, scaleanchor="x", row=1, col=1)
    figure.update_xaxes(title_text="time step (row read)", tickvals=[1, highlight, SIZE], showgrid=False,
                        zeroline=False, row=1, col=2)
    figure.update_yaxes(autorange="reversed", title_text="pixel in the row", showticklabels=False,
                        showgrid=False, zeroline=False, row=1, col=2)
    figure.update_layout(height=330, margin={"l": 40, "r": 10, "t": 40, "b": 40})
    return figure


def accuracy_curves(history: Sequence[EpochReport]) -> go.Figure:
    """Share of digits read correctly after each epoch: training digits and test digits."""
    epochs = [report.epoch for report in history]
    figure = go.Figure()
    for name, label in (("accuracy", "training digits"), ("val_accuracy", "test digits")):
        values = [report.metrics.get(name) for report in history]
        if any(value is not None for value in values):
            figure.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=label))
    whole_epochs = {"dtick": 1} if len(epochs) <= 20 else {"tickformat": "d"}  # no "epoch 1.5" ticks
    figure.update_layout(title="Accuracy per epoch", height=320, xaxis={"title": "epoch", **whole_epochs},
                         yaxis={"title": "read correctly", "tickformat": ".0%", "range": [0, 1]},
                         margin={"l": 40, "r": 10, "t": 50, "b": 40},
                         legend={"orientation": "h", "y": -0.25})
    return figure


def confusion_heatmap(confusion: Sequence[Sequence[int]]) -> go.Figure:
    """10x10 counts (row = true digit, column = answer), coloured by the share of each true digit."""
    counts = np.asarray(confusion, dtype=np.int64)  # [10, 10]
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    hover = [[f"true {true}, read as {said}: {counts[true, said]} of {totals[true, 0]} "
              f"({shares[true, said]:.0%})" for said in DIGITS] for true in DIGITS]
    figure = go.Figure(go.Heatmap(
        z=shares, x=DIGITS, y=DIGITS, text=counts, texttemplate="%{text}", colorscale="Blues", zmin=0,
        zmax=1, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorbar={"title": "share", "tickformat": ".0%"}))
    figure.update_xaxes(title_text="the network's answer", tickvals=DIGITS)
    figure.update_yaxes(title_text="true digit", tickvals=DIGITS, autorange="reversed", scaleanchor="x")
    figure.update_layout(title="Confusion matrix (test digits)", height=460,
                         margin={"l": 50, "r": 10, "t": 50, "b": 40})
    return figure


def per_class_bars(per_class_accuracy: Sequence[float | None]) -> go.Figure:
    """Accuracy of every digit class; a class without test digits shows no bar."""
    values = [None if value is None else float(value) for value in per_class_accuracy]
    figure = go.Figure(go.Bar(
        x=DIGITS, y=values, marker_color=PLAIN,
        text=["no test digits" if value is None else f"{value:.0%}" for value in values],
        textposition="outside", hovertemplate="digit %{x}: %{y:.1%} read correctly<extra></extra>"))
    figure.update_layout(title="Accuracy for each digit", height=460,
                         xaxis={"title": "true digit", "tickvals": DIGITS},
                         yaxis={"title": "read correctly", "tickformat": ".0%", "range": [0, 1.12]},
                         margin={"l": 50, "r": 10, "t": 50, "b": 40})
    return figure


def _bar_colors(probabilities: np.ndarray) -> list[str]:
    best = int(np.argmax(probabilities))
    return [ACCENT if digit == best else PLAIN for digit in DIGITS]


def probability_bars(probabilities: Sequence[float] | np.ndarray,
                     title: str = "How sure is it?") -> go.Figure:
    """Class probabilities [10] as bars, the most probable one highlighted."""
    values = np.asarray(probabilities, dtype=np.float64)
    figure = go.Figure(go.Bar(x=DIGITS, y=values, marker_color=_bar_colors(values),
                              text=[f"{value:.0%}" for value in values], textposition="outside",
                              hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"))
    figure.update_layout(title=title, height=300, xaxis={"title": "digit", "tickvals": DIGITS},
                         yaxis={"title": "probability", "tickformat": ".0%", "range": [0, 1.15]},
                         margin={"l": 50, "r": 10, "t": 50, "b": 40})
    return figure


def revealed(image: np.ndarray, rows_read: int) -> np.ndarray:
    """The image with the rows not yet read dimmed: float [28, 28] in [0, 1]."""
    shown = _unit(image).copy()
    shown[rows_read:] *= UNREAD
    return shown


def reading_figure(image: np.ndarray, steps: np.ndarray, start: int = SIZE) -> go.Figure:
    """"Watch it read": the rows read so far and the answer after them, with a slider and Play.

    ``steps`` [28, 10]: class probabilities after each row. One plotly frame per row, so the
    slider and the animation run in the browser without asking the server.
    """
    steps = np.asarray(steps, dtype=np.float64)
    figure = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.12,
                           subplot_titles=("rows read so far", "its answer after these rows"))

    def traces(rows_read: int) -> list[go.BaseTraceType]:
        # Plain lists, not NumPy arrays: plotly.js does not decode plotly.py's base64 arrays inside
        # animation frames, and the heatmap vanished while playing.
        probabilities = steps[rows_read - 1]
        return [
            go.Heatmap(z=revealed(image, rows_read).tolist(), colorscale=INK, zmin=0, zmax=1, showscale=False,
                       hoverinfo="skip"),
            go.Bar(x=DIGITS, y=probabilities.tolist(), marker_color=_bar_colors(probabilities),
                   text=[f"{value:.0%}" for value in probabilities], textposition="outside",
                   hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"),
        ]

    for trace, column in zip(traces(start), (1, 2), strict=True):
        figure.add_trace(trace, row=1, col=column)
    figure.frames = [go.Frame(name=str(rows_read), data=traces(rows_read), traces=[0, 1])
                     for rows_read in range(1, len(steps) + 1)]
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    slider_steps = [{"label": str(rows_read), "method": "animate", "args": [[str(rows_read)], jump]}
                    for rows_read in range(1, len(steps) + 1)]
    figure.update_layout(
        height=420, margin={"l": 30, "r": 10, "t": 40, "b": 10}, showlegend=False,
        sliders=[{"active": start - 1, "steps": slider_steps, "y": -0.02, "len": 0.85, "x": 0.15,
                  "currentvalue": {"prefix": "rows read: "}, "pad": {"t": 30}}],
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0.0, "y": -0.02, "xanchor": "left",
                      "yanchor": "top", "pad": {"t": 40},
                      "buttons": [{"label": "▶ Play", "method": "animate",
                                   "args": [None, {"frame": {"duration": 180, "redraw": True},
                                                   "transition": {"duration": 0}, "fromcurrent": False}]}]}],
    )
    figure.update_xaxes(visible=False, row=1, col=1)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", row=1, col=1)
    figure.update_xaxes(title_text="digit", tickvals=DIGITS, row=1, col=2)
    figure.update_yaxes(title_text="probability", tickformat=".0%", range=[0, 1.15], row=1, col=2)
    return figure


def mind_changes(steps: np.ndarray, keep_above: float = 0.1) -> go.Figure:
    """Probability of each digit after every row read: where the network changes its mind.

    Digits that never reach ``keep_above`` start hidden (click the legend to show them).
    """
    steps = np.asarray(steps, dtype=np.float64)  # [28, 10]
    final = int(np.argmax(steps[-1]))
    rows_read = list(range(1, len(steps) + 1))
    figure = go.Figure()
    for digit in DIGITS:
        relevant = digit == final or steps[:, digit].max() >= keep_above
        figure.add_trace(go.Scatter(
            x=rows_read, y=steps[:, digit], mode="lines", name=str(digit),
            visible=True if relevant else "legendonly",
            line={"width": 4 if digit == final else 1.5, "color": ACCENT if digit == final else None},
            hovertemplate=f"after row %{{x}}: {digit} at %{{y:.0%}}<extra></extra>"))
    figure.update_layout(title="Each digit's probability as the rows are read", height=320,
                         xaxis={"title": "rows read", "range": [1, len(steps)]},
                         yaxis={"title": "probability", "tickformat": ".0%", "range": [0, 1]},
                         legend={"title": "digit"}, margin={"l": 50, "r": 10, "t": 50, "b": 40})
    return figure
