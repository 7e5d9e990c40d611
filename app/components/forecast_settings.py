"""Settings of a forecasting run: the three that matter most in view, the rest under "More settings".

Values live in a plain dict under ``SETTINGS_KEY`` (a non-widget session key), so they survive a page
switch; presets and "Use these settings" (from a finished run) replace that dict. ``show()`` draws the
controls, validates them against the data and returns a ForecastConfig, or None after showing one
plain sentence about what to change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from app.components.data_input import DataChoice
from app.components.messages import show_error
from app.components.sticky import forget_widgets, remembered, sticky
from models.config import CELLS, FORECAST_PRESETS, OPTIMIZERS, TRANSFORMS, ForecastConfig
from models.engine.workload import RunPlan, plan_run
from models.errors import LabError
from models.vocabulary import cell_name

SETTINGS_KEY = "forecast_settings"
WIDGET_PREFIX = "forecast-setting-"
FIELDS = ("look_back", "units", "epochs", "cell", "layers", "dropout", "batch_size", "learning_rate",
          "optimizer", "test_percent", "transform", "headroom", "season_length", "forecast_steps", "seed")
LEARNING_RATES = (0.0001, 0.0003, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
TRANSFORM_NAMES = {
    "none": "none (values as they are)",
    "log": "log (evens out swings)",
    "diff": "diff (step-to-step change)",
    "log_diff": "log_diff (relative change)",
}


def store_values(config: ForecastConfig) -> dict[str, Any]:
    """The settings dict of a configuration (the test part as a whole percentage)."""
    values = {field: getattr(config, field) for field in FIELDS if field != "test_percent"}
    values["test_percent"] = int(round(config.test_fraction * 100))
    return values


def apply(config: ForecastConfig | dict[str, Any]) -> None:
    """Replace the settings (presets, reset, or a finished run's configuration); widgets follow."""
    if isinstance(config, dict):  # a stored run's settings: keep the ones this version knows
        known = {item.name for item in dataclasses.fields(ForecastConfig)} - {"time_column", "target_column"}
        config = ForecastConfig.from_dict({key: value for key, value in config.items() if key in known})
    st.session_state[SETTINGS_KEY] = store_values(config)
    forget_widgets(*(WIDGET_PREFIX + field for field in FIELDS))


def build_config(settings: dict[str, Any], choice: DataChoice) -> ForecastConfig:
    """A validated ForecastConfig from the settings and the chosen columns (ConfigError if invalid)."""
    values = {field: settings[field] for field in FIELDS if field != "test_percent"}
    values["test_fraction"] = settings["test_percent"] / 100
    config = ForecastConfig(**values, time_column=choice.time_column, target_column=choice.target_column)
    for name, preset in FORECAST_PRESETS.items():
        if store_values(preset) == store_values(config):
            return config.replace(preset=name)
    return config


def check(config: ForecastConfig, choice: DataChoice) -> RunPlan:
    """Raise a LabError (one plain sentence) if the run cannot work on this series; else its plan
    (the same decision the job engine makes on submit)."""
    return plan_run(config, choice.series.values)


def _main_controls(settings: dict[str, Any], season: int | None) -> None:
    look_back_hint = f" One season ({season} steps) is a good start." if season else ""
    columns = st.columns(3)
    with columns[0]:
        sticky(settings, "look_back", WIDGET_PREFIX + "look_back", st.number_input, "Look-back",
               min_value=1, max_value=365, step=1,
               help="How many past values the network sees to predict the next one." + look_back_hint)
    with columns[1]:
        sticky(settings, "units", WIDGET_PREFIX + "units", st.number_input, "Units", min_value=1,
               max_value=512, step=1,
               help="The size of the network's memory. More units can learn more complex patterns, "
                    "but train slower and can memorise the training part.")
    with columns[2]:
        sticky(settings, "epochs", WIDGET_PREFIX + "epochs", st.number_input, "Epochs", min_value=1,
               max_value=2000, step=1,
               help="How many times the network goes through the whole training part. More epochs "
                    "take longer; too many can over-fit.")


def _more_controls(settings: dict[str, Any], season: int | None) -> None:
    rates = sorted({*LEARNING_RATES, float(settings["learning_rate"])})
    # One row of four columns, each holding three settings: the same grid as three rows of four, with
    # a third of the layout elements (each costs the page a message on every rerun).
    columns = st.columns(4)
    with columns[0]:
        sticky(settings, "cell", WIDGET_PREFIX + "cell", st.selectbox, "Cell type", options=list(CELLS),
               format_func=cell_name,
               help="The recurrent building block. LSTM (the seed article's) and GRU remember longer "
                    "patterns; a simple RNN is the plainest and fastest.")
    with columns[1]:
        sticky(settings, "layers", WIDGET_PREFIX + "layers", st.number_input, "Layers", min_value=1,
               max_value=4, step=1,
               help="Recurrent layers stacked on each other. One is usually enough for a single series.")
    with columns[2]:
        sticky(settings, "dropout", WIDGET_PREFIX + "dropout", st.slider, "Dropout", min_value=0.0,
               max_value=0.9, step=0.05,
               help="Share of the signals switched off at random while training, to stop the network "
                    "memorising. 0 switches nothing off.")
    with columns[3]:
        sticky(settings, "batch_size", WIDGET_PREFIX + "batch_size", st.number_input, "Batch size",
               min_value=1, max_value=4096, step=1,
               help="How many windows the network looks at before each adjustment of its weights. "
                    "Small batches learn in more, noisier steps (the seed article used 1).")
    with columns[0]:
        sticky(settings, "learning_rate", WIDGET_PREFIX + "learning_rate", st.select_slider, "Learning rate",
               options=rates,
               help="How big each adjustment of the weights is. Too big and training jumps around; "
                    "too small and it learns slowly.")
    with columns[1]:
        sticky(settings, "optimizer", WIDGET_PREFIX + "optimizer", st.selectbox, "Optimizer",
               options=list(OPTIMIZERS), help="The rule that adjusts the weights. Adam is a safe choice.")
    with columns[2]:
        sticky(settings, "test_percent", WIDGET_PREFIX + "test_percent", st.slider, "Test part (%)",
               min_value=5, max_value=80, step=1,
               help="The share of the series, at its end, kept hidden from training and used to score "
                    "the network and the baselines.")
    with columns[3]:
        sticky(settings, "transform", WIDGET_PREFIX + "transform", st.selectbox, "Transform",
               options=list(TRANSFORMS), format_func=TRANSFORM_NAMES.get,
               help="How the values are changed before the network sees them (and changed back after). "
                    "Differences remove a trend, the log evens out swings that grow with the level.")
    with columns[0]:
        sticky(settings, "season_length", WIDGET_PREFIX + "season_length", st.number_input, "Season length",
               min_value=1, max_value=1000, step=1, value=None,
               placeholder=f"detected: {season}" if season else "none detected",
               help="Steps in one season (12 for monthly data with a yearly pattern). Used by the seasonal "
                    "naive baseline and MASE. Leave empty to use the detected one.")
    with columns[1]:
        sticky(settings, "forecast_steps", WIDGET_PREFIX + "forecast_steps", st.number_input,
               "Forecast steps", min_value=0, max_value=1000, step=1,
               help="How many steps past the end of the data to forecast, each one built on the "
                    "network's previous forecasts.")
    with columns[2]:
        sticky(settings, "seed", WIDGET_PREFIX + "seed", st.number_input, "Seed", min_value=0,
               max_value=2**31 - 1, step=1,
               help="Starting point of the randomness. The same seed and settings give the same result.")
    with columns[3]:
        sticky(settings, "headroom", WIDGET_PREFIX + "headroom", st.number_input, "Scale headroom",
               min_value=1.0, max_value=10.0, step=0.5,
               help="The scaler is fitted on the training part only. With headroom 2 the training values "
                    "fill half of the scaled range, leaving room for a series that keeps growing.")


def show(choice: DataChoice | None) -> ForecastConfig | None:
    """Draw the settings; return a valid configuration for ``choice`` or None (a message was shown)."""
    settings = remembered(SETTINGS_KEY, store_values(ForecastConfig()))
    season = choice.series.season_length if choice else None
    presets = st.container(horizontal=True)
    presets.button("Seed article settings", on_click=apply, args=(FORECAST_PRESETS["seed"],),
                   icon=":material/article:", key="forecast-preset-seed",
                   help="The seed article's program: look-back 1, 4 LSTM units, 100 epochs, batch size 1, "
                        "no transform. Slower and usually worse than the defaults: a useful comparison.")
    presets.button("Reset to defaults", on_click=apply, args=(ForecastConfig(),),
                   icon=":material/restart_alt:", key="forecast-preset-reset",
                   help="Settings that beat the seasonal naive baseline on the airline data in a few "
                        "seconds.")
    _main_controls(settings, season)
    with st.expander("More settings"):
        _more_controls(settings, season)
    if choice is None:
        return None
    try:
        config = build_config(settings, choice)
        plan = check(config, choice)
    except LabError as error:
        show_error(error, icon=":material/tune:")
        return None
    st.caption(f"The network trains on the first {plan.split.n_train} points ({plan.training_units} windows) "
               f"and is scored, with the baselines, on the last {plan.split.n_test}.")
    return config
