"""The detectors' input blob: the same numbers as OpenCV's blobFromImages, without its cost."""

from __future__ import annotations

import cv2
import numpy as np

from faceorganizer.core.models.detection import nchw_blob, padded_input


def test_nchw_blob_equals_opencv_blob_with_and_without_mean() -> None:
    rng = np.random.default_rng(7)
    images = [rng.integers(0, 256, (96, 160, 3), dtype=np.uint8) for _ in range(3)]
    mean = np.asarray([104, 117, 123], np.float32)
    expected = cv2.dnn.blobFromImages(images, 1.0, (160, 96), tuple(float(m) for m in mean))
    got = nchw_blob(images, mean)
    assert got.dtype == np.float32 and got.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(nchw_blob(images[:1]), cv2.dnn.blobFromImage(images[0]))
    # a window cut from a larger image (a view, not contiguous) reads the same
    big = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    window = big[10:106, 20:180]
    expected = cv2.dnn.blobFromImage(np.ascontiguousarray(window), 1.0, (160, 96), (104, 117, 123))
    np.testing.assert_array_equal(nchw_blob([window], mean), expected)


def test_padded_input_pads_only_what_needs_it() -> None:
    image = np.full((960, 1280, 3), 9, np.uint8)
    same, back = padded_input(image, 1280, 32)
    assert same.shape == (960, 1280, 3) and back == 1.0
    odd = np.full((100, 150, 3), 9, np.uint8)
    padded, _ = padded_input(odd, 640, 32)
    assert padded.shape == (128, 160, 3)
    assert (padded[:100, :150] == 9).all() and not padded[100:].any() and not padded[:, 150:].any()
