"""LSTM Lab compute core.

Layer rule: ``models`` never imports Streamlit. Only ``models.lstm``, ``models.training``,
``models.fastfit``, ``models.digits_training`` and the worker side of ``models.jobs`` import
TensorFlow/Keras, and only inside functions or modules the UI process never loads, so the app
server starts fast and stays free of TensorFlow.
"""
