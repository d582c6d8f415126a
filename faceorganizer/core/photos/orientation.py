"""EXIF orientation: how the stored pixels turn into the displayed photo, for points and boxes.

The one place that knows the eight orientations' geometry. Photo metadata (regions drawn in
either frame) and the face engine (a region cropped and stood upright) both use it, which is why
it lives here, below both, rather than in ``core.metadata``.
"""

from __future__ import annotations

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
