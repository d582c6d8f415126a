"""RetinaFace MobileNet-0.25: an anchor-based detector whose landmarks align well."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from faceorganizer.core.models.detection import Detections, nms, padded_input
from faceorganizer.core.models.manifest import ModelSpec
from faceorganizer.core.models.providers import create_session

_STRIDES = (8, 16, 32)
_SIZES = ((16, 32), (64, 128), (256, 512))
_VAR_CENTER, _VAR_SIZE = 0.1, 0.2


class RetinaFaceDetector:
    """Runs RetinaFace on BGR images; priors are built per input size and cached."""

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
        padded, back = padded_input(image, long_side or self.long_side, self.multiple)
        import cv2

        # HWC uint8 -> NCHW float32 minus the mean, in one C++ pass
        mean = [float(m) for m in self.mean]
        blob = cv2.dnn.blobFromImage(padded, 1.0, (padded.shape[1], padded.shape[0]), mean)
        boxes, scores, pts = self.session.run(None, {self._input: blob})
        return self._decode(boxes[0], scores[0], pts[0], *padded.shape[:2]).scaled(back)

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
        self, loc: np.ndarray, conf: np.ndarray, landm: np.ndarray, height: int, width: int
    ) -> Detections:
        score = conf[:, 1]
        keep = np.nonzero(score >= self.score_threshold)[0]
        if keep.size == 0:
            return Detections.empty()
        pri = self._prior(height, width)[keep]
        loc, landm, score = loc[keep], landm[keep], score[keep]
        centre = pri[:, :2] + loc[:, :2] * _VAR_CENTER * pri[:, 2:]
        size = pri[:, 2:] * np.exp(loc[:, 2:] * _VAR_SIZE)
        scale = np.array([width, height], np.float32)
        xy = (centre - size / 2) * scale
        boxes = np.concatenate([xy, size * scale], axis=1).astype(np.float32)
        pts = pri[:, None, :2] + landm.reshape(-1, 5, 2) * _VAR_CENTER * pri[:, None, 2:]
        pts = (pts * scale).astype(np.float32)
        idx = nms(boxes, score.astype(np.float32), self.score_threshold, self.nms_iou)
        return Detections(boxes[idx], pts[idx], score[idx].astype(np.float32))
