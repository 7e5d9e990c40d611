"""Exported recurrent networks: the weights format and its NumPy forward pass.

For: predicting in the UI process (a drawn digit, a watched gate) without TensorFlow; tests prove
the forward pass equal to Keras.
May import: numpy and ``models.errors`` only.
"""
