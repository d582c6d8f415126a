"""Which photos get the second look: one decoded larger than the look's size, and only while
the look is on. The pack's detector sees the decoded photo itself (showing it the look's
bilinear reduction moved the vectors: docs/detection.md)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.small_faces import SmallFaceSpec


class _Finder:
    """Records the photos it was asked to look at."""

    def __init__(self) -> None:
        self.spec = SmallFaceSpec(finder_pack="yunet-sface")
        self.looked: list[tuple[int, ...]] = []

    def add(self, image: np.ndarray, first: Any) -> tuple[Any, Any]:
        self.looked.append(image.shape)
        return first, "seen"


def _engine(finder: _Finder | None) -> FaceEngine:
    engine = FaceEngine.__new__(FaceEngine)  # no models: only the choice of photos runs
    engine.detector = SimpleNamespace(long_side=640)  # type: ignore[assignment]
    engine.small_faces = finder  # type: ignore[assignment]
    return engine


def test_a_large_photo_gets_the_second_look() -> None:
    finder = _Finder()
    photo = np.zeros((1500, 2000, 3), np.uint8)
    found, seen = _engine(finder)._second_look(photo, "first")  # type: ignore[arg-type]
    assert (found, seen) == ("first", "seen")
    assert finder.looked == [photo.shape]  # the decoded photo; the finder reduces it itself


def test_an_ordinary_photo_gets_none() -> None:
    finder = _Finder()
    photo = np.zeros((960, 1280, 3), np.uint8)
    assert _engine(finder)._second_look(photo, "first") == ("first", None)  # type: ignore[arg-type]
    assert finder.looked == []


def test_no_look_when_it_is_off() -> None:
    photo = np.zeros((1500, 2000, 3), np.uint8)
    assert _engine(None)._second_look(photo, "first") == ("first", None)  # type: ignore[arg-type]
