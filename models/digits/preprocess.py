"""Turn any drawn or photographed digit into an MNIST-style 28x28 image.

MNIST digits were made this way (LeCun et al.): the digit is cropped to its ink, scaled to fit a
20x20 box keeping its aspect ratio (anti-aliased, hence grey edges), then placed in a 28x28 field
so that its centre of mass sits at the centre. White ink on black, values 0-1 after scaling.
``preprocess_digit`` repeats these steps so a network trained on MNIST sees a familiar picture.

NumPy, Pillow and SciPy only (no TensorFlow): the app calls this in its own process.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from models.errors import DataError

FIELD = 28  # output size
BOX = 20  # the digit's longer side after scaling
INK_THRESHOLD = 0.2  # a pixel at least this far from the background is ink
CROP_THRESHOLD = 0.1  # the bounding box holds every pixel with at least this much ink
ALL_INK_FRACTION = 0.9  # more ink than this share of the picture: there is no background to speak of

EMPTY_MESSAGE = "The canvas is empty: draw a digit first."
ALL_INK_MESSAGE = ("The whole image is ink: draw a single digit on a plain background, "
                   "leaving space around it.")


def preprocess_digit(image: np.ndarray) -> np.ndarray:
    """Any grayscale or colour digit image -> float32 [28, 28] in [0, 1], ink bright on black.

    Accepts a 2-D array of any size (uint8 0-255, bool, or floats), an RGB array [H, W, 3], or an
    RGBA canvas array [H, W, 4]. For RGBA with a varying alpha channel (strokes on a transparent
    canvas) the alpha is the ink; otherwise brightness is used, and the picture is inverted when its
    background (the median of its border) is light. Raises DataError for an empty picture or one
    that is all ink.
    """
    ink = ink_map(image)  # [H, W] in [0, 1], 0 = background
    mask = ink >= INK_THRESHOLD
    if not mask.any():
        raise DataError(EMPTY_MESSAGE)
    if mask.mean() > ALL_INK_FRACTION:
        raise DataError(ALL_INK_MESSAGE)
    box = ink >= CROP_THRESHOLD
    rows, columns = np.flatnonzero(box.any(axis=1)), np.flatnonzero(box.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]  # [h, w] bounding box of the ink
    digit = _fit_box(crop)  # [<=20, <=20], longer side 20
    return _centre_by_mass(digit)


def ink_map(image: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds: float64 [H, W] in [0, 1], background 0.

    Raises DataError for arrays that are not pictures and for pictures without contrast: a colour
    picture (a canvas) of one colour, or a dark 2-D one, is empty; a bright 2-D one is all ink (MNIST's
    convention: bright is ink).
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] in (3, 4) and array.shape[0] > 1 and array.shape[1] > 1:
        values = _unit_range(array)
        if array.shape[2] == 4:
            alpha = values[:, :, 3]
            if alpha.max() <= 0.0:
                raise DataError(EMPTY_MESSAGE)  # fully transparent canvas
            if alpha.max() - alpha.min() > 0.0:
                return alpha  # strokes on a transparent canvas: the opacity is the ink
        gray = values[:, :, :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as Pillow's "L"
        if gray.max() - gray.min() < INK_THRESHOLD:
            raise DataError(EMPTY_MESSAGE)  # a colour picture of one colour: a canvas with nothing drawn
    elif array.ndim == 2 and min(array.shape) > 1:
        gray = _unit_range(array)
    else:
        raise DataError(f"A digit picture must be a grayscale or RGB(A) image; got shape {array.shape}.")
    if not np.isfinite(gray).all():
        raise DataError("The picture contains missing or infinite values.")
    if gray.max() - gray.min() < INK_THRESHOLD:
        # No contrast: a blank dark picture is empty; a uniformly bright one is all ink.
        raise DataError(ALL_INK_MESSAGE if gray.mean() >= 0.5 else EMPTY_MESSAGE)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on a light background: make the ink bright as in MNIST
        gray, background = 1.0 - gray, 1.0 - background
    return np.clip((gray - background) / (1.0 - background), 0.0, 1.0)


def _unit_range(array: np.ndarray) -> np.ndarray:
    """Pixel values -> float64 in [0, 1]: integers by 255 (or their type's maximum), bool as 0/1."""
    if array.dtype == bool:
        return array.astype(np.float64)
    values = array.astype(np.float64)
    if np.issubdtype(array.dtype, np.integer):
        top = 255.0 if array.max(initial=0) <= 255 else float(np.iinfo(array.dtype).max)
        return np.clip(values / top, 0.0, 1.0)
    if values.size and np.nanmax(values) > 1.0:  # floats on a 0-255 scale
        values = values / 255.0
    return np.clip(values, 0.0, 1.0)


def _fit_box(crop: np.ndarray) -> np.ndarray:
    """Scale so the longer side is 20 pixels, keeping the aspect ratio (anti-aliased)."""
    height, width = crop.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # Pillow wants (width, height)
    # Lanczos filtering averages many source pixels when shrinking: smooth grey edges like MNIST's.
    resized = Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    digit = np.clip(np.asarray(resized, dtype=np.float64), 0.0, 1.0)
    peak = digit.max()
    return digit / peak if peak > 0 else digit  # strongest stroke = full ink, as in MNIST


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place ``digit`` in a 28x28 field with its centre of mass at the field's centre."""
    height, width = digit.shape
    centre_row, centre_column = ndimage.center_of_mass(digit)
    middle = FIELD / 2  # 14.0: where MNIST's own digits have their centre of mass (measured: 14.0 +- 0.3)
    # Whole-pixel shifts keep the strokes sharp; clipping keeps the whole digit inside the field.
    top = int(np.clip(round(middle - centre_row), 0, FIELD - height))
    left = int(np.clip(round(middle - centre_column), 0, FIELD - width))
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    field[top:top + height, left:left + width] = digit
    return field
