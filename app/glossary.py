"""Plain words for every score the pages show, written once: the tables' column help uses them.

A score's name may carry a prefix or suffix on a page ("Test RMSE", "MAPE %"); ``score_help`` finds
the score inside the column title.
"""

from __future__ import annotations

SCORES = {  # the score's short name -> what it means, for someone who has never met it
    "RMSE": "Root mean squared error: the typical size of a miss, in the units of the data. Big misses "
            "count more than small ones. Lower is better.",
    "MAE": "Mean absolute error: the average size of a miss, in the units of the data. Lower is better.",
    "sMAPE": "Symmetric mean absolute percentage error: the average miss as a share of the actual and "
             "forecast values together, in percent (0 to 200). Lower is better.",
    "MAPE": "Mean absolute percentage error: the average miss as a share of the actual value, in percent. "
            "Not defined when an actual value is 0. Lower is better.",
    "MASE": "Mean absolute scaled error: the average miss divided by the average miss of the naive "
            "forecast (repeating the last value, or last season's) on the training part. Below 1 beats "
            "that naive forecast; it can be compared across series.",
    "coverage": "The share of the actual values that fell inside the model's prediction interval. An 80% "
                "interval should hold about 0.80 of them, a 95% one about 0.95.",
    "accuracy": "The share of digits read correctly.",
}
PARTS = {  # words for the parts of the data, the same on every page
    "Train": "computed on the training part, which the model learned from",
    "Test": "computed on the test part, which the model never saw while learning",
}


def score_help(title: str) -> str:
    """Help text for a table column such as "Test RMSE" or "80% interval coverage" ('' if none)."""
    for name, text in SCORES.items():  # sMAPE before MAPE: the longer name wins
        if name.lower() in title.lower():
            part = next((words for prefix, words in PARTS.items() if title.startswith(prefix)), "")
            return f"{text} ({part})." if part else text
    return ""
