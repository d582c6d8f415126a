"""YuNet (OpenCV Zoo, 2023mar): a small anchor-free face detector with five landmarks."""

from __future__ import annotations

from typing import Any

import numpy as np

from faceorganizer.core.models.detection import Detections, nchw_blob, nms, padded_input
from faceorganizer.core.models.manifest import ModelSpec
from faceorganizer.core.models.providers import create_session

_STRIDES = (8, 16, 32)


class YuNetDetector:
    """Runs YuNet on BGR images of any size and decodes its three stride heads with numpy."""

    def __init__(
        self,
        spec: ModelSpec,
        device: str = "auto",
        *,
        score_threshold: float = 0.8,
        nms_iou: float = 0.3,
        threads: int | None = None,
    ) -> None:
        self.spec = spec
        self.session: Any = create_session(str(spec.runtime_path), device, threads)
        self.dynamic = spec.runtime_path != spec.path
        self.long_side = int(spec.extra.get("detect_long_side", 640))
        self.multiple = int(spec.input.get("size_multiple", 32))
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        self._names = [o.name for o in self.session.get_outputs()]
        self._grids: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def detect(self, image: np.ndarray, long_side: int | None = None) -> Detections:
        """Faces in a BGR uint8 image, in its pixel coordinates."""
        side = long_side or self.long_side
        if not self.dynamic:
            side = 640  # the shipped file is fixed at 640×640
        padded, back = padded_input(image, side, self.multiple)
        if not self.dynamic:
            canvas = np.zeros((640, 640, 3), np.uint8)
            canvas[: padded.shape[0], : padded.shape[1]] = padded[:640, :640]
            padded = canvas
        blob = nchw_blob([padded])
        outputs = dict(zip(self._names, self.session.run(None, {"input": blob}), strict=True))
        return self._decode(outputs, padded.shape[0], padded.shape[1]).scaled(back)

    def _grid(self, stride: int, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        key = (stride, rows, cols)
        if key not in self._grids:
            r, c = np.mgrid[0:rows, 0:cols]
            self._grids[key] = (c.reshape(-1).astype(np.float32), r.reshape(-1).astype(np.float32))
        return self._grids[key]

    def _decode(self, out: dict[str, np.ndarray], height: int, width: int) -> Detections:
        boxes, scores, marks = [], [], []
        for s in _STRIDES:
            cols, rows = width // s, height // s
            cls = np.clip(out[f"cls_{s}"][0, :, 0], 0, 1)
            obj = np.clip(out[f"obj_{s}"][0, :, 0], 0, 1)
            score = np.sqrt(cls * obj)
            keep = np.nonzero(score >= self.score_threshold)[0]
            if keep.size == 0:
                continue
            gx, gy = self._grid(s, rows, cols)
            gx, gy = gx[keep], gy[keep]
            bb = out[f"bbox_{s}"][0, keep]
            cx, cy = (gx + bb[:, 0]) * s, (gy + bb[:, 1]) * s
            w, h = np.exp(bb[:, 2]) * s, np.exp(bb[:, 3]) * s
            boxes.append(np.stack([cx - w / 2, cy - h / 2, w, h], axis=1))
            kp = out[f"kps_{s}"][0, keep].reshape(-1, 5, 2)
            kp = (kp + np.stack([gx, gy], axis=1)[:, None, :]) * s
            marks.append(kp)
            scores.append(score[keep])
        if not scores:
            return Detections.empty()
        b = np.concatenate(boxes).astype(np.float32)
        sc = np.concatenate(scores).astype(np.float32)
        lm = np.concatenate(marks).astype(np.float32)
        keep_idx = nms(b, sc, self.score_threshold, self.nms_iou)
        return Detections(b[keep_idx], lm[keep_idx], sc[keep_idx])
