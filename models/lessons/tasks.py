"""Two toy sequence tasks for the Learn page, with the perfect rule of each (pure NumPy, no Keras).

1. The roommate's dinners (the seed article). She cooks three dishes in a fixed cycle
   (apple pie -> burger -> chicken -> apple pie ...). On a sunny day she spends the day on the
   balcony with a beer and does not cook, so we eat the same as yesterday; on a rainy day she stays
   in and cooks the next dish of the cycle. Each day the network reads what we ate yesterday and
   today's weather (a short window of such days) and predicts today's dinner.

2. Long memory. A sequence of ``length`` symbols; the answer is the FIRST symbol (marked by a start
   flag), every later symbol is noise drawn from the same alphabet. A perfect rule (look at step one)
   is right every time; a network must carry the first symbol across ``length - 1`` distracting
   steps, which a plain RNN struggles to learn as the distance grows and an LSTM's gated cell state
   handles.

Encodings are one-hot float32 arrays so the same arrays train the Keras networks in a worker and
feed ``models.networks.numpy_rnn`` in the app.
"""

from __future__ import annotations

import numpy as np

from models.config import LearnConfig
from models.errors import ConfigError
from models.networks import numpy_rnn

DISHES = ("apple pie", "burger", "chicken")
WEATHERS = ("sunny", "rainy")
SUNNY, RAINY = 0, 1
WEATHER_LETTERS = {"s": SUNNY, "r": RAINY}
MAX_DAYS = 5000
DAY_FEATURES = len(DISHES) + len(WEATHERS)  # one-hot yesterday's dish + one-hot today's weather

# The Learn page's starting settings (measured: see the module's tests and the report in README).
LEARN_PRESETS: dict[str, LearnConfig] = {
    # Keras' own gate initialisation: the answer depends on the last step only.
    "roommate": LearnConfig(task="roommate", cell="lstm", units=8, epochs=40, window=3, batch_size=16,
                            learning_rate=0.01, gate_bias=None),
    # 3 cells x 3 distances, chance 1/8. Measured on two busy shared cores (seeds 1, 2, 7): 21-48 s in
    # all; plain RNN 100% / 99-100% / 9-13% at N = 5 / 25 / 50, GRU and LSTM 100% at every N.
    "memory": LearnConfig(task="memory", cells=("rnn", "gru", "lstm"), lengths=(5, 25, 50), symbols=8,
                          samples=1000, units=16, epochs=20, batch_size=32, learning_rate=0.01,
                          gate_bias=3.0),
}


# ---------------------------------------------------------------- the roommate


def random_weather(days: int, rain_chance: float, seed: int) -> np.ndarray:
    """``days`` random weathers (0 sunny, 1 rainy), rainy with probability ``rain_chance``: [days]."""
    if not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"The number of days must be between 1 and {MAX_DAYS}, got {days}.")
    rng = np.random.default_rng(seed)
    return (rng.random(days) < rain_chance).astype(np.int64)


def parse_weather(text: str) -> np.ndarray:
    """Weather from letters, one per day: "S" sunny, "R" rainy (spaces, commas ignored) -> [days]."""
    letters = [letter for letter in text.lower() if letter not in " ,;\t\r\n"]
    unknown = sorted({letter for letter in letters if letter not in WEATHER_LETTERS})
    if unknown:
        raise ConfigError(f"Write the weather with S (sunny) and R (rainy) only; found {', '.join(unknown)}.")
    if not letters:
        raise ConfigError("Write at least one day of weather (S for sunny, R for rainy).")
    if len(letters) > MAX_DAYS:
        raise ConfigError(f"Write at most {MAX_DAYS} days of weather, got {len(letters)}.")
    return np.array([WEATHER_LETTERS[letter] for letter in letters], dtype=np.int64)


def weather_text(weather: np.ndarray) -> str:
    """The inverse of ``parse_weather``: "SRRS..."."""
    return "".join("R" if day == RAINY else "S" for day in np.asarray(weather))


def roommate_rule(yesterday: int, weather: int) -> int:
    """The article's rule: sunny -> the same dish as yesterday; rainy -> the next dish of the cycle."""
    return int(yesterday) if int(weather) == SUNNY else (int(yesterday) + 1) % len(DISHES)


def roommate_dinners(weather: np.ndarray, first_dish: int = 0) -> np.ndarray:
    """Dinner of every day [days + 1]: day 0 is ``first_dish``, day t follows the rule from day t-1
    and the weather of day t (``weather[t - 1]``)."""
    dinners = [int(first_dish) % len(DISHES)]
    for day_weather in np.asarray(weather):
        dinners.append(roommate_rule(dinners[-1], day_weather))
    return np.array(dinners, dtype=np.int64)


