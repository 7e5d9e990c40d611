# The seed article's row-by-row MNIST classifier, changed only as far as current Keras requires:
# keras.utils.to_categorical instead of np_utils, epochs= instead of nb_epoch=, an Input layer.
# Offline, the bundled 5,000 real digits are tiled to MNIST's 60,000/10,000 sizes so an epoch does
# the same amount of work as on the full set. The 10,000 test digits are the 1,000 held-out bundled
# digits ten times each, so the test accuracy is exactly that on those 1,000 digits. Prints seconds
# per epoch and the test accuracy, then the same figures as one JSON line for
# bench/digits_vs_reference.py.
# Usage: python bench/reference/seed_mnist.py [epochs]
import json
import sys
import time
from pathlib import Path

import numpy as np
from keras.layers import LSTM, Dense, Input
from keras.models import Sequential
from keras.utils import to_categorical

BUNDLE = Path(__file__).resolve().parents[2] / "data" / "mnist-5k.npz"

# Hyper parameters
batch_size = 128
nb_epoch = int(sys.argv[1]) if len(sys.argv) > 1 else 10
# Parameters for MNIST dataset
img_rows, img_cols = 28, 28
nb_classes = 10
# Parameters for LSTM network
nb_lstm_outputs = 30
nb_time_steps = img_rows
dim_input_vector = img_cols


def load_data(n_train=60000, n_test=10000):
    """MNIST-sized arrays from the bundled digits (the seed calls mnist.load_data())."""
    with np.load(BUNDLE) as bundle:
        images, labels = bundle["images"], bundle["labels"]
    order = np.random.default_rng(7).permutation(len(images))
    images, labels = images[order], labels[order]
    train_index = np.resize(np.arange(4000), n_train)
    test_index = np.resize(np.arange(4000, 5000), n_test)
    return (images[train_index], labels[train_index]), (images[test_index], labels[test_index])


def main():
    (X_train, y_train), (X_test, y_test) = load_data()
    print('X_train original shape:', X_train.shape)
    input_shape = (nb_time_steps, dim_input_vector)
    X_train = X_train.astype('float32') / 255.
    X_test = X_test.astype('float32') / 255.
    Y_train = to_categorical(y_train, nb_classes)
    Y_test = to_categorical(y_test, nb_classes)
    # LSTM Building
    model = Sequential()
    model.add(Input(shape=input_shape))
    model.add(LSTM(nb_lstm_outputs))
    model.add(Dense(nb_classes, activation='softmax'))
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    # Training the model
    started = time.perf_counter()
    model.fit(X_train, Y_train, epochs=nb_epoch, batch_size=batch_size, shuffle=True,
              validation_data=(X_test, Y_test), verbose=0)
    fit_seconds = time.perf_counter() - started
    # Evaluation
    evaluation = model.evaluate(X_test, Y_test, batch_size=batch_size, verbose=0)
    print('Summary: Loss over the test dataset: %.2f, Accuracy: %.2f' % (evaluation[0], evaluation[1]))
    print('Seconds per epoch: %.3f' % (fit_seconds / nb_epoch))
    print(json.dumps({'seconds_per_epoch': fit_seconds / nb_epoch, 'fit_seconds': fit_seconds,
                      'epochs': nb_epoch, 'test_loss': float(evaluation[0]),
                      'test_accuracy': float(evaluation[1]), 'n_train': int(len(X_train)),
                      'n_test': int(len(X_test))}))
    return fit_seconds / nb_epoch, evaluation[1]


if __name__ == '__main__':
    main()
