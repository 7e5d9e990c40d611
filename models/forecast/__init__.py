"""The forecasting pipeline around the network: split, transforms, baselines, metrics, verdict.

For: turning a ``Series`` into windows and scaled training data, scoring the network and every
baseline on exactly the same test targets (one step ahead, and over a horizon in the rolling-origin
backtest), prediction intervals, and filling in the reproduction script (``repro``).
May import: numpy, pandas, statsforecast (lazily, in ``statistical`` only: it is slow to import),
``models.data`` and the shared core modules (config, errors, results); never TensorFlow (the
reproduction script, models/train/forecast_script.py, imports Keras: ``repro`` reads it as text).
"""

# The room's modules: each is imported by name where it is used (nothing is imported here).
__all__ = [
    "advice", "backtest", "baselines", "cost", "evaluation", "intervals", "metrics", "pipeline",
    "predictions", "report", "repro", "split", "statistical", "transforms", "verdict",
]
