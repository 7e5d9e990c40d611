"""The result of a finished forecasting run: verdict, chart, metrics table, notes and downloads.

Reads the run's predictions.csv only once per run (cached by run id); the model file is read only
when its download button is clicked. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from app import forecast_charts, runtime
from app.components import forecast_settings
from app.components.messages import escape_markdown, show_error
from app.glossary import score_help
from models.config import ForecastConfig
from models.engine.export import export_file_name, export_run
from models.engine.store import RunRecord
from models.forecast.predictions import PREDICTIONS_FILE, Predictions
from models.forecast.repro import script_file_name
from models.summaries import BacktestScores, ForecastMetrics, ForecastSummary, IntervalSummary
from models.vocabulary import NETWORK_KEY, baseline_name, cell_name, fit_phrase

MODEL = "model.keras"
# Metrics key -> row name, the strongest baselines first (the network's name depends on its cell).
MODEL_ROWS = {key: baseline_name(key) for key in ("ets", "theta", "arima", "persistence",
                                                   "seasonal_naive", "drift", "mean")}
METRIC_COLUMNS = {  # metrics key -> column title
    "test_rmse": "Test RMSE", "test_mae": "Test MAE", "test_mape": "Test MAPE %",
    "test_smape": "Test sMAPE %", "test_mase": "Test MASE", "train_rmse": "Train RMSE",
}


@st.cache_data(max_entries=16, show_spinner=False)
def predictions(run_id: str, owner: str) -> tuple[Predictions, bytes]:
    """The run's predictions and the stored (already spreadsheet-safe) CSV bytes."""
    data = runtime.store().read_artifact(run_id, PREDICTIONS_FILE, owner)
    return Predictions.from_csv(data), data


def metrics_table(metrics: ForecastMetrics, network: str) -> pd.DataFrame:
    """One row per model (the network first), the same test targets for all; None becomes NaN."""
    rows = {f"{network} (network)": metrics.network}
    rows.update({title: metrics.models[key] for key, title in MODEL_ROWS.items() if key in metrics.models})
    table = pd.DataFrame(
        {column: [np.nan if getattr(scores, key) is None else float(getattr(scores, key))
                  for scores in rows.values()]
         for key, column in METRIC_COLUMNS.items()},
        index=pd.Index(list(rows), name="Model"),
    )
    return table


# How the run's notes name each model that can be left out (models/forecast/baselines.py, statistical.py).
NOTE_WORDS = {"seasonal_naive": "seasonal naive", "ets": "ETS", "theta": "Theta", "arima": "ARIMA"}


def unscored_reasons(metrics: ForecastMetrics, notes: list[str]) -> dict[str, str]:
    """Model title -> why it has no score, from the run's notes (the sentence that left it out)."""
    reasons = {}
    for key, title in MODEL_ROWS.items():
        scores = metrics.models.get(key)
        if scores is not None and scores.test_rmse is not None:
            continue
        word = NOTE_WORDS.get(key, title)
        said = [note for note in notes if word in note and ("skipped" in note or "left out" in note)]
        reasons[title] = said[0] if said else "no score for this run"
    return reasons


BACKTEST_COLUMNS = {"rmse": "RMSE", "mae": "MAE", "mape": "MAPE %", "smape": "sMAPE %", "mase": "MASE"}


def backtest_table(backtest: BacktestScores, intervals: IntervalSummary, network: str) -> pd.DataFrame:
    """One row per model of the multi-step backtest (the network first), with the test coverage of
    its 80% and 95% intervals where it has them; None becomes NaN."""
    names = {NETWORK_KEY: f"{network} (network)", **MODEL_ROWS}
    keys = [key for key in names if key in backtest.metrics]
    columns = {title: [_number(getattr(backtest.metrics[key], score)) for key in keys]
               for score, title in BACKTEST_COLUMNS.items()}
    for level in ("80", "95"):
        columns[f"{level}% interval coverage"] = [_number(intervals.coverage(key, level)) for key in keys]
    return pd.DataFrame(columns, index=pd.Index([names[key] for key in keys], name="Model"))


