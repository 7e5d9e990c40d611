"""LSTM Lab user interface (Streamlit).

Layer rule: ``app`` may import ``models`` except ``models.train`` (the only room that imports
TensorFlow) and ``models.cli``, Streamlit, pandas, numpy and plotly (checked by ``lint-imports``).
Training and inference run in Dask workers; the UI only reads the run store.
"""
