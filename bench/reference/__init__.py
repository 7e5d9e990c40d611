"""The seed article's two Keras programs, changed only as far as current Keras requires."""
