"""Plotly figures of the Learn page: data in, ``go.Figure`` out (no Streamlit, no Keras)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from models.vocabulary import cell_name

CELL_COLOURS = {"rnn": "#d62728", "gru": "#2ca02c", "lstm": "#1f77b4"}
# Lines of cells that score the same lie on top of each other: different dashes and markers keep both visible.
CELL_STYLES = {"rnn": ("solid", "circle"), "gru": ("dash", "diamond"), "lstm": ("solid", "square")}

# What each heatmap shows, in one sentence (the seed article's conveyor belt).
GATE_SENTENCES = {
    "input": "Input gate: how much of each new step is written onto the conveyor belt (1 = write it all).",
    "forget": "Forget gate: how much of the belt is kept from one step to the next (1 = keep everything).",
    "output": "Output gate: how much of the belt the cell shows to the rest of the network at this step.",
    "cell": "Cell state: the conveyor belt itself — what the cell carries along from step to step.",
    "hidden": "Hidden state: what the cell passes on at each step (its output).",
}


def memory_accuracy(accuracy: Mapping[str, Mapping[str, float | None]], chance: float,
                    title: str = "Accuracy against distance") -> go.Figure:
    """Test accuracy against sequence length, one line per cell, with chance and the perfect rule.

    ``accuracy``: {cell: {length (str or int): accuracy or None}}.
    """
    figure = go.Figure()
    lengths: set[int] = set()
    for cell, by_length in accuracy.items():
        points = sorted((int(length), value) for length, value in by_length.items() if value is not None)
        lengths.update(length for length, _ in points)
        figure.add_trace(go.Scatter(
            x=[length for length, _ in points], y=[value * 100 for _, value in points], mode="lines+markers",
            name=cell_name(cell),
            line={"color": CELL_COLOURS.get(cell), "width": 3, "dash": CELL_STYLES.get(cell, ("solid",))[0]},
            marker={"size": 10, "symbol": CELL_STYLES.get(cell, ("", "circle"))[1]}))
    span = [min(lengths, default=1), max(lengths, default=2)]
    figure.add_trace(go.Scatter(x=span, y=[100, 100], mode="lines", name="perfect rule",
                                line={"dash": "dot", "color": "grey"}))
    figure.add_trace(go.Scatter(x=span, y=[chance * 100] * 2, mode="lines", name="guessing",
                                line={"dash": "dash", "color": "black"}))
    figure.update_layout(title=title, xaxis_title="steps between the symbol and the answer (N)",
                         yaxis_title="test accuracy (%)", yaxis_range=[0, 105], height=380,
                         margin={"l": 40, "r": 10, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.25})
    return figure


def gate_heatmap(values: np.ndarray, name: str, step_labels: Sequence[str] | None = None) -> go.Figure:
    """One gate or state of one layer over one input: ``values`` [T, U], units down, time steps across.

    Gates (0..1) share one colour scale; states (cell, hidden) are centred on zero.
    """
    values = np.asarray(values, dtype=float)  # [T, U]
    steps = [str(step) for step in range(1, len(values) + 1)] if step_labels is None else list(step_labels)
    is_state = name in ("cell", "hidden")
    limit = max(float(np.abs(values).max()), 1e-9) if is_state and values.size else 1.0
    figure = go.Figure(go.Heatmap(
        z=values.T, x=steps, y=[f"unit {unit + 1}" for unit in range(values.shape[1])],
        zmin=-limit if is_state else 0.0, zmax=limit if is_state else 1.0,
        colorscale="RdBu" if is_state else "Viridis", colorbar={"thickness": 12},
        hovertemplate="step %{x}<br>%{y}<br>value %{z:.2f}<extra></extra>"))
    figure.update_layout(title=_title(name), xaxis_title="time step", xaxis_type="category",
                         height=min(520, 140 + 14 * values.shape[1]),
                         margin={"l": 60, "r": 10, "t": 40, "b": 40})
    return figure


def _title(name: str) -> str:
    return {"cell": "cell state (the conveyor belt)", "hidden": "hidden state"}.get(name, f"{name} gate")
