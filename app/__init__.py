"""LSTM Lab user interface (Streamlit).

Layer rule: ``app`` may import ``models`` (but never ``models.train.keras_models``, ``models.train.forecaster``,
``models.train.digits`` or anything else that imports TensorFlow), Streamlit, pandas, numpy and
plotly. Training and inference run in Dask workers; the UI only reads the run store.
"""
