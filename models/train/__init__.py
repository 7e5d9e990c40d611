"""The only room that imports TensorFlow and Keras: building networks, the fast loop, trainers.

For: what a worker (or the CLI in the foreground) runs to fit a forecast, digits or Learn network
and turn it into a typed result.
May import: anything in the core below it (data, forecast, digits, lessons, networks); it is
imported only by ``models.engine.worker`` (lazily, inside the function a worker runs) and the CLI.

Also here, because they import Keras: the reproduction scripts ``forecast_script.py`` and
``digits_script.py``, standalone files that import nothing of LSTM Lab. The exports
(models/forecast/repro.py, models/digits/repro.py) read them as text, never import them, and write
a run's settings into their settings block; tests import them and run them on a tiny run.
"""

# The room's modules: each is imported by name where it is used (nothing is imported here).
__all__ = ["digits", "digits_script", "fastfit", "forecast_script", "forecaster", "keras_models", "lessons"]