def encode_days(yesterday: np.ndarray, weather: np.ndarray) -> np.ndarray:
    """One step per day: one-hot yesterday's dish and one-hot today's weather -> float32 [T, 5]."""
    yesterday, weather = np.asarray(yesterday, dtype=np.int64), np.asarray(weather, dtype=np.int64)
    steps = np.zeros((len(yesterday), DAY_FEATURES), dtype=np.float32)
    steps[np.arange(len(yesterday)), yesterday] = 1.0
    steps[np.arange(len(weather)), len(DISHES) + weather] = 1.0
    return steps


def roommate_windows(weather: np.ndarray, window: int, first_dish: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training examples from one weather sequence.

    Returns x [M, window, 5] (the last ``window`` days, each yesterday's dish + that day's weather),
    y [M] (the dinner of the window's last day) and the weather of that day [M].
    """
    weather = np.asarray(weather, dtype=np.int64)
    if window < 1:
        raise ConfigError("The network must read at least one day.")
    if len(weather) < window + 1:
        raise ConfigError(f"Give at least {window + 1} days of weather for a window of {window} days.")
    dinners = roommate_dinners(weather, first_dish)  # [days + 1]
    steps = encode_days(dinners[:-1], weather)  # [days, 5]: step t predicts dinners[t + 1]
    ends = np.arange(window - 1, len(weather))  # the last day of every window
    x = np.stack([steps[end - window + 1:end + 1] for end in ends])  # [M, window, 5]
    return x, dinners[ends + 1], weather[ends]


def pair_window(yesterday: int, weather: int, window: int) -> np.ndarray:
    """A history consistent with the rule that ends with (``yesterday``, ``weather``): [window, 5].

    The earlier days were sunny with the same dish, so the last step alone decides the answer. Used
    to ask the network about each yesterday x weather pair, even one its data never showed.
    """
    dishes = np.full(window, int(yesterday))
    weathers = np.full(window, SUNNY)
    weathers[-1] = int(weather)
    return encode_days(dishes, weathers)


def rule_table() -> list[list[int]]:
    """The rule's answer for every yesterday (rows) x weather (columns: sunny, rainy) pair."""
    return [[roommate_rule(dish, weather) for weather in range(len(WEATHERS))] for dish in range(len(DISHES))]


# ---------------------------------------------------------------- long memory


def memory_task(n_samples: int, length: int, symbols: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences whose answer is their first symbol: x float32 [n, length, symbols + 1], y [n].

    Each step is a one-hot symbol; the extra last feature is 1 at the first step only (the start
    flag: "remember this one"). Steps 2..length are noise from the same alphabet, so nothing but
    memory tells the answer apart.
    """
    if length < 1 or symbols < 2 or n_samples < 1:
        raise ConfigError("The memory task needs a length of at least 1, two symbols and one sample.")
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, symbols, size=(n_samples, length))  # [n, length]
    x = np.zeros((n_samples, length, symbols + 1), dtype=np.float32)
    x[..., :symbols] = np.eye(symbols, dtype=np.float32)[tokens]
    x[:, 0, symbols] = 1.0  # the start flag
    return x, tokens[:, 0].astype(np.int64)


def memory_rule(x: np.ndarray) -> np.ndarray:
    """The perfect rule: the symbol at the flagged first step. [n, length, symbols + 1] -> [n]."""
    return np.asarray(x)[:, 0, :-1].argmax(axis=-1)


def chance_accuracy(symbols: int) -> float:
    """Accuracy of guessing: one in ``symbols``."""
    return 1.0 / symbols


def pair_predictions(weights: numpy_rnn.Weights, window: int) -> tuple[list[list[int]], list[list[float]]]:
    """The network's dinner for every yesterday (rows) x weather (columns) pair, and its probability."""
    table, confidence = [], []
    for dish in range(len(DISHES)):
        windows = np.stack([pair_window(dish, weather, window)
                            for weather in range(len(WEATHERS))])  # [2, W, 5]
        probabilities = numpy_rnn.predict(weights, windows)  # [2, 3]
        table.append([int(value) for value in probabilities.argmax(axis=1)])
        confidence.append([float(value) for value in probabilities.max(axis=1)])
    return table, confidence


__all__ = [
    "pair_predictions",
    "DAY_FEATURES", "DISHES", "LEARN_PRESETS", "RAINY", "SUNNY", "WEATHERS", "chance_accuracy", "encode_days",
    "memory_rule", "memory_task", "pair_window", "parse_weather", "random_weather", "roommate_dinners",
    "roommate_rule", "roommate_windows", "rule_table", "weather_text",
]
