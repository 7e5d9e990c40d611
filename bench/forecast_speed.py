"""Fit time of the seed configuration: plain keras model.fit against models.fastfit, same process.

    python bench/forecast_speed.py            # 2 rounds
    python bench/forecast_speed.py --rounds 3

The seed article's airline program: look-back 1, LSTM(4), Adam(0.001), MSE, batch size 1, 100 epochs,
95 training windows (train-only MinMax scaling as in the lab). Each round builds the same initial
weights and trains them three ways, alternating so machine load hits all alike:

* ``model.fit``: what the seed program does (shuffle=True, verbose=0);
* ``fit_fast`` graph: one tf.function while-loop per epoch (the lab's default for this size);
* ``fit_fast`` XLA: the same loop compiled with XLA (what train_forecaster picks for the seed preset).

Prints the median seconds, the ratio to model.fit and each run's test RMSE (in passengers, on all 48
test months). The RMSEs differ only through the shuffle order (Keras' own vs a seeded NumPy one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from models import forecast  # noqa: E402
from models.config import FORECAST_PRESETS  # noqa: E402
from models.data import bundled_samples, load_series  # noqa: E402
from models.fastfit import fit_fast  # noqa: E402
from models.lstm import build_forecaster, make_optimizer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    config = FORECAST_PRESETS["seed"]
    series = load_series(bundled_samples()["airline-passengers"].path)
    prepared = forecast.prepare(config, series.values, 12)
    x, y = prepared.x_train, prepared.y_train[:, None]  # [95, 1, 1], [95, 1]
    keras.utils.set_random_seed(config.seed)
    initial = build_forecaster(1, 1, "lstm", 4).get_weights()

    def test_rmse(model) -> float:
        scaled = model.predict(prepared.x_test, verbose=0)[:, 0]
        predicted = forecast.one_step_to_original(prepared, scaled, prepared.split.test_targets)
        return float(np.sqrt(np.mean((predicted - series.values[prepared.split.test_targets]) ** 2)))

    def plain():
        model = build_forecaster(1, 1, "lstm", 4)
        model.set_weights(initial)
        model.compile(loss="mean_squared_error", optimizer=make_optimizer("adam", 0.001))
        started = time.perf_counter()
        model.fit(x, y, epochs=config.epochs, batch_size=1, verbose=0)
        return time.perf_counter() - started, test_rmse(model)

    def fast(jit: bool):
        model = build_forecaster(1, 1, "lstm", 4, unroll=True)
        model.set_weights(initial)
        started = time.perf_counter()
        fit_fast(
            model,
            keras.losses.MeanSquaredError(),
            make_optimizer("adam", 0.001),
            x,
            y,
            epochs=config.epochs,
            batch_size=1,
            shuffle_seed=config.seed,
            jit_compile=jit,
        )
        return time.perf_counter() - started, test_rmse(model)

    runs: dict[str, list[tuple[float, float]]] = {"model.fit": [], "fit_fast graph": [], "fit_fast XLA": []}
    for round_index in range(args.rounds):
        runs["fit_fast graph"].append(fast(False))
        runs["fit_fast XLA"].append(fast(True))
        runs["model.fit"].append(plain())
        print(
            f"round {round_index + 1}: "
            + ", ".join(f"{name} {values[-1][0]:.2f} s" for name, values in runs.items()),
            flush=True,
        )
    reference = statistics.median(seconds for seconds, _ in runs["model.fit"])
    print(
        f"\nseed config (look-back 1, LSTM(4), batch 1, {config.epochs} epochs, {len(x)} windows), "
        f"median of {args.rounds}:"
    )
    for name, values in runs.items():
        seconds = statistics.median(value[0] for value in values)
        rmse = ", ".join(f"{value[1]:.2f}" for value in values)
        speedup = reference / seconds
        print(f"  {name:<16}{seconds:7.2f} s   x{speedup:5.1f} faster than model.fit   test RMSE {rmse}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
