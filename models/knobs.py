"""Every setting a person can turn, declared once: its label, range, choices and help.

The frozen configurations validate with these (``models.config``), the pages build their widgets
from them and the command line its flags, so a range or a sentence is never written twice. Defaults
are the configuration dataclasses' own field defaults.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from models.errors import ConfigError
from models.vocabulary import CELLS

TRANSFORMS = ("none", "log", "diff", "log_diff", "season_diff", "log_season_diff", "auto")
STRATEGIES = ("recursive", "direct")
LEARN_TASKS = ("roommate", "memory")
MAX_MEMORY_LENGTH = 200
MAX_WEATHER_DAYS = 5000
OPTIMIZERS = ("adam", "rmsprop", "sgd")
# Which network a forecast run scores: one trained on this series alone, the network pretrained across
# the competition series as it is, or that network trained a little further on this series.
MODES = ("auto", "local", "pretrained", "fine-tuned")
DIGIT_SOURCES = ("auto", "bundled", "keras")


@dataclass(frozen=True)
class Knob:
    """One setting. ``kind`` is int, float or str (a choice); ``optional`` settings may be None."""

    name: str  # the configuration field
    label: str  # how the pages and the error messages name it
    kind: type
    low: float | None = None
    high: float | None = None
    step: float | None = None  # the widgets' step
    choices: tuple[str, ...] = ()
    optional: bool = False
    help: str = ""  # the page's help text: plain words for non-programmers
    cli_help: str = ""  # the command line's shorter help
    metavar: str | None = None
    when_unset: str = "detected"  # what an optional setting left empty means, for the help
    page_range: tuple[float, float] | None = None  # a slider's span, when narrower than the allowed range
    suggestions: tuple[float, ...] = ()  # the values a page's select slider offers

    @property
    def widget_range(self) -> tuple[float | None, float | None]:
        """The span a page's widget offers: ``page_range`` if set, else the whole allowed range."""
        return self.page_range or (self.low, self.high)

    @property
    def flag(self) -> str:
        """The command line option, e.g. ``--look-back``."""
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> None:
        """ConfigError with one plain sentence when ``value`` is not allowed."""
        if value is None and self.optional:
            return
        if self.kind is str:
            if value not in self.choices:
                raise ConfigError(f"{self.label} must be one of {', '.join(self.choices)}, got {value!r}.")
            return
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{self.label} must be a whole number, got {value!r}.")
        if self.kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))
                                   or value != value):
            raise ConfigError(f"{self.label} must be a number, got {value!r}.")
        if not self.low <= value <= self.high:
            raise ConfigError(f"{self.label} must be between {self.low} and {self.high}, got {value}.")

    def add_flag(self, group: argparse._ActionsContainer, default: Any) -> None:
        """This setting as an argparse option of ``group`` (its default said in the help)."""
        if default is None:
            said = self.when_unset
        else:
            said = f"{default:g}" if isinstance(default, float) else default
        options: dict[str, Any] = {"help": f"{self.cli_help} (default {said})"}
        if self.kind is str:
            options["choices"] = self.choices
        else:
            options.update(type=self.kind, metavar=self.metavar or ("N" if self.kind is int else "F"))
        group.add_argument(self.flag, **options)


def check_all(config: Any, knobs: dict[str, Knob]) -> None:
    """Validate every field of ``config`` that has a knob."""
    for knob in knobs.values():
        knob.check(getattr(config, knob.name))


def _knobs(*knobs: Knob) -> dict[str, Knob]:
    return {knob.name: knob for knob in knobs}


_CELL = Knob("cell", "Cell type", str, choices=CELLS,
             help="The recurrent building block. LSTM (the seed article's) and GRU remember longer "
                  "patterns; a simple RNN is the plainest and fastest.",
             cli_help="recurrent cell")
_UNITS = Knob("units", "Units", int, 1, 512, 1,
              help="The size of the network's memory. More units can learn more complex patterns, "
                   "but train slower and can memorise the training part.",
              cli_help="units per recurrent layer")
_LAYERS = Knob("layers", "Layers", int, 1, 4, 1,
               help="Recurrent layers stacked on each other. One is usually enough for a single series.",
               cli_help="stacked recurrent layers")
_OPTIMIZER = Knob("optimizer", "Optimizer", str, choices=OPTIMIZERS,
                  help="The rule that adjusts the weights. Adam is a safe choice.", cli_help="optimizer")
_LEARNING_RATE = Knob("learning_rate", "Learning rate", float, 1e-6, 1.0,
                      suggestions=(0.0001, 0.0003, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03,
                                   0.05, 0.1),
                      help="How big each adjustment of the weights is. Too big and training jumps around; "
                           "too small and it learns slowly.",
                      cli_help="optimizer learning rate")
