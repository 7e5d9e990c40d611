"""The fast training loop is the same mathematics as Keras ``model.fit`` over the configurations
the pages and the command line allow, not just one.

Twelve configurations drawn by a seeded generator (the same every run) cover every cell (LSTM,
GRU, simple RNN), 1 to 3 layers, dropout off and on, batch size 1 and larger than the number of
windows, several steps per epoch, the recurrence unrolled and not, every optimizer offered, and the
XLA-compiled loop (never with dropout: the product does not compile such a loop, see below). Each
trains twice from the same seeded weights (``build_forecaster(seed=...)``, dropout masks seeded
too) in the same order of windows: once with ``fit_fast``, once one ``model.fit`` epoch at a time.
After training the weights agree within 2e-5 and every epoch's loss within a relative 1e-5: float32
sums come out in another order in the compiled loop, and that is all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import keras
import numpy as np
import pytest

from models.config import ForecastConfig
from models.knobs import FORECAST_KNOBS, OPTIMIZERS
from models.train import fastfit
from models.train.forecaster import use_xla
from models.train.keras_models import build_forecaster, make_optimizer
from models.vocabulary import CELLS

WEIGHT_TOLERANCE = 2e-5
LOSS_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Case:
    cell: str
    layers: int
    units: int
    dropout: float
    look_back: int
    windows: int
    batch_size: int
    optimizer: str
    learning_rate: float
    unroll: bool
    jit_compile: bool
    epochs: int
    seed: int

    @property
    def name(self) -> str:
        return (f"{self.cell}-{self.layers}x{self.units}-drop{self.dropout}-batch{self.batch_size}of"
                f"{self.windows}-{self.optimizer}-{'unrolled' if self.unroll else 'loop'}"
                f"{'-xla' if self.jit_compile else ''}")


def draw_cases(count: int = 12, seed: int = 2026) -> list[Case]:
    """``count`` configurations from a seeded generator; the first ones pin the corners."""
    rng = random.Random(seed)
    rates = FORECAST_KNOBS["learning_rate"].suggestions
    cases = []
    for index in range(count):
        windows = rng.randint(20, 40)
        batch = [1, windows + 9, rng.randint(2, 9)][index % 3]  # 1, more than the windows, a few
        cases.append(Case(
            cell=CELLS[index % len(CELLS)], layers=1 + index % 3, units=rng.randint(2, 6),
            dropout=[0.0, 0.2][index // 3 % 2], look_back=rng.randint(2, 5), windows=windows,
            batch_size=batch, optimizer=OPTIMIZERS[index // 2 % len(OPTIMIZERS)],
            learning_rate=rng.choice([rate for rate in rates if rate >= 0.001]), unroll=index % 4 < 2,
            jit_compile=index in (1, 8), epochs=2, seed=rng.randint(0, 10_000)))
    return cases


CASES = draw_cases()


def test_the_cases_cover_what_people_can_choose():
    assert {case.cell for case in CASES} == set(CELLS)
    assert {case.optimizer for case in CASES} == set(OPTIMIZERS)
    assert {case.layers for case in CASES} == {1, 2, 3}
    assert {case.dropout > 0 for case in CASES} == {True, False}
    assert {case.unroll for case in CASES} == {True, False} and any(case.jit_compile for case in CASES)
    assert not any(case.jit_compile and case.dropout for case in CASES)  # never in the product: below
    assert any(case.batch_size == 1 for case in CASES)
    assert any(case.batch_size > case.windows for case in CASES)
    assert any(1 < case.batch_size < case.windows for case in CASES)  # several steps per epoch


def test_dropout_never_takes_the_xla_loop():
    """XLA draws dropout masks with its own random-number algorithm, so a compiled loop with dropout
    is not model.fit's mathematics (measured: weights 0.04 apart after two epochs): such a
    configuration trains in the plain graph loop."""
    seed_like = ForecastConfig(mode="local", look_back=1, units=4, epochs=100, batch_size=1)
    assert use_xla(seed_like, 95)
    assert not use_xla(seed_like.replace(dropout=0.2), 95)


def _twins(case: Case):
    def build():
        return build_forecaster(case.look_back, 1, case.cell, case.units, case.layers, case.dropout,
                                unroll=case.unroll, seed=case.seed)

    reference, fast = build(), build()
    for got, expected in zip(fast.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)  # the same seeded start, built twice
    return reference, fast


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fit_fast_is_model_fit(case):
    rng = np.random.default_rng(case.seed)
    x = rng.normal(size=(case.windows, case.look_back, 1)).astype("float32")
    y = rng.normal(size=(case.windows, 1)).astype("float32")
    reference, fast = _twins(case)
    start = reference.get_weights()

    reference.compile(loss=keras.losses.MeanSquaredError(),
                      optimizer=make_optimizer(case.optimizer, case.learning_rate))
    losses = []
    for epoch in range(case.epochs):
        order = fastfit.epoch_order(case.windows, epoch, case.seed)
        losses.append(reference.fit(x[order], y[order], batch_size=case.batch_size, epochs=1, shuffle=False,
                                    verbose=0).history["loss"][0])
    history = fastfit.fit_fast(fast, keras.losses.MeanSquaredError(),
                               make_optimizer(case.optimizer, case.learning_rate), x, y, epochs=case.epochs,
                               batch_size=case.batch_size, shuffle_seed=case.seed,
                               jit_compile=case.jit_compile)

    moved = [not np.allclose(after, before) for after, before in zip(reference.get_weights(), start,
                                                                    strict=True)]
    assert any(moved), "training did not move the weights: nothing was compared"
    for got, expected in zip(fast.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=WEIGHT_TOLERANCE)
    np.testing.assert_allclose(history["loss"], losses, rtol=LOSS_TOLERANCE)
