"""The doubtful check shows the second detector only the faces it can flag."""

from __future__ import annotations

import numpy as np

from faceorganizer.core.faces.pipeline import SURE_SCORE, FaceEngine
from faceorganizer.core.models.detection import Detections
from faceorganizer.core.photos.decode import DecodedPhoto
from faceorganizer.core.records import FLAG_DOUBTFUL


class _Finder:
    """Records the boxes it is asked about; the second detector agrees with none."""

    def __init__(self) -> None:
        self.asked: list[np.ndarray] = []

    def agreement(
        self, image: np.ndarray, boxes: np.ndarray, seen: Detections | None = None
    ) -> np.ndarray:
        self.asked.append(boxes.copy())
        return np.zeros(len(boxes), np.float32)


def _found(scores: list[float]) -> Detections:
    boxes, marks = [], []
    for i in range(len(scores)):
        x, y, side = 20 + 120 * i, 40, 100 - 10 * i  # largest first, as _prepare sorts
        boxes.append([x, y, side, side])
        marks.append(
            [
                [x + 30, y + 40],
                [x + 70, y + 40],
                [x + 50, y + 60],
                [x + 35, y + 80],
                [x + 65, y + 80],
            ]
        )
    return Detections(
        np.asarray(boxes, np.float32), np.asarray(marks, np.float32), np.asarray(scores, np.float32)
    )


def test_only_unsure_faces_are_shown_to_the_second_detector() -> None:
    engine = FaceEngine.__new__(FaceEngine)  # no models: only _prepare's bookkeeping runs
    finder = _Finder()
    engine.small_faces = finder  # type: ignore[assignment]
    engine.timings = None
    photo = DecodedPhoto(np.zeros((300, 600, 3), np.uint8), 600, 300, 1.0, 1, None, "jpeg")
    found = _found([0.99, 0.7, SURE_SCORE, 0.9])
    _, boxes, _, scores, quality = engine._prepare(photo, found)
    assert quality is not None
    assert len(finder.asked) == 1
    np.testing.assert_array_equal(finder.asked[0], boxes[scores < SURE_SCORE])
    # the flags are those of asking about every face: only unsure ones can be doubtful
    assert ((quality.flags & FLAG_DOUBTFUL) > 0).tolist() == (scores < SURE_SCORE).tolist()


def test_a_photo_of_sure_faces_asks_nothing() -> None:
    engine = FaceEngine.__new__(FaceEngine)
    finder = _Finder()
    engine.small_faces = finder  # type: ignore[assignment]
    engine.timings = None
    photo = DecodedPhoto(np.zeros((300, 600, 3), np.uint8), 600, 300, 1.0, 1, None, "jpeg")
    _, _, _, _, quality = engine._prepare(photo, _found([0.99, 0.97]))
    assert quality is not None
    assert finder.asked == []
    assert not (quality.flags & FLAG_DOUBTFUL).any()
