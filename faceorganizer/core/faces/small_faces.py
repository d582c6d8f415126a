"""A second look for small faces in large photos: the faces a reduced image hides.

The pack's detector looks at a photo reduced to 640 px on its long side (RetinaFace then only
near what a half-size pass found), so a 110–200 px face in a 4000×3000 class photo is 18–32 px
there and is never seen (0 of 60 in docs/detection.md). A photo the detector saw reduced gets a
second look: YuNet, a detector trained for small faces that costs about half of RetinaFace per
pixel, runs once on the decoded photo at up to ``long_side`` px; each face it finds that the
first pass did not is then confirmed by the pack's own detector on a window around it,
enlarged so the face is ``face_px`` wide. Only faces both detectors agree on are added, with
the pack detector's box and landmarks (so alignment, and the vectors, are the pack's own).

The manifest names this (``small_faces`` in the detector entry): which pack's detector finds,
at what size and score; a pack without it has no second look.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from faceorganizer.core.models.detection import Detections, nms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmallFaceSpec:
    """The ``small_faces`` entry of a detector's manifest."""

    finder_pack: str
    long_side: int = 1280
    min_long_side: int = 1280  # photos decoded no larger are left to the first pass
    finder_score: float = 0.6
    face_px: int = 64
    context: float = 3.0

    @staticmethod
    def from_manifest(raw: dict[str, Any] | None) -> SmallFaceSpec | None:
        """The spec, or None when the manifest has no ``small_faces`` entry."""
        if not raw:
            return None
        spec = SmallFaceSpec(
            finder_pack=str(raw["finder_pack"]),
            long_side=int(raw.get("long_side", 1280)),
            min_long_side=int(raw.get("min_long_side", 1280)),
            finder_score=float(raw.get("finder_score", 0.6)),
            face_px=int(raw.get("face_px", 64)),
            context=float(raw.get("context", 3.0)),
        )
        if not (spec.long_side >= 320 and 0 < spec.finder_score <= 1 and spec.face_px >= 16):
            raise ValueError("small_faces needs long_side >= 320, 0 < finder_score <= 1")
        return spec


