"""LSTM Lab compute core, in rooms by concept. Each room's ``__init__`` says what it may import;
``make lint`` checks the rules with import-linter (contracts in ``pyproject.toml``).

- ``models.data``: CSV bytes to a validated series. numpy and pandas only.
- ``models.forecast``: split, transforms, baselines, metrics, verdict, pipeline. No TensorFlow.
- ``models.digits``: MNIST digits and their evaluation. No TensorFlow.
- ``models.lessons``: the Learn page's toy tasks. No TensorFlow.
- ``models.networks``: exported weights and the NumPy forward pass. No TensorFlow.
- ``models.train``: the only room that imports TensorFlow/Keras; loaded by workers and the CLI.
- ``models.engine``: jobs, run store, sweeps, export; imports ``models.train`` only on a worker.
- ``models.cli``: ``python -m models``; may import anything.
- ``errors``, ``config``, ``results``, ``settings``, ``limits``: shared by every room.

No module of ``models`` imports Streamlit.
"""
