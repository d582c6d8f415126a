"""EXIF orientation: how the stored pixels turn into the displayed photo: pixels, points, boxes.

The one place that knows the eight orientations' geometry. Photo metadata (regions drawn in
either frame) and the face engine (a region cropped and stood upright) both use it, which is why
it lives here, below both, rather than in ``core.metadata``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Box = tuple[float, float, float, float]

# the orientation that undoes each one (5 and 7 are their own inverse; 6 and 8 undo each other)
INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


def map_point(u: float, v: float, orientation: int) -> tuple[float, float]:
    """A normalised point of the stored image -> the displayed image (EXIF orientation)."""
    return {
        1: (u, v),
        2: (1 - u, v),
        3: (1 - u, 1 - v),
        4: (u, 1 - v),
        5: (v, u),
        6: (1 - v, u),
        7: (1 - v, 1 - u),
        8: (v, 1 - u),
    }.get(orientation, (u, v))


def _map_box(box: Box, orientation: int) -> Box:
    x, y, w, h = box
    (ax, ay), (bx, by) = map_point(x, y, orientation), map_point(x + w, y + h, orientation)
    return (min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay))


def stored_to_displayed(box: Box, orientation: int) -> Box:
    """A normalised box of the stored pixels in the displayed (EXIF-rotated) frame."""
    return _map_box(box, orientation if orientation in INVERSE else 1)


def displayed_to_stored(box: Box, orientation: int) -> Box:
    """A normalised box of the displayed frame in the stored pixels' frame."""
    return _map_box(box, INVERSE.get(orientation, 1))


def orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels as shown under an EXIF orientation (the same result as Pillow's exif_transpose).

    The one pixel turn: the decoder stands each photo upright with it, and a region drawn on a
    sideways face is stood upright with it before the detector looks again.

    OpenCV's flip/rotate/transpose for 8-bit images (a 12-megapixel photo turned in ~4 ms,
    where a numpy copy of a rotated view takes ~18 ms); numpy otherwise.
    """
    if orientation in _CV_TURNS and arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] <= 4:
        import cv2

        out = arr
        for step in _CV_TURNS[orientation]:
            out = step(cv2, out)
        return np.ascontiguousarray(out)
    if orientation == 2:
        arr = arr[:, ::-1]
    elif orientation == 3:
        arr = arr[::-1, ::-1]
    elif orientation == 4:
        arr = arr[::-1]
    elif orientation == 5:
        arr = arr.transpose(1, 0, 2)
    elif orientation == 6:
        arr = np.rot90(arr, -1)
    elif orientation == 7:
        arr = arr[::-1, ::-1].transpose(1, 0, 2)
    elif orientation == 8:
        arr = np.rot90(arr, 1)
    return np.ascontiguousarray(arr)


_CV_TURNS: dict[int, tuple[Any, ...]] = {
    2: (lambda cv2, a: cv2.flip(a, 1),),
    3: (lambda cv2, a: cv2.rotate(a, cv2.ROTATE_180),),
    4: (lambda cv2, a: cv2.flip(a, 0),),
    5: (lambda cv2, a: cv2.transpose(a),),
    6: (lambda cv2, a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),),
    7: (lambda cv2, a: cv2.rotate(a, cv2.ROTATE_180), lambda cv2, a: cv2.transpose(a)),
    8: (lambda cv2, a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),),
}
