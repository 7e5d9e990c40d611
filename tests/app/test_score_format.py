"""The Forecast page's score tables keep significant digits for a series measured in millionths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.components.forecast_results import score_format


def test_small_scores_keep_three_significant_digits():
    assert score_format(pd.Series([1.74e-07, 1.22e-07, np.nan])) == "%.3g"
    assert score_format(pd.Series([47.25, 0.001])) == "%.2f"  # the usual two decimals
    assert score_format(pd.Series([0.0, np.nan]), "%.3f") == "%.3f"  # nothing to show but zeros
    assert score_format(pd.Series([np.nan, np.nan])) == "%.2f"
