"""Settings of a forecasting run: the three that matter most in view, the rest under "More settings".

Values live in a plain dict under ``SETTINGS_KEY`` (a non-widget session key), so they survive a page
switch; presets and "Use these settings" (from a finished run) replace that dict. ``show()`` draws the
controls, validates them against the data and returns a ForecastConfig, or None after showing one
plain sentence about what to change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import streamlit as st

from app.components.data_input import DataChoice
from app.components.knob_widgets import widget_options
from app.components.messages import show_error
from app.components.sticky import forget_widgets, remembered, sticky
from models.config import FORECAST_PRESETS, ForecastConfig
from models.engine.workload import RunPlan, plan_run
from models.errors import LabError
from models.knobs import FORECAST_KNOBS
from models.vocabulary import cell_name

SETTINGS_KEY = "forecast_settings"
WIDGET_PREFIX = "forecast-setting-"
FIELDS = ("mode", "look_back", "units", "epochs", "cell", "layers", "dropout", "batch_size", "learning_rate",
          "optimizer", "test_percent", "transform", "headroom", "season_length", "forecast_steps", "seed",
          "horizon", "ensemble", "strategy")
TRANSFORM_NAMES = {
    "none": "none (values as they are)",
    "log": "log (evens out swings)",
    "diff": "diff (step-to-step change)",
    "log_diff": "log_diff (relative change)",
    "season_diff": "season_diff (change from a season earlier)",
    "log_season_diff": "log_season_diff (relative change from a season earlier)",
    "auto": "auto (chosen from the data)",
}
MODE_NAMES = {
    "auto": "Auto",
    "local": "Trained on this series",
    "pretrained": "Pretrained on many series",
    "fine-tuned": "Pretrained, then fine-tuned on this series",
}
STRATEGY_NAMES = {
    "recursive": "recursive (one step at a time)",
    "direct": "direct (the whole horizon at once)",
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
    return plan_run(config, choice.series.values, choice.series.season_length)


def _knob(settings: dict[str, Any], name: str, widget: Callable[..., Any], *, help_extra: str = "",
          **extra: Any) -> None:
    """One setting's widget: label, range, step and help from models.knobs (``extra`` adds or overrides)."""
    knob = FORECAST_KNOBS[name]
    sticky(settings, name, WIDGET_PREFIX + name, widget,
           **widget_options(knob, help=knob.help + help_extra, **extra))


def _main_controls(settings: dict[str, Any], season: int | None) -> None:
    _knob(settings, "mode", st.segmented_control, format_func=MODE_NAMES.get, required=True)
    if settings["mode"] in ("pretrained", "fine-tuned"):
        st.caption("The pretrained network has its own shape (one LSTM of 128 units that reads up to 12, "
                   "16 or 36 past values, by the series' season): the network settings below apply only "
                   "to a network trained on this series.")
    look_back_hint = f" One season ({season} steps) is a good start." if season else ""
    columns = st.columns(3)
    with columns[0]:
        _knob(settings, "look_back", st.number_input, help_extra=look_back_hint)
    with columns[1]:
        _knob(settings, "units", st.number_input)
    with columns[2]:
        _knob(settings, "epochs", st.number_input)


def _more_controls(settings: dict[str, Any], season: int | None) -> None:
    rates = sorted({*FORECAST_KNOBS["learning_rate"].suggestions, float(settings["learning_rate"])})
    test_part = FORECAST_KNOBS["test_fraction"]
    # models.knobs declares the test part's range (0.05 to 0.8): neither end is None.
    assert test_part.low is not None and test_part.high is not None
    # One row of four columns, each holding three settings: the same grid as three rows of four, with
    # a third of the layout elements (each costs the page a message on every rerun).
    columns = st.columns(4)
    with columns[0]:
        _knob(settings, "cell", st.selectbox, format_func=cell_name)
    with columns[1]:
        _knob(settings, "layers", st.number_input)
    with columns[2]:
        _knob(settings, "dropout", st.slider)
    with columns[3]:
        _knob(settings, "batch_size", st.number_input)
    with columns[0]:
        _knob(settings, "learning_rate", st.select_slider, options=rates)
    with columns[1]:
        _knob(settings, "optimizer", st.selectbox)
    with columns[2]:  # shown in percent: the page's settings keep "test_percent"
        sticky(settings, "test_percent", WIDGET_PREFIX + "test_percent", st.slider, "Test part (%)",
               min_value=round(test_part.low * 100), max_value=round(test_part.high * 100), step=1,
               help=test_part.help)
    with columns[3]:
        _knob(settings, "transform", st.selectbox, format_func=TRANSFORM_NAMES.get)
    with columns[0]:
        _knob(settings, "season_length", st.number_input, value=None,
              placeholder=f"detected: {season}" if season else "none detected")
    with columns[1]:
        _knob(settings, "forecast_steps", st.number_input)
    with columns[2]:
        _knob(settings, "seed", st.number_input)
    with columns[3]:
        _knob(settings, "headroom", st.number_input)
    with columns[0]:
        _knob(settings, "horizon", st.number_input, value=None,
              placeholder=f"one season: {season}" if season else "10 steps")
    with columns[1]:
        _knob(settings, "ensemble", st.number_input)
    with columns[2]:
        _knob(settings, "strategy", st.selectbox, format_func=STRATEGY_NAMES.get)


def show(choice: DataChoice | None) -> ForecastConfig | None:
    """Draw the settings; return a valid configuration for ``choice`` or None (a message was shown)."""
    settings = remembered(SETTINGS_KEY, store_values(ForecastConfig()))
    season = choice.series.season_length if choice else None
    presets = st.container(horizontal=True)
    presets.button("Plain LSTM, as in the article", on_click=apply, args=(FORECAST_PRESETS["seed"],),
                   icon=":material/article:", key="forecast-preset-seed",
                   help="Exactly the seed article's program: look-back 1, 4 LSTM units, 100 epochs, batch "
                        "size 1, the raw values scaled. Slower and usually worse than the defaults: a "
                        "useful comparison.")
    presets.button("Defaults", on_click=apply, args=(ForecastConfig(),),
                   icon=":material/restart_alt:", key="forecast-preset-reset",
                   help="The defaults, chosen on the validation parts of 1,029 real series (the M1 "
                        "competition's and LSTM Lab's corpus): the pretrained network for yearly, quarterly "
                        "and monthly series and any without a season; for longer seasons, five networks of "
                        "64 LSTM units trained on the series' change from one season earlier, forecasting "
                        "their median.")
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
    # plan_run always splits a forecast it is given the values of (models.engine.workload).
    assert plan.split is not None
    if plan.config.mode == "pretrained":  # the plan's settings: an "auto" mode decided for this series
        chose = ("Auto chose the pretrained network for this series (change a setting of the network, or "
                 "choose it trained on this series, to train one). " if config.mode == "auto" else "")
        st.caption(f"{chose}The pretrained network forecasts as it is; the baselines fit the first "
                   f"{plan.split.n_train} points, and all are scored on the last {plan.split.n_test}.")
    elif plan.config.pretrained:
        st.caption(f"The pretrained network is fine-tuned on the first {plan.split.n_train} points and "
                   f"scored, with the baselines, on the last {plan.split.n_test}.")
    else:
        st.caption(f"The network trains on the first {plan.split.n_train} points ({plan.training_units} "
                   f"windows) and is scored, with the baselines, on the last {plan.split.n_test}.")
    return config
