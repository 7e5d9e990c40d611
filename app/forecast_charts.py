"""Pure plotly builders of the Forecast page: data in, ``go.Figure`` out (no Streamlit).

User-supplied names (columns, files) are HTML-escaped before they reach a figure: plotly renders a
small subset of HTML in titles and legends, and a column may be called ``<b>Month</b>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from models.forecast.predictions import Predictions
from models.vocabulary import NETWORK_KEY, baseline_name

ACTUAL_COLOR = "#3b3b3b"
TRAIN_COLOR = "#1f77b4"
TEST_COLOR = "#d62728"
BASELINES = {  # metrics key -> legend name, colour, shown at first (the naive ones one click away;
    # the verdict's best baseline is always shown, see forecast_figure)
    key: (baseline_name(key), color, shown) for key, color, shown in (
        ("ets", "#17becf", True), ("theta", "#e377c2", True), ("arima", "#8c564b", True),
        ("persistence", "#8c8c8c", False), ("seasonal_naive", "#2ca02c", False),
        ("drift", "#9467bd", False), ("mean", "#bcbd22", False))
}
BAND_OPACITY = {"95": 0.12, "80": 0.22}
HEIGHT = 460
MAX_POINTS = 5000  # per figure: more points make the page slow to send and draw, and add nothing visible
MARGIN = {"l": 50, "r": 20, "t": 60, "b": 40}

# Label style -> how the unified hover shows the time (the same way the labels are written).
_DATE_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}$"), "%Y-%m"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"), "%Y-%m-%d %H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "%Y-%m-%d %H:%M:%S"),
)
_INTEGER = re.compile(r"^-?\d+$")


def safe_text(text: object) -> str:
    """A user-supplied string made inert for plotly's HTML-like text rendering."""
    return html.escape(str(text), quote=False)


def axis_kind(labels: Sequence[str]) -> tuple[str, str | None]:
    """Plotly axis type for time labels ("date", "linear" or "category") and the date hover format.

    Every label must fit one date style for a date axis; whole numbers (years, positions) make a
    numeric axis; anything else ("1970 Q1", "+1") is shown as ordered categories.
    """
    labels = [str(label) for label in labels]
    for pattern, hover_format in _DATE_FORMATS:
        if labels and all(pattern.match(label) for label in labels):
            return "date", hover_format
    if labels and all(_INTEGER.match(label) for label in labels):
        return "linear", None
    return "category", None


def _x_values(labels: Sequence[str], kind: str) -> list[int] | list[str]:
    return [int(label) for label in labels] if kind == "linear" else [str(label) for label in labels]


def _layout(figure: go.Figure, title: str, y_title: str, kind: str, hover_format: str | None) -> None:
    figure.update_layout(
        title=title, height=HEIGHT, margin=MARGIN, hovermode="x unified",
        legend={"orientation": "h", "y": -0.14, "x": 0},
        yaxis_title=y_title,
    )
    figure.update_xaxes(type=kind, hoverformat=hover_format)
    if kind == "category":
        figure.update_xaxes(nticks=12)


