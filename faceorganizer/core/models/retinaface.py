"""RetinaFace MobileNet-0.25: an anchor-based detector whose landmarks align well."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from faceorganizer.core.models.detection import (
    Detections,
    bucket_shape,
    nchw_blob,
    nms,
    on_canvas,
    padded_input,
)
from faceorganizer.core.models.manifest import ModelSpec, RefineSpec
from faceorganizer.core.models.providers import create_session

_STRIDES = (8, 16, 32)
_SIZES = ((16, 32), (64, 128), (256, 512))
_VAR_CENTER, _VAR_SIZE = 0.1, 0.2


class RetinaFaceDetector:
    """Runs RetinaFace on BGR images; priors are built per input size and cached.

    With a ``refine`` entry in the manifest, a cheap pass at a smaller size finds candidates
    and the detection size is run only on windows around them (see ``RefineSpec``).
    """

    def __init__(
        self,
        spec: ModelSpec,
        device: str = "auto",
        *,
        score_threshold: float = 0.8,
        nms_iou: float = 0.4,
        threads: int | None = None,
    ) -> None:
        self.spec = spec
        self.session: Any = create_session(str(spec.runtime_path), device, threads)
        self.long_side = int(spec.extra.get("detect_long_side", 640))
        self.multiple = int(spec.input.get("size_multiple", 32))
        self.mean = np.asarray(spec.input.get("mean", [104, 117, 123]), np.float32)
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        self._input = self.session.get_inputs()[0].name
        self._priors: dict[tuple[int, int], np.ndarray] = {}

    def detect(self, image: np.ndarray, long_side: int | None = None) -> Detections:
        """Faces in a BGR uint8 image, in its pixel coordinates."""
        return self.detect_batch([image], long_side)[0]

    def detect_batch(
        self, images: list[np.ndarray], long_side: int | None = None, max_batch: int = 16
    ) -> list[Detections]:
        """Faces in each image; inputs of one bucket shape run as one batch.

        Every input is padded to ``bucket_shape``, alone or in a batch, so a photo's faces are
        the same either way; a GPU sees few shapes and few calls. With a ``refine`` entry the
        coarse passes run batched and each photo's windows after them.
        """
        side = long_side or self.long_side
        canvases, backs, sizes = [], [], []
        for image in images:
            padded, back = padded_input(image, side, self.multiple)
            canvases.append(on_canvas(padded, bucket_shape(*padded.shape[:2])))
            backs.append(back)
            sizes.append(padded.shape[:2])
        found: list[Detections | None] = [None] * len(images)
        refine = self.spec.refine
        whole = list(range(len(images)))
        if refine is not None:
            whole = self._detect_twice(canvases, sizes, refine, found, max_batch)
        for i, d in zip(
            whole, self._run_many([canvases[i] for i in whole], max_batch), strict=True
        ):
            found[i] = d
        return [d.scaled(back) for d, back in zip(found, backs, strict=True) if d is not None]

    def _detect_twice(
        self,
        canvases: list[np.ndarray],
        sizes: list[tuple[int, int]],
        refine: RefineSpec,
        found: list[Detections | None],
        max_batch: int,
    ) -> list[int]:
        """Faces by a coarse pass, then windows around them, into ``found``.

        Returns the indices that need a whole pass instead (a small photo, whose small faces
        the coarse pass would miss, or faces covering most of it).
        """
        import cv2

        coarse_of: list[int] = []
        smalls = []
        whole = []
        for i, (canvas, (h, w)) in enumerate(zip(canvases, sizes, strict=True)):
            if max(w, h) * refine.coarse_scale < refine.coarse_min_side:
                whole.append(i)
                continue
            # shrunk from the detector's own input, so both passes see the same pixels
            height, width = canvas.shape[:2]
            sw, sh = round(width * refine.coarse_scale), round(height * refine.coarse_scale)
            small = cv2.resize(canvas, (sw, sh), interpolation=cv2.INTER_AREA)
            smalls.append(
                on_canvas(
                    small,
                    (
                        -(-sh // self.multiple) * self.multiple,
                        -(-sw // self.multiple) * self.multiple,
                    ),
                )
            )
            coarse_of.append(i)
        threshold = min(refine.coarse_score, self.score_threshold)
        coarse_all = self._run_many(smalls, max_batch, threshold)
        for i, coarse in zip(coarse_of, coarse_all, strict=True):
            canvas = canvases[i]
            if len(coarse) == 0:
                found[i] = coarse
                continue
            factor = canvas.shape[1] / round(canvas.shape[1] * refine.coarse_scale)
            windows = self._windows(coarse.scaled(factor).boxes, canvas.shape, refine)
            if windows is None:
                whole.append(i)
            else:
                found[i] = self._run_windows(canvas, windows)
        return sorted(whole)

    def _run_many(
        self, images: list[np.ndarray], max_batch: int, threshold: float | None = None
    ) -> list[Detections]:
        """``_run`` on each image (sides a multiple of the stride), one call per shape."""
        score = self.score_threshold if threshold is None else threshold
        out: list[Detections] = [Detections.empty()] * len(images)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, image in enumerate(images):
            groups.setdefault((image.shape[0], image.shape[1]), []).append(i)
        for (height, width), members in groups.items():
            for start in range(0, len(members), max_batch):
                chunk = members[start : start + max_batch]
                blob = nchw_blob([images[i] for i in chunk], self.mean)
                loc, conf, landm = self.session.run(None, {self._input: blob})
                for k, i in enumerate(chunk):
                    out[i] = self._decode(loc[k], conf[k], landm[k], height, width, score)
        return out

    def _run(self, pixels: np.ndarray, x0: int, y0: int, threshold: float) -> Detections:
        """Detections in ``pixels`` (sides a multiple of the stride), offset by (x0, y0)."""
        height, width = pixels.shape[:2]
        blob = nchw_blob([pixels], self.mean)
        loc, conf, landm = self.session.run(None, {self._input: blob})
        return self._decode(loc[0], conf[0], landm[0], height, width, threshold, (x0, y0))

    def _windows(
        self, boxes: np.ndarray, shape: tuple[int, ...], refine: RefineSpec
    ) -> list[tuple[int, int, int, int]] | None:
        """Stride-aligned x0, y0, x1, y1 windows around ``boxes``; None: run it all."""
        height, width = shape[:2]
        m = self.multiple
        rects: list[list[int]] = []
        for x, y, w, h in boxes.tolist():
            half = refine.context * max(w, h) / 2
            cx, cy = x + w / 2, y + h / 2
            rects.append(
                [
                    max(0, math.floor((cx - half) / m) * m),
                    max(0, math.floor((cy - half) / m) * m),
                    min(width, math.ceil((cx + half) / m) * m),
                    min(height, math.ceil((cy + half) / m) * m),
                ]
            )
        rects = _merged(rects)
        area = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects)
        if area > refine.max_area * width * height:
            return None
        return [(r[0], r[1], r[2], r[3]) for r in rects if r[2] > r[0] and r[3] > r[1]]

    def _run_windows(
        self, padded: np.ndarray, windows: list[tuple[int, int, int, int]]
    ) -> Detections:
        """Detections inside each window; faces cut by a window's edge are left out."""
        boxes, marks, scores = [], [], []
        height, width = padded.shape[:2]
        for x0, y0, x1, y1 in windows:
            found = self._run(padded[y0:y1, x0:x1], x0, y0, self.score_threshold)
            b = found.boxes
            # a box may spill past a window's edge only where that edge is the photo's
            slack = 0.1 * b[:, 2:].max(axis=1) if len(b) else np.zeros(0, np.float32)
            inside = (
                ((b[:, 0] >= x0 - slack) | (x0 == 0))
                & ((b[:, 1] >= y0 - slack) | (y0 == 0))
                & ((b[:, 0] + b[:, 2] <= x1 + slack) | (x1 == width))
                & ((b[:, 1] + b[:, 3] <= y1 + slack) | (y1 == height))
            )
            boxes.append(b[inside])
            marks.append(found.landmarks[inside])
            scores.append(found.scores[inside])
        if not windows:
            return Detections.empty()
        b, sc = np.concatenate(boxes), np.concatenate(scores)
        keep = nms(b, sc, self.score_threshold, self.nms_iou)
        return Detections(b[keep], np.concatenate(marks)[keep], sc[keep])

    def _prior(self, height: int, width: int) -> np.ndarray:
        key = (height, width)
        if key not in self._priors:
            parts = []
            for stride, sizes in zip(_STRIDES, _SIZES, strict=True):
                nx, ny = math.ceil(width / stride), math.ceil(height / stride)
                yy, xx = np.mgrid[0:ny, 0:nx]
                cx = (xx.reshape(-1) + 0.5) * stride / width
                cy = (yy.reshape(-1) + 0.5) * stride / height
                for_pos = []
                for size in sizes:
                    for_pos.append(
                        np.stack(
                            [
                                cx,
                                cy,
                                np.full_like(cx, size / width),
                                np.full_like(cy, size / height),
                            ],
                            axis=1,
                        )
                    )
                # anchors are ordered position-major, then size
                parts.append(np.stack(for_pos, axis=1).reshape(-1, 4))
            self._priors[key] = np.concatenate(parts).astype(np.float32)
        return self._priors[key]

    def _decode(
        self,
        loc: np.ndarray,
        conf: np.ndarray,
        landm: np.ndarray,
        height: int,
        width: int,
        threshold: float,
        offset: tuple[int, int] = (0, 0),
    ) -> Detections:
        score = conf[:, 1]
        keep = np.nonzero(score >= threshold)[0]
        if keep.size == 0:
            return Detections.empty()
        pri = self._prior(height, width)[keep]
        loc, landm, score = loc[keep], landm[keep], score[keep]
        centre = pri[:, :2] + loc[:, :2] * _VAR_CENTER * pri[:, 2:]
        size = pri[:, 2:] * np.exp(loc[:, 2:] * _VAR_SIZE)
        scale = np.array([width, height], np.float32)
        shift = np.asarray(offset, np.float32)
        xy = (centre - size / 2) * scale + shift
        boxes = np.concatenate([xy, size * scale], axis=1).astype(np.float32)
        pts = pri[:, None, :2] + landm.reshape(-1, 5, 2) * _VAR_CENTER * pri[:, None, 2:]
        pts = (pts * scale + shift).astype(np.float32)
        idx = nms(boxes, score.astype(np.float32), threshold, self.nms_iou)
        return Detections(boxes[idx], pts[idx], score[idx].astype(np.float32))


def _merged(rects: list[list[int]]) -> list[list[int]]:
    """Overlapping rectangles replaced by their bounding rectangle, until none overlap.

    A face near a window's edge is then always inside one window, never cut by two.
    """
    out = [list(r) for r in rects]
    merged = True
    while merged:
        merged = False
        pairs = [(i, j) for i in range(len(out)) for j in range(i + 1, len(out))]
        for i, j in pairs:
            a, b = out[i], out[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                out[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                del out[j]
                merged = True
                break
    return out
