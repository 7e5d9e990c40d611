"""Drawn digits become MNIST-style 28x28 images that a network trained on MNIST recognises."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from models.config import DigitsConfig
from models.digits.data import load_digits
from models.digits.preprocess import ALL_INK_MESSAGE, EMPTY_MESSAGE, preprocess_digit
from models.errors import DataError
from models.networks import numpy_rnn


def _paste(digit: np.ndarray, scale: int = 3, size: int = 200, top: int = 15, left: int = 100) -> np.ndarray:
    """A 28x28 uint8 digit enlarged ``scale`` times and pasted off-centre into a black size x size canvas."""
    big = np.asarray(Image.fromarray(digit).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR))
    canvas = np.zeros((size, size), dtype=np.uint8)
    canvas[top:top + 28 * scale, left:left + 28 * scale] = big
    return canvas


def _rgba_strokes(gray: np.ndarray) -> np.ndarray:
    """A transparent canvas with black strokes whose opacity is the ink (as a drawing widget returns)."""
    rgba = np.zeros(gray.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = gray
    return rgba


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def digits():
    return load_digits("bundled", seed=7)


@pytest.fixture(scope="module")
def reader(digits):
    """NumPy weights of a small reader trained on the bundled digits (a few seconds)."""
    from models.train.digits import train_classifier

    config = DigitsConfig(source="bundled", units=48, epochs=4, batch_size=64, optimizer="adam",
                          learning_rate=0.005, seed=3)
    result = train_classifier(config, digits=digits)
    assert result.metrics.test_accuracy > 0.7, "the fixture model did not learn"
    return numpy_rnn.load_weights(result.artifacts["weights.npz"])


def test_output_is_an_mnist_style_field(digits):
    out = preprocess_digit(_paste(digits.x_test[0]))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() == pytest.approx(1.0)
    rows, columns = np.nonzero(out > 0.2)
    assert max(rows.max() - rows.min(), columns.max() - columns.min()) + 1 in (19, 20, 21)  # 20-pixel box
    centre = ndimage.center_of_mass(out)
    assert abs(centre[0] - 14.0) <= 0.5 and abs(centre[1] - 14.0) <= 0.5  # where MNIST puts it


def test_enlarged_off_centre_digits_come_back_close_to_the_original(digits):
    similarities = [_cosine(preprocess_digit(_paste(image, top=5 + 7 * k, left=110 - 9 * k)), image)
                    for k, image in enumerate(digits.x_test[:10])]
    # Two different digits of the bundled set score about 0.4 on average: these must match their original.
    assert min(similarities) > 0.85 and np.mean(similarities) > 0.93


def test_light_background_colour_and_transparent_canvases_give_the_same_field(digits):
    canvas = _paste(digits.x_test[3])
    expected = preprocess_digit(canvas)
    inverted = 255 - canvas  # dark ink on white paper
    rgb_paper = np.repeat(inverted[..., None], 3, axis=2)
    opaque_rgba = np.concatenate([np.repeat(canvas[..., None], 3, axis=2),
                                  np.full(canvas.shape + (1,), 255, np.uint8)], axis=2)
    for picture in (inverted, rgb_paper, opaque_rgba, _rgba_strokes(canvas), canvas.astype(np.float64) / 255):
        np.testing.assert_allclose(preprocess_digit(picture), expected, atol=1e-5)


def test_aspect_ratio_is_kept():
    bar = np.zeros((300, 300), dtype=np.uint8)
    bar[50:250, 140:160] = 255  # a 200 x 20 stroke: a "1"
    out = preprocess_digit(bar)
    rows, columns = np.nonzero(out > 0.5)
    assert rows.max() - rows.min() + 1 == 20
    assert 1 <= columns.max() - columns.min() + 1 <= 3  # 20 px wide at 1/10 scale


@pytest.mark.parametrize("picture", [
    np.zeros((280, 280), np.uint8),  # nothing drawn
    np.zeros((280, 280, 4), np.uint8),  # fully transparent canvas
    np.full((280, 280, 4), 255, np.uint8),  # white opaque canvas, nothing drawn
    np.full((50, 50, 3), 30, np.uint8),  # one dark colour
])
def test_empty_pictures_are_refused_plainly(picture):
    with pytest.raises(DataError) as error:
        preprocess_digit(picture)
    assert str(error.value) == EMPTY_MESSAGE == "The canvas is empty: draw a digit first."


def test_pictures_that_are_all_ink_are_refused_plainly():
    with pytest.raises(DataError, match="^The whole image is ink: ") as error:
        preprocess_digit(np.full((28, 28), 255, np.uint8))
    assert str(error.value) == ALL_INK_MESSAGE
    strokes = np.full((100, 100), 255, np.uint8)
    strokes[0, :3] = 0  # a transparent canvas painted over almost completely
    with pytest.raises(DataError, match="^The whole image is ink: "):
        preprocess_digit(_rgba_strokes(strokes))


def test_non_pictures_are_refused():
    for bad in (np.zeros(10), np.zeros((2, 3, 4, 5)), np.zeros((10, 10, 2))):
        with pytest.raises(DataError, match="grayscale or RGB"):
            preprocess_digit(bad)


@pytest.mark.slow
def test_pasted_enlarged_and_inverted_digits_are_classified_as_themselves(digits, reader):
    # One test digit per class that the trained reader gets right in its original form.
    originals = numpy_rnn.predict_proba(reader, digits.x_test).argmax(axis=1)
    chosen = [int(np.flatnonzero((digits.y_test == digit) & (originals == digit))[0]) for digit in range(10)]
    correct = 0
    for k, index in enumerate(chosen):
        canvas = _paste(digits.x_test[index], scale=3, top=10 + 9 * k, left=105 - 10 * k)
        picture = 255 - canvas if k % 2 else _rgba_strokes(canvas)  # dark-on-white, or a drawing widget's
        probabilities = numpy_rnn.predict_proba(reader, preprocess_digit(picture))[0]
        correct += int(probabilities.argmax() == digits.y_test[index])
    assert correct >= 8, f"only {correct} of 10 pasted digits were recognised"
