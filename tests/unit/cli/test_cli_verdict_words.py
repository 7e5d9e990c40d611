"""The CLI's verdict against a baseline without error: in words, with no percentage (a tiny network)."""

from __future__ import annotations

import json

from models.cli import main

TINY = ["--epochs", "1", "--units", "3", "--look-back", "3", "--forecast-steps", "2", "--ensemble", "1"]


def test_a_constant_series_with_one_spike_gets_no_percentage(tmp_path, capsys):
    values = [100.0] * 40
    values[20] = 10_000.0  # in the training part; the test part is constant, so persistence is exact
    path = tmp_path / "spike.csv"
    path.write_text("t,y\n" + "".join(f"{index},{value}\n" for index, value in enumerate(values)))
    assert main(["forecast", "--csv", str(path), "--json", *TINY]) == 0
    document = json.loads(capsys.readouterr().out)
    for verdict in (document, document["one_step"]):
        assert verdict["improvement_percent"] is None and "%" not in verdict["verdict"]
        assert verdict["verdict_kind"] in ("worse", "tie")
        text = verdict["verdict"]
        assert "forecasts the test part exactly" in text or "both forecast" in text
    assert document["backtest"]["metrics"][document["best_baseline"]]["rmse"] == 0.0


def test_scores_of_a_series_in_millionths_are_not_printed_as_zeros():
    from models.cli.forecast import _number

    assert [_number(value) for value in (1.74e-07, 0.0, None, 13320.349, 0.01, 0.004)] == [
        "1.74e-07", "0.00", "-", "13320.35", "0.01", "0.004"]
    assert _number(0.0004, 3) == "0.0004" and _number(0.5, 3) == "0.500"
