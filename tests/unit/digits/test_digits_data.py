"""MNIST loading: bundled digits, stratified split, limit, and the full set -> bundled fallback.

Nothing here touches the network: every test that reaches the download replaces it first.
"""

from __future__ import annotations

import hashlib
import io
import urllib.request

import numpy as np
import pytest

from models.digits import data as digits_data
from models.digits.data import (
    BUNDLED_PATH,
    Digits,
    bundled_arrays,
    load_digits,
    stratified_order,
    stratified_split,
)
from models.errors import ConfigError, DataError


def _offline_loader(*args, **kwargs):
    raise OSError("URL fetch failure: [Errno -2] Name or service not known")


def _fake_mnist():
    """A tiny stand-in for Keras' full set (official split shapes, few digits)."""
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    return (x_train, np.arange(60, dtype=np.uint8) % 10), (x_test, np.arange(20, dtype=np.uint8) % 10)


def test_bundled_file_holds_5000_real_digits_500_per_class():
    images, labels = bundled_arrays()
    assert BUNDLED_PATH.name == "mnist-5k.npz"
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and np.bincount(labels).tolist() == [500] * 10
    # Real MNIST digits: dark background, bright ink in the middle, the full 0-255 range.
    assert images.max() == 255 and images[:, 0, :].max() == 0
    assert images[:, 10:18, 10:18].mean() > 5 * images[:, :4, :].mean()


def test_bundled_split_is_stratified_shuffled_and_disjoint():
    digits = load_digits("bundled", seed=7)
    assert digits.source == "bundled"
    assert (digits.n_train, digits.n_test) == (4000, 1000)
    assert np.bincount(digits.y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(digits.y_test, minlength=10).tolist() == [100] * 10
    # The file is sorted by class; the split must not be.
    assert len(set(digits.y_train[:50].tolist())) >= 8
    images, _ = bundled_arrays()
    unique_in_file = len({image.tobytes() for image in images})
    train = {image.tobytes() for image in digits.x_train}
    test = {image.tobytes() for image in digits.x_test}
    assert len(train | test) == unique_in_file  # every digit used ...
    assert len(train & test) <= 5000 - unique_in_file  # ... and none in both parts (bar exact duplicates)


def test_split_depends_on_the_seed_only():
    first, again = load_digits("bundled", seed=1), load_digits("bundled", seed=1)
    other = load_digits("bundled", seed=2)
    assert np.array_equal(first.y_train, again.y_train) and np.array_equal(first.x_test, again.x_test)
    assert not np.array_equal(first.y_train, other.y_train)


def test_limit_takes_a_class_balanced_sample_and_keeps_the_test_set():
    digits = load_digits("bundled", limit=100, seed=3)
    assert digits.n_train == 100 and digits.n_test == 1000
    assert np.bincount(digits.y_train, minlength=10).tolist() == [10] * 10
    assert "100" in digits.note
    with pytest.raises(ConfigError):
        load_digits("bundled", limit=5)


def test_stratified_helpers_on_hand_made_labels():
    labels = np.repeat([0, 1, 2], [30, 60, 10])
    train, test = stratified_split(labels, 0.2, np.random.default_rng(0))
    assert np.bincount(labels[test]).tolist() == [6, 12, 2]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    order = stratified_order(labels, np.random.default_rng(0))
    assert sorted(order.tolist()) == list(range(100))
    assert np.bincount(labels[order[:10]], minlength=3).tolist() == [3, 6, 1]


@pytest.fixture
def no_cache(monkeypatch, tmp_path):
    """The full set's cache points at an empty folder, so every load must reach the download."""
    monkeypatch.setattr(digits_data, "MNIST_CACHE", tmp_path / "datasets" / "mnist.npz")
    return tmp_path / "datasets" / "mnist.npz"


def _served(monkeypatch, payload: bytes) -> dict:
    """Answer the download with ``payload`` and record how it was asked for."""
    seen: dict = {}

    def fake_urlopen(url, timeout=None):
        seen.update(url=url, timeout=timeout)
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return seen


def _fake_mnist_file() -> bytes:
    (x_train, y_train), (x_test, y_test) = _fake_mnist()
    buffer = io.BytesIO()
    np.savez(buffer, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return buffer.getvalue()


def test_auto_falls_back_to_bundled_when_the_download_fails(monkeypatch, no_cache):
    monkeypatch.setattr(urllib.request, "urlopen", _offline_loader)
    digits = load_digits("auto", seed=7)
    assert digits.source == "bundled"
    assert (digits.n_train, digits.n_test) == (4000, 1000)
    assert set(digits.y_train.tolist()) == set(range(10)) == set(digits.y_test.tolist())
    assert "could not be loaded" in digits.note and "bundled" in digits.note
    assert "Name or service not known" in digits.note  # the reason, in one line


def test_full_source_errors_plainly_when_unavailable(monkeypatch, no_cache):
    monkeypatch.setattr(urllib.request, "urlopen", _offline_loader)
    with pytest.raises(DataError, match="Full MNIST could not be loaded"):
        load_digits("keras")


def test_a_download_that_fails_its_checksum_is_refused_and_not_cached(monkeypatch, no_cache):
    _served(monkeypatch, _fake_mnist_file())  # not the published file
    with pytest.raises(DataError, match="checksum"):
        load_digits("keras")
    assert not no_cache.exists() and not no_cache.with_suffix(".part").exists()


def test_bundled_source_never_downloads(monkeypatch, no_cache):
    def forbidden(*args, **kwargs):
        pytest.fail("the bundled source must not reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    assert load_digits("bundled").source == "bundled"


def test_full_set_is_downloaded_once_with_a_short_timeout_and_a_clean_stdout(monkeypatch, capsys,
                                                                              no_cache):
    payload = _fake_mnist_file()
    monkeypatch.setattr(digits_data, "MNIST_SHA256", hashlib.sha256(payload).hexdigest())
    seen = _served(monkeypatch, payload)
    digits = load_digits("auto", limit=20, seed=0)
    assert seen == {"url": digits_data.MNIST_URL, "timeout": digits_data.DOWNLOAD_TIMEOUT}
    assert capsys.readouterr().out == ""
    assert isinstance(digits, Digits) and digits.source == "keras"
    assert (digits.n_train, digits.n_test) == (20, 20)  # the official test set is never cut
    assert np.bincount(digits.y_train, minlength=10).tolist() == [2] * 10
    assert "60,000" not in digits.describe() and "20 training" in digits.describe()
    # The second load reads the verified cache and never reaches the network.
    monkeypatch.setattr(urllib.request, "urlopen", _offline_loader)
    assert load_digits("keras").source == "keras"


def test_unknown_source_is_a_config_error():
    with pytest.raises(ConfigError, match="Source must be one of"):
        load_digits("internet")