def score_format(column: pd.Series, fixed: str = "%.2f") -> str:
    """``fixed``, or three significant digits when every score of the column is below 0.01: a series
    measured in thousandths would otherwise show 0.00 for every model, as if all were perfect."""
    sizes = np.abs(column.to_numpy(dtype=float))
    sizes = sizes[np.isfinite(sizes)]
    return "%.3g" if sizes.size and 0 < sizes.max() < 0.01 else fixed


def _number(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _extrapolation_note(intervals: IntervalSummary | None) -> str:
    """A sentence when the forecast's bands reach past the horizon they were calibrated on."""
    bands = None if intervals is None else intervals.bands.get(NETWORK_KEY)
    if bands is None:
        return ""
    horizon, steps = bands.calibrated_horizon, bands.extrapolated
    if not horizon or not any(steps):
        return ""
    return (f" The intervals are calibrated for {horizon} steps ahead; the {sum(steps)} steps after "
            "that are extrapolated (widened as a random walk's spread grows), so trust them less.")


def _multi_step(summary: ForecastSummary, network: str, key: str) -> None:
    """The backtest over the horizon: scores, interval coverage and error by step ahead."""
    if not summary.backtest:
        return
    backtest, intervals = summary.backtest, summary.intervals or IntervalSummary()
    origins = len(backtest.origins)
    st.subheader(f"Scores over {summary.horizon} steps ahead", anchor=False)
    table = backtest_table(backtest, intervals, network)
    st.dataframe(
        table, key=f"{key}-backtest",
        column_config={column: st.column_config.NumberColumn(format=score_format(table[column]),
                                                             help=score_help(column))
                       for column in (*BACKTEST_COLUMNS.values(), "80% interval coverage",
                                      "95% interval coverage")})
    points = f"{origins} point{'s' if origins > 1 else ''}"
    st.caption(f"Each model forecast {summary.horizon} steps from {points} of the test part, without "
               "seeing any value after that point, all fitted on the training part only; the scores are "
               "averaged over those forecasts. The verdict above uses this score. Coverage: the share of "
               "those actual values inside each model's interval (an 80% interval should hold about 0.80).")
    names = {NETWORK_KEY: network, **MODEL_ROWS}
    st.plotly_chart(forecast_charts.horizon_figure(backtest.by_step, names), key=f"{key}-by-step")


def _downloads(record: RunRecord, config: ForecastConfig, owner: str, csv_bytes: bytes, key: str) -> None:
    stem = script_file_name(record.data_name).removeprefix("reproduce_").removesuffix(".py")
    columns = st.columns(4)
    columns[0].download_button(
        "Predictions (CSV)", csv_bytes, file_name=f"{stem}-predictions.csv", mime="text/csv",
        on_click="ignore", icon=":material/table:", key=f"{key}-csv",
        help="Time, actual value, part (train/test/forecast) and every model's prediction, in the "
             "original units. Cells that a spreadsheet could run as a formula are neutralised.")
    if MODEL in record.artifacts:
        columns[1].download_button(
            "Trained model (.keras)", lambda: runtime.store().read_artifact(record.id, MODEL, owner),
            file_name=f"{stem}-model.keras", mime="application/octet-stream", on_click="ignore",
            icon=":material/neurology:", key=f"{key}-model",
            help="The trained network; load it with keras.models.load_model. It expects scaled, "
                 "transformed windows (see the script).")
    columns[2].download_button(
        "Settings (JSON)", json.dumps(config.to_dict(), indent=2, sort_keys=True),
        file_name=f"{stem}-config.json",
        mime="application/json", on_click="ignore", icon=":material/data_object:", key=f"{key}-config",
        help="Every setting of this run; `python -m models forecast` accepts the same values.")
    columns[3].download_button(
        "Run with script (.zip)", lambda: export_run(runtime.store(), record.id, owner),
        file_name=export_file_name(record), mime="application/zip", on_click="ignore",
        icon=":material/code:", key=f"{key}-script",
        help="Everything about this run, as on the Runs page: settings, scores, the series it trained on "
             "(series.csv) and a Python script that repeats the run with plain Keras and prints every "
             "model's test RMSE. Unpack it and run the script with no arguments.")


def show(record: RunRecord, owner: str, key: str = "forecast-result") -> None:
    """Draw a succeeded forecasting run."""
    config = record.config
    if not isinstance(config, ForecastConfig):  # a forecast run's stored settings always read as one
        show_error("This run's settings cannot be read, so its result cannot be shown.")
        return
    # The store types a run's results by its kind: a forecast run's (None until it succeeded).
    summary = record.summary if isinstance(record.summary, ForecastSummary) else ForecastSummary()
    metrics = record.metrics if isinstance(record.metrics, ForecastMetrics) else ForecastMetrics({})
    # The cell the run's network had (a pretrained one is an LSTM whatever the settings say).
    network = cell_name(summary.cell if isinstance(record.summary, ForecastSummary) else config.cell)
    verdict = escape_markdown(summary.verdict)
    if summary.verdict_kind == "better":
        st.success(verdict, icon=":material/check_circle:")
    elif summary.verdict_kind == "tie":  # both forecast almost exactly: neither won, nothing to warn about
        st.info(verdict, icon=":material/balance:")
    else:
        st.warning(verdict, icon=":material/info:")
    if not record.mine:
        st.info("Another user shared this run with you.", icon=":material/share:")
    season = summary.season_length
    st.caption(escape_markdown(
        f"{summary.name or record.data_name}, column {summary.target}: "
        f"{summary.n_points} points, trained on the first {summary.n_train} and tested on the "
        f"last {summary.n_test}; season {f'{season} steps' if season else 'none'}; "
        f"network: {fit_phrase(summary.mode, record.epochs_done, record.fit_seconds or 0)}."
        + (f" Trained with the Home demo's short settings ({config.ensemble} network"
           f"{'s' if config.ensemble > 1 else ''}, {config.epochs} epochs), not the ones above."
           if config.preset == "demo" else "")))
    run_predictions, csv_bytes = predictions(record.id, owner)
    st.plotly_chart(forecast_charts.forecast_figure(run_predictions, summary.target or "value", network,
                                                    summary.best_baseline), key=f"{key}-chart")
    st.caption("Click a legend entry to hide or show a line; drag to zoom, double-click to zoom out."
               + _extrapolation_note(summary.intervals))
    st.subheader("Scores on the test part, one step ahead", anchor=False)
    table = metrics_table(metrics, network)
    st.dataframe(
        table, key=f"{key}-metrics",
        column_config={column: st.column_config.NumberColumn(
                           format=score_format(table[column], "%.3f" if "MASE" in column else "%.2f"),
                           help=score_help(column))
                       for column in METRIC_COLUMNS.values()})
    st.caption("Every model is scored on the same test points, one step ahead (with the actual value "
               "before each point known), in the units of the data; lower is better. MAPE and sMAPE are "
               "percentages; a MASE below 1 beats the naive forecast on the training part."
               + (f" One step ahead: {escape_markdown(summary.one_step.verdict)}"
                  if summary.one_step.verdict else ""))
    for title, reason in unscored_reasons(metrics, summary.notes).items():  # rows left empty, and why
        st.caption(escape_markdown(f"{title}: no score. {reason}"))
    _multi_step(summary, network, key)
    with st.expander("What was done to the data and the scores"):
        for note in summary.notes:
            st.text(f"• {note}")
    _downloads(record, config, owner, csv_bytes, key)
    st.button("Use these settings", on_click=forecast_settings.apply, args=(config.to_dict(),),
              icon=":material/settings_backup_restore:", key=f"{key}-reuse",
              help="Copy this run's settings into the settings above, to change one and train again.")
