"""The verdict, branch by branch: which baseline it names, the percentages, the hint when the network
loses, and the plain words for baselines, seasons and horizons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.forecast import advice
from models.forecast.advice import Advice
from models.forecast.verdict import NOTHING_LEFT, Verdict, baseline_phrase, horizon_words, make_verdict

BASELINES = {"persistence": 48.0, "seasonal_naive": 41.85, "arima": 14.62, "drift": None}


@pytest.fixture(autouse=True)
def measured(monkeypatch, tmp_path):
    """A small advice table of our own instead of the shipped panel_advice.json."""
    table = {"defaults": {"ensemble": 1, "look_back": 12, "units": 32}, "groups": {
        "seasonal": [
            {"change": {"ensemble": 5}, "gain_percent": 12.4, "helped": 8, "lost": 11},
            {"change": {"look_back_seasons": 2}, "gain_percent": 6.0, "helped": 6, "lost": 11},
            {"change": {"units": 64}, "gain_percent": 0.4, "helped": 5, "lost": 11},
        ],
        "no_season": [{"change": {"transform": "log_diff"}, "gain_percent": -3.0, "helped": 2, "lost": 6}],
    }}
    path = tmp_path / "panel_advice.json"
    path.write_text(json.dumps(table))
    monkeypatch.setattr(advice, "ADVICE_FILE", path)
    advice.measured_advice.cache_clear()
    yield
    advice.measured_advice.cache_clear()


ENSEMBLE_TIP = ("try an ensemble of 5 networks. On the 11 seasonal series of LSTM Lab's benchmark panel "
                "where the network lost to a statistical method, that cut its error by 12% on average and "
                "helped on 8.")


def test_the_network_is_compared_with_the_best_scored_baseline():
    verdict = make_verdict(22.15, BASELINES, cell="lstm", season_length=12, frequency="monthly",
                           settings={"look_back": 12, "transform": "diff", "epochs": 100, "ensemble": 1})
    assert verdict.best_baseline == "arima" and verdict.kind == "worse"
    assert verdict.percent == pytest.approx((14.62 - 22.15) / 14.62 * 100)
    assert verdict.text == f"The LSTM is 52% worse than ARIMA one step ahead: {ENSEMBLE_TIP}"
    assert verdict.facts().to_dict() == {"verdict": verdict.text, "verdict_kind": "worse",
                                         "best_baseline": "arima",
                                         "improvement_percent": round(verdict.percent, 2)}


def test_a_win_over_the_horizon_in_the_words_of_the_frequency():
    verdict = make_verdict(10.0, {"seasonal_naive": 20.0, "ets": 12.5}, cell="gru", horizon=12,
                           frequency="monthly", season_length=12)
    assert (verdict.kind, verdict.best_baseline, verdict.percent) == ("better", "ets", 20.0)
    assert verdict.text == "The GRU is 20% better than exponential smoothing (ETS) over 12 months ahead."
    narrow = make_verdict(9.99, {"theta": 10.0}, cell="rnn")
    assert narrow.text == "The simple RNN is less than 1% better than the Theta method one step ahead."


def test_a_tie_counts_as_a_loss():
    verdict = make_verdict(5.0, {"mean": 5.0})
    assert verdict.kind == "worse" and verdict.percent == 0.0
    assert verdict.text.startswith("The LSTM is less than 1% worse than always predicting the training "
                                   "average (mean) one step ahead: ")


@pytest.mark.parametrize(("settings", "season", "hint"), [
    ({"ensemble": 1, "look_back": 12}, 12, ENSEMBLE_TIP),
    # the ensemble was changed from where it was measured: the next change, in the series' own steps
    ({"ensemble": 5, "look_back": 12}, 12,
     "try a look-back of 2 seasons (24 steps). On the 11 seasonal series of LSTM Lab's benchmark panel "
     "where the network lost to a statistical method, that cut its error by 6% on average and helped "
     "on 6."),
    # both changed; a change that cut the error by less than 1% is never offered
    ({"ensemble": 3, "look_back": 8, "units": 32}, 4, NOTHING_LEFT),
    # without a season: the only measured change made things worse
    ({"ensemble": 1}, None, NOTHING_LEFT),
    # the article's settings: the defaults first, not single changes measured from the defaults
    ({"ensemble": 1, "look_back": 1, "preset": "seed"}, 12,
     'try the defaults first ("Defaults" on the Forecast page, no --preset on the command line): they were '
     "chosen on LSTM Lab's benchmark panel, the article's settings were not."),
    # the pretrained network: changes measured on networks trained on the series say nothing about it
    ({"ensemble": 1, "look_back": 12, "mode": "pretrained"}, 12, NOTHING_LEFT),
])
def test_a_loss_ends_with_the_change_that_helped_most_on_the_panel(settings, season, hint):
    assert make_verdict(30.0, {"persistence": 20.0}, settings=settings, season_length=season).text.endswith(
        ": " + hint)


def test_without_a_measured_table_a_loss_still_reads_as_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(advice, "ADVICE_FILE", tmp_path / "missing.json")
    advice.measured_advice.cache_clear()
    assert make_verdict(30.0, {"ets": 20.0}, season_length=12).text.endswith(": " + NOTHING_LEFT)


def test_the_shipped_advice_is_measured_and_offers_only_what_helped():
    document = json.loads(Path(advice.__file__).with_name("panel_advice.json").read_text())
    assert set(document["groups"]) == {"seasonal", "no_season"}
    for entries in document["groups"].values():
        gains = [entry["gain_percent"] for entry in entries]
        assert gains == sorted(gains, reverse=True)
        for entry in entries:
            assert 0 <= entry["helped"] <= entry["lost"] and entry["change"]
            Advice(**entry).words(12)  # every change has words


def test_no_baseline_a_diverged_network_and_a_perfect_baseline():
    assert make_verdict(1.0, {"ets": None}) == Verdict(
        "There is no baseline to compare the LSTM with.", "worse", None, None)
    diverged = make_verdict(None, {"drift": 3.0})
    assert diverged.kind == "worse" and diverged.best_baseline == "drift" and diverged.percent is None
    assert diverged.rounded_percent is None and "smaller learning rate" in diverged.text
    matched = make_verdict(0.0, {"mean": 0.0})  # a perfect baseline, matched: no percentage of nothing
    assert matched.percent is None and matched.kind == "tie"
    beaten = make_verdict(0.5, {"mean": 0.0})
    assert beaten.percent is None and beaten.kind == "worse" and "%" not in beaten.text


@pytest.mark.parametrize(("name", "season", "frequency", "phrase"), [
    ("persistence", None, None, "repeating the last value (persistence)"),
    ("seasonal_naive", 12, "monthly", "repeating last year's value (seasonal naive)"),
    ("seasonal_naive", 4, "Quarterly", "repeating last year's value (seasonal naive)"),
    ("seasonal_naive", 52, "weekly", "repeating last year's value (seasonal naive)"),
    ("seasonal_naive", 7, "daily", "repeating last week's value (seasonal naive)"),
    ("seasonal_naive", 24, "hourly", "repeating yesterday's value at the same hour (seasonal naive)"),
    ("seasonal_naive", 5, "daily (weekdays)",
     "repeating the value one season (5 steps) earlier (seasonal naive)"),
    ("drift", None, None, "continuing the average trend of the training part (drift)"),
    ("mean", None, None, "always predicting the training average (mean)"),
    ("ets", None, None, "exponential smoothing (ETS)"),
    ("theta", None, None, "the Theta method"),
    ("arima", None, None, "ARIMA"),
    ("prophet", None, None, "prophet"),
])
def test_every_baseline_has_plain_words(name, season, frequency, phrase):
    assert baseline_phrase(name, season, frequency) == phrase


@pytest.mark.parametrize(("horizon", "frequency", "words"), [
    (12, "monthly", "12 months"), (1, "quarterly", "1 quarter"), (3, "yearly", "3 years"),
    (2, "weekly", "2 weeks"), (7, "Daily", "7 days"), (24, "hourly", "24 hours"),
    (10, None, "10 steps"), (1, "every 30 minutes", "1 step"),
])
def test_horizons_in_the_units_of_the_series(horizon, frequency, words):
    assert horizon_words(horizon, frequency) == words


def test_a_multi_step_verdict_from_few_origins_says_so():
    one = make_verdict(10.0, {"ets": 20.0}, horizon=10, frequency="yearly", origins=1).text
    assert one == ("The LSTM is 50% better than exponential smoothing (ETS) over 10 years ahead from a "
                   "single forecast origin.")
    two = make_verdict(30.0, {"ets": 20.0}, horizon=10, frequency="yearly", origins=2).text
    assert "over 10 years ahead from only 2 forecast origins: " in two
    assert "origin" not in make_verdict(10.0, {"ets": 20.0}, horizon=10, frequency="yearly", origins=3).text
