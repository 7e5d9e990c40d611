"""MNIST read row by row: loading digits, preprocessing drawn ones, scoring a classifier.

For: the digits the Digits page trains on and the NumPy-side evaluation (confusion matrix,
confident mistakes) that workers and the page share.
May import: numpy and the shared core modules; Keras only lazily, for the full-MNIST download
that a worker asks for (the layer linter's named exception).
"""

# The room's modules: each is imported by name where it is used (nothing is imported here).
__all__ = ["data", "evaluation", "preprocess", "repro"]
