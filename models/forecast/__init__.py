"""The forecasting pipeline around the network: split, transforms, baselines, metrics, verdict.

For: turning a ``Series`` into windows and scaled training data, scoring the network and every
baseline on exactly the same test targets (one step ahead, and over a horizon in the rolling-origin
backtest), prediction intervals, and filling in the reproduction script (``repro``).
May import: numpy, pandas, statsforecast (lazily, in ``statistical`` only: it is slow to import),
``models.data`` and the shared core modules (config, errors, results); never TensorFlow (the
reproduction script, models/train/forecast_script.py, imports Keras: ``repro`` reads it as text).
"""