class SmallFaceFinder:
    """Adds the small faces of a large photo that a reduced first pass missed."""

    def __init__(self, spec: SmallFaceSpec, finder: Any, confirmer: Any) -> None:
        self.spec = spec
        self.finder = finder  # a detector with detect(image, long_side)
        self.confirmer = confirmer  # the pack's detector (detect_batch or detect)

    def look(self, image: np.ndarray) -> np.ndarray:
        """``image`` reduced to the finder's ``long_side`` (itself if no larger).

        Bilinear, not the detectors' area averaging: 3 ms against 20 for a 2000×1500 photo
        (one core), and the finder only has to find; the pack's detector measures on windows
        of the decoded photo.
        """
        return reduced(image, self.spec.long_side)

    def add(self, image: np.ndarray, first: Detections) -> tuple[Detections, Detections]:
        """``first`` plus the faces both detectors find that ``first`` lacks, and every face
        the finder saw (its weak ones too: ``agreement`` reads them)."""
        h, w = image.shape[:2]
        small = self.look(image)
        seen = self.finder.detect(small, max(small.shape[:2])).scaled(
            max(h, w) / max(small.shape[:2])
        )
        sure = seen.scores >= self.spec.finder_score
        fresh = _not_in(seen.boxes, first.boxes) & sure
        if not fresh.any():
            return first, seen
        windows, placed = self._windows(image, seen.boxes[fresh])
        found = self._confirm(windows, placed, seen.boxes[fresh])
        if len(found) == 0:
            return first, seen
        boxes = np.concatenate([first.boxes, found.boxes])
        marks = np.concatenate([first.landmarks, found.landmarks])
        scores = np.concatenate([first.scores, found.scores])
        keep = nms(boxes, scores, 0.0, 0.4)
        return Detections(boxes[keep], marks[keep], scores[keep]), seen

    def agreement(
        self, image: np.ndarray, boxes: np.ndarray, seen: Detections | None = None
    ) -> np.ndarray:
        """For each face box, the finder's best score for a face there (0: none).

        A face the finder's whole look (``seen``) already found there takes that score; the
        others are looked at alone, in a window where the face is ``face_px`` wide.
        """
        out = np.zeros(len(boxes), np.float32)
        if len(boxes) == 0:
            return out
        if seen is not None and len(seen):
            overlap = _iou(boxes, seen.boxes)
            near = overlap >= 0.3
            out = np.where(near, seen.scores[None, :], 0.0).max(axis=1).astype(np.float32)
        todo = np.nonzero(out < self.spec.finder_score)[0]
        if len(todo) == 0:
            return out
        windows, placed = self._windows(image, boxes[todo])
        side = windows[0].shape[0] if windows else 0
        for i, win, (x0, y0, k), target in zip(todo, windows, placed, boxes[todo], strict=True):
            d = self.finder.detect(win, side)
            if len(d) == 0:
                continue
            b = d.boxes / k + np.array([x0, y0, 0, 0], np.float32)
            overlap = _iou(target[None, :], b)[0]
            near_w = overlap >= 0.3
            if near_w.any():
                out[i] = max(out[i], float(d.scores[near_w].max()))
        return out

    def _windows(
        self, image: np.ndarray, boxes: np.ndarray
    ) -> tuple[list[np.ndarray], list[tuple[float, float, float]]]:
        """Square windows ``context`` faces wide around ``boxes``, scaled so a face is
        ``face_px``: pixels, and (x0, y0, scale) to map their detections back."""
        import cv2

        h, w = image.shape[:2]
        out_side = round(self.spec.face_px * self.spec.context / 32) * 32
        windows, placed = [], []
        for x, y, bw, bh in boxes.tolist():
            side = self.spec.context * max(bw, bh)
            x0, y0 = round(x + bw / 2 - side / 2), round(y + bh / 2 - side / 2)
            s = max(1, round(side))
            # a window past the photo's edge is padded black, as the detector pads its input
            crop = np.zeros((s, s, 3), np.uint8)
            sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + s), min(h, y0 + s)
            if sx1 > sx0 and sy1 > sy0:
                crop[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
            k = out_side / s
            interp = cv2.INTER_CUBIC if k > 1 else cv2.INTER_AREA
            windows.append(cv2.resize(crop, (out_side, out_side), interpolation=interp))
            placed.append((float(x0), float(y0), k))
        return windows, placed

    def _confirm(
        self,
        windows: list[np.ndarray],
        placed: list[tuple[float, float, float]],
        wanted: np.ndarray,
    ) -> Detections:
        """The confirmer's face in each window that overlaps the finder's, in photo pixels."""
        if not windows:
            return Detections.empty()
        side = windows[0].shape[0]
        batch = getattr(self.confirmer, "detect_batch", None)
        if batch is not None:
            results = batch(windows, side)
        else:
            results = [self.confirmer.detect(win, side) for win in windows]
        boxes, marks, scores = [], [], []
        for (x0, y0, k), d, target in zip(placed, results, wanted, strict=True):
            if len(d) == 0:
                continue
            b = d.boxes / k + np.array([x0, y0, 0, 0], np.float32)
            overlap = _iou(target[None, :], b)[0]
            j = int(overlap.argmax())
            if overlap[j] < 0.3:
                continue
            boxes.append(b[j])
            marks.append(d.landmarks[j] / k + np.array([x0, y0], np.float32))
            scores.append(d.scores[j])
        if not boxes:
            return Detections.empty()
        return Detections(
            np.asarray(boxes, np.float32),
            np.asarray(marks, np.float32),
            np.asarray(scores, np.float32),
        )


def reduced(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` reduced bilinearly to ``long_side`` px on its long side (itself if no larger)."""
    import cv2

    h, w = image.shape[:2]
    k = min(1.0, long_side / max(h, w))
    if k >= 1.0:
        return image
    return cv2.resize(image, (round(w * k), round(h * k)), interpolation=cv2.INTER_LINEAR)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of x, y, w, h boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    ax2, ay2 = a[:, 0:1] + a[:, 2:3], a[:, 1:2] + a[:, 3:4]
    bx2, by2 = b[None, :, 0] + b[None, :, 2], b[None, :, 1] + b[None, :, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(a[:, 0:1], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(a[:, 1:2], b[None, :, 1]), 0, None)
    inter = iw * ih
    union = a[:, 2:3] * a[:, 3:4] + b[None, :, 2] * b[None, :, 3] - inter
    return np.asarray(inter / np.maximum(union, 1e-6), np.float32)


def _not_in(candidates: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which candidate boxes neither overlap a known box nor have their centre inside one."""
    if len(candidates) == 0:
        return np.zeros(0, bool)
    if len(known) == 0:
        return np.ones(len(candidates), bool)
    cx = candidates[:, 0] + candidates[:, 2] / 2
    cy = candidates[:, 1] + candidates[:, 3] / 2
    inside = (
        (cx[:, None] >= known[None, :, 0])
        & (cx[:, None] <= known[None, :, 0] + known[None, :, 2])
        & (cy[:, None] >= known[None, :, 1])
        & (cy[:, None] <= known[None, :, 1] + known[None, :, 3])
    ).any(axis=1)
    return ~inside & (_iou(candidates, known).max(axis=1) < 0.3)