_SEED = Knob("seed", "Seed", int, 0, 2**31 - 1, 1,
             help="Starting point of the randomness. The same seed and settings give the same result.",
             cli_help="random seed; the same seed and settings give the same numbers")

FORECAST_KNOBS = _knobs(
    Knob("mode", "Network", str, choices=MODES,
         help="auto: the pretrained network for yearly, quarterly and monthly series (and any without a "
              "season or with one of up to 12 steps), else a network trained on the series, as it is "
              "when you change one of its settings below. "
              "local: a network trained on this series alone, with the settings below. pretrained: a "
              "network that learned from the windows of about a thousand other series and forecasts "
              "this one without training on it (short series are its strength); the settings below do "
              "not apply to it. fine-tuned: the pretrained network trained a few more passes on this "
              "series' training part.",
         cli_help="local (trained on this series alone), pretrained (learned across many series, not "
                  "trained on this one), fine-tuned (pretrained, then trained briefly on this one) or auto "
                  "(pretrained for seasons of up to 12 steps or none, else local; local too when a "
                  "local network's setting is changed from its default)"),
    Knob("look_back", "Look-back", int, 1, 365, 1,
         help="How many past values the network sees to predict the next one.",
         cli_help="past values the network sees for each forecast"),
    _UNITS,
    Knob("epochs", "Epochs", int, 1, 2000, 1,
         help="How many times the network goes through the whole training part. More epochs take "
              "longer; too many can over-fit.",
         cli_help="passes over the training data"),
    _CELL,
    _LAYERS,
    Knob("ensemble", "Ensemble size", int, 1, 9, 1,
         help="How many networks the run trains side by side, each started from its own seed (the "
              "run's seed, then the next ones). The forecast is their median, which is steadier than "
              "any one network's. More networks take longer.",
         cli_help="networks trained side by side from consecutive seeds; the forecast is their median"),
    Knob("strategy", "Multi-step forecasts", str, choices=STRATEGIES,
         help="How the network forecasts several steps ahead. recursive: one step at a time, each "
              "forecast fed back as the newest input, as in the article. direct: one output for every "
              "step of the horizon, all at once, so no forecast is fed back; it learns from fewer "
              "windows, as each needs a whole horizon of targets inside the training part.",
         cli_help="recursive (one step at a time, fed back) or direct (every step of the horizon at once)"),
    Knob("dropout", "Dropout", float, 0.0, 0.9, 0.05,
         help="Share of the signals switched off at random while training, to stop the network "
              "memorising. 0 switches nothing off.",
         cli_help="dropout rate between layers, 0 to 0.9"),
    Knob("batch_size", "Batch size", int, 1, 4096, 1,
         help="How many windows the network looks at before each adjustment of its weights. Small "
              "batches learn in more, noisier steps (the seed article used 1).",
         cli_help="windows per optimizer step"),
    _LEARNING_RATE,
    _OPTIMIZER,
    Knob("test_fraction", "Test fraction", float, 0.05, 0.8, 0.01,
         help="The share of the series, at its end, kept hidden from training and used to score the "
              "network and the baselines.",
         cli_help="share of the series, at its end, kept for testing"),
    Knob("transform", "Transform", str, choices=TRANSFORMS,
         help="How the values are changed before the network sees them (and changed back after). "
              "Differences remove a trend, seasonal differences (from the same time one season "
              "earlier) remove the season too, the log evens out swings that grow with the level. "
              "auto (the default) takes seasonal differences when the series has a season, else "
              "step-to-step differences.",
         cli_help="transform before scaling: none, log, diff, log_diff, season_diff, log_season_diff, "
                  "auto; the log ones need positive values, the seasonal ones a season length"),
    Knob("headroom", "Scale headroom", float, 1.0, 10.0, 0.5,
         help="The scaler is fitted on the training part only. With headroom 2 the training values "
              "fill half of the scaled range, leaving room for a series that keeps growing.",
         cli_help="the training part fills 1/H of the scaled range, leaving room for higher test levels "
                  "(the seed preset uses 2)", metavar="H"),
    Knob("season_length", "Season length", int, 1, 1000, 1, optional=True,
         help="Steps in one season (12 for monthly data with a yearly pattern). Used by the seasonal "
              "naive baseline and MASE. Leave empty to use the detected one.",
         cli_help="steps per season for the seasonal naive baseline and MASE, e.g. 12 for monthly data"),
    Knob("test_size", "Test points", int, 2, 100_000, 1, optional=True, when_unset="from the test fraction",
         help="The test part as a number of points at the end of the series (instead of a share).",
         cli_help="points at the end of the series kept for testing, instead of --test-fraction"),
    Knob("horizon", "Horizon", int, 1, 1000, 1, optional=True, when_unset="one season, else 10",
         help="How many steps ahead the multi-step score looks: every model forecasts this many steps "
              "from several points in the test part, without seeing any value after that point. Leave "
              "empty for one season (10 steps without a season).",
         cli_help="steps ahead of the multi-step backtest and the prediction intervals"),
    Knob("stride", "Backtest stride", int, 1, 1000, 1, optional=True, when_unset="the horizon",
         help="Steps between two origins of the multi-step backtest. Leave empty for one horizon.",
         cli_help="steps between two backtest origins"),
    Knob("forecast_steps", "Forecast steps", int, 0, 1000, 1,
         help="How many steps past the end of the data to forecast, each one built on the network's "
              "previous forecasts.",
         cli_help="steps to forecast past the end of the data"),
    _SEED,
)

