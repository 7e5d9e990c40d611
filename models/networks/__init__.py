"""Exported recurrent networks: the weights format and its NumPy forward pass.

For: predicting in the UI process (a drawn digit, a watched gate) without TensorFlow; tests prove
the forward pass equal to Keras.
May import: numpy and ``models.errors`` only.
"""

# The room's modules: each is imported by name where it is used (nothing is imported here).
__all__ = ["numpy_rnn"]