def thinned(n_points: int, keep: np.ndarray | None = None, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most about ``limit`` evenly spaced points (all when fewer), plus ``keep``."""
    if n_points <= limit:
        return np.arange(n_points)
    chosen = np.linspace(0, n_points - 1, limit).round().astype(np.int64)
    if keep is not None:
        chosen = np.union1d(chosen, np.asarray(keep, dtype=np.int64))
    return np.unique(chosen)


def _thinning_note(shown: int, total: int) -> str:
    return "" if shown >= total else f" ({shown:,} of {total:,} points shown)"


def series_figure(time_labels: Sequence[str], values: np.ndarray, target: str, name: str) -> go.Figure:
    """The uploaded series as one line, hover showing each time label and value (long series thinned)."""
    rows = thinned(len(time_labels))
    labels = [str(time_labels[row]) for row in rows]
    kind, hover_format = axis_kind(labels)
    figure = go.Figure(go.Scatter(
        x=_x_values(labels, kind), y=np.asarray(values, dtype=np.float64)[rows], mode="lines",
        name=safe_text(target), line={"color": ACTUAL_COLOR, "width": 2},
        hovertemplate="%{y:,.6~g}<extra></extra>",
    ))
    title = f"{safe_text(name)}: {safe_text(target)}{_thinning_note(len(rows), len(time_labels))}"
    _layout(figure, title, safe_text(target), kind, hover_format)
    figure.update_layout(height=340, showlegend=False)
    return figure


def forecast_figure(predictions: Predictions, target: str, model_name: str = "LSTM",
                    best_baseline: str | None = None) -> go.Figure:
    """Actual series, network on the training and test parts, baselines, and the forecast past the end.

    ``predictions``: the run's (NaN where a model has none). Each line can be toggled in the legend;
    the test part and the forecast are shaded. A long series is thinned evenly (keeping the first test
    point and the whole forecast).
    """
    total = len(predictions)
    first_test = np.flatnonzero(predictions.is_part("test"))[:1]
    rows = thinned(total, np.r_[first_test, np.flatnonzero(predictions.is_part("forecast"))])
    predictions = predictions.rows(rows)
    labels = predictions.time
    kind, hover_format = axis_kind(labels)
    x = np.array(_x_values(labels, kind), dtype=object)
    actual, network = predictions.actual, predictions.network
    is_train, is_test = predictions.is_part("train"), predictions.is_part("test")
    is_future = predictions.is_part("forecast")
    value_hover = "%{y:,.6~g}"
    figure = go.Figure()

    known = ~is_future
    figure.add_trace(go.Scatter(x=x[known], y=actual[known], mode="lines", name=f"actual {safe_text(target)}",
                                line={"color": ACTUAL_COLOR, "width": 2.5}, hovertemplate=value_hover))
    figure.add_trace(go.Scatter(x=x[is_train], y=network[is_train], mode="lines",
                                name=f"{model_name} on the training part", line={"color": TRAIN_COLOR},
                                hovertemplate=value_hover))
    figure.add_trace(go.Scatter(x=x[is_test], y=network[is_test], mode="lines",
                                name=f"{model_name} on the test part",
                                line={"color": TEST_COLOR, "width": 2.5},
                                hovertemplate=value_hover))
    if is_future.any() and known.any():
        # Start the forecast line at the last actual value so it visibly continues the series.
        last = int(np.flatnonzero(known)[-1])
        future_x = np.r_[x[last:last + 1], x[is_future]]
        future_y = np.r_[actual[last], network[is_future]]
        figure.add_trace(go.Scatter(x=future_x, y=future_y, mode="lines+markers",
                                    name=f"{model_name} forecast", marker={"size": 5},
                                    line={"color": TEST_COLOR, "dash": "dash", "width": 2.5},
                                    hovertemplate=value_hover))
        _add_bands(figure, predictions, x, is_future, model_name)
    scored = is_test | is_future
    for key, (legend, color, shown) in BASELINES.items():
        values = predictions.models.get(key)
        if values is None or not np.isfinite(values[scored]).any():
            continue  # skipped baseline (e.g. no season known)
        figure.add_trace(go.Scatter(x=x[scored], y=values[scored], mode="lines", name=legend,
                                    line={"color": color, "dash": "dot", "width": 1.5},
                                    visible=True if shown or key == best_baseline else "legendonly",
                                    hovertemplate=value_hover))

    _mark_parts(figure, x, is_test, is_future)
    title = (f"{safe_text(target)}: actual values, {model_name} predictions and baselines"
             f"{_thinning_note(len(rows), total)}")
    _layout(figure, title, safe_text(target), kind, hover_format)
    return figure


def _add_bands(figure: go.Figure, predictions: Predictions, x: np.ndarray, is_future: np.ndarray,
               model_name: str) -> None:
    """The network's 80% and 95% prediction intervals past the end, as shaded bands."""
    for level, opacity in BAND_OPACITY.items():
        band = predictions.band(NETWORK_KEY, str(level))
        if band is None:
            continue
        low, high = band[0][is_future], band[1][is_future]
        figure.add_trace(go.Scatter(
            x=np.r_[x[is_future], x[is_future][::-1]], y=np.r_[high, low[::-1]], fill="toself",
            fillcolor=f"rgba(214, 39, 40, {opacity})", line={"width": 0}, hoverinfo="skip",
            name=f"{model_name} {level}% interval"))


def horizon_figure(by_step: dict[str, list[float | None]], names: dict[str, str]) -> go.Figure:
    """RMSE by step ahead for every model of the backtest (error grows with the horizon)."""
    figure = go.Figure()
    for key, errors in by_step.items():
        steps = np.arange(1, len(errors) + 1)
        values = np.array([np.nan if error is None else error for error in errors], dtype=np.float64)
        legend, color, shown = BASELINES.get(key, (names.get(key, key), TEST_COLOR, True))
        line = {"color": TEST_COLOR, "width": 3} if key == NETWORK_KEY else {"color": color, "width": 1.5}
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", line=line,
                                    name=safe_text(names.get(key, legend)),
                                    visible=True if shown else "legendonly"))
    figure.update_layout(height=320, margin=MARGIN, title="Error by step ahead (backtest RMSE)",
                         xaxis_title="steps ahead", yaxis_title="RMSE", legend={"orientation": "h"})
    return figure


def _mark_parts(figure: go.Figure, x: np.ndarray, is_test: np.ndarray, is_future: np.ndarray) -> None:
    """Shade the test part and the forecast; a line at the train/test boundary."""
    if is_test.any():
        first, last = x[is_test][0], x[is_test][-1]
        figure.add_vrect(x0=first, x1=last, fillcolor=TEST_COLOR, opacity=0.07, line_width=0, layer="below",
                         annotation_text="test part", annotation_position="top left")
        figure.add_vline(x=first, line={"color": TEST_COLOR, "width": 1, "dash": "dot"})
    if is_future.any():
        figure.add_vrect(x0=x[is_future][0], x1=x[is_future][-1], fillcolor="#ff7f0e", opacity=0.08,
                         line_width=0, layer="below", annotation_text="forecast",
                         annotation_position="top left")