DIGITS_KNOBS = _knobs(
    Knob("units", "Units", int, 1, 512, 8,
         help="How many numbers the network keeps in its memory while it reads a digit row by row. "
              "More units can learn more, but train slower.",
         cli_help="units per recurrent layer"),
    Knob("epochs", "Epochs", int, 1, 200, 1,
         help="How many times the network goes through all its training digits.",
         cli_help="passes over the training digits"),
    Knob("cell", "Cell type", str, choices=CELLS,
         help="LSTM and GRU have gates that decide what to remember and forget; a simple RNN has none "
              "and tends to forget the top of the digit by the bottom.",
         cli_help="recurrent cell"),
    Knob("layers", "Layers", int, 1, 4, 1,
         help="Recurrent layers stacked on each other. One is enough for digits.",
         cli_help="stacked recurrent layers"),
    Knob("batch_size", "Batch size", int, 1, 4096, 32,
         help="Digits looked at before each small correction of the weights. Bigger batches are faster "
              "per epoch but make fewer corrections.",
         cli_help="digits per optimizer step"),
    Knob("optimizer", "Optimizer", str, choices=OPTIMIZERS,
         help="The rule that corrects the weights after each batch. The seed article uses RMSprop; Adam "
              "usually learns fastest.",
         cli_help="optimizer"),
    Knob("learning_rate", "Learning rate", float, 1e-6, 1.0, 0.001,
         help="How big each correction is. Too big and training goes wild; too small and it learns "
              "slowly.",
         cli_help="optimizer learning rate"),
    Knob("limit", "Training digits", int, 10, 60000, 100, optional=True, when_unset="all",
         help="How many digits it learns from. Fewer is faster; the test digits are always the full "
              "test set.",
         cli_help="train on at most N digits, a class-balanced sample"),
    Knob("source", "Digits source", str, choices=DIGIT_SOURCES,
         help="Full MNIST has 60,000 training digits. The bundled 5,000 real MNIST digits work without "
              "internet access.",
         cli_help="full MNIST ('keras', downloads once into Keras' cache), the 5,000 bundled "
                  "digits ('bundled', offline), or full MNIST with the bundled ones as fallback"),
    _SEED,
)

LEARN_KNOBS = _knobs(
    Knob("task", "Task", str, choices=LEARN_TASKS),
    Knob("days", "Days", int, 2, MAX_WEATHER_DAYS, 10, page_range=(20, 400),
         help="How many days of dinners the network learns from."),
    Knob("rain_chance", "Chance of rain", float, 0.0, 1.0, 0.05,
         help="Few rainy days: the network rarely sees her cook."),
    Knob("window", "Days it reads", int, 1, 30, 1, page_range=(1, 7),
         help="How many recent days make one input sequence."),
    Knob("cell", "Cell", str, choices=CELLS, help="LSTM, GRU or a simple RNN."),
    Knob("symbols", "Symbols", int, 2, 20, 1),
    Knob("samples", "Training sequences", int, 50, 5000, 50),
    Knob("gate_bias", "Gate bias", float, -5.0, 10.0, 0.5, optional=True, when_unset="Keras' default"),
    Knob("units", "Units", int, 1, 128, 1, page_range=(2, 64),
         help="The size of each network's memory."),
    Knob("epochs", "Epochs", int, 1, 200, 1, page_range=(1, 100),
         help="Passes over the training sequences."),
    Knob("batch_size", "Batch size", int, 1, 1024, 1),
    Knob("learning_rate", "Learning rate", float, 1e-6, 1.0),
    Knob("seed", "Seed", int, 0, 2**31 - 1, 1,
         help="Starting point of the randomness. The same seed and settings give the same result."),
)
# Each of the memory task's sequence lengths (the field holds several).
SEQUENCE_LENGTH = Knob("lengths", "Sequence length", int, 2, MAX_MEMORY_LENGTH, 1)
