"""Pixels to faces: detect, align, assess, embed — one photo at a time, crops in batches."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from faceorganizer.core.faces.align import align_faces
from faceorganizer.core.faces.quality import assess
from faceorganizer.core.models.manifest import ModelPack, load_pack
from faceorganizer.core.models.registry import (
    Detector,
    Embedder,
    build_detector,
    build_embedder,
    check_pack,
)
from faceorganizer.core.photos.decode import DecodedPhoto
from faceorganizer.core.store.faces import NewFace

log = logging.getLogger(__name__)

DEFAULT_DETECT_SCORE = 0.6
RETRY_LONG_SIDE = 1280  # a photo with no face at the default size is tried once larger


@dataclass
class EngineOptions:
    """How faces are found; defaults are the measured ones (see README)."""

    pack_id: str | None = None
    device: str = "auto"
    detect_score: float = DEFAULT_DETECT_SCORE
    threads: int | None = None


class FaceEngine:
    """A loaded model pack that turns decoded photos into faces with vectors."""

    def __init__(self, options: EngineOptions | None = None) -> None:
        self.options = options or EngineOptions()
        self.pack: ModelPack = load_pack(self.options.pack_id)
        check_pack(self.pack)
        self.detector: Detector = build_detector(
            self.pack, self.options.device, self.options.threads, self.options.detect_score
        )
        self.embedder: Embedder = build_embedder(
            self.pack, self.options.device, self.options.threads
        )

    @property
    def device(self) -> str:
        """Where inference runs: cuda or cpu."""
        from faceorganizer.core.models.providers import active_device

        return str(active_device(getattr(self.detector, "session", None) or _Cpu()))

    def analyse(self, photo: DecodedPhoto) -> list[NewFace]:
        """Every face of a photo, largest first, in full-resolution displayed coordinates."""
        pixels = photo.pixels
        found = self.detector.detect(pixels)
        if len(found) == 0 and max(pixels.shape[:2]) > self.detector.long_side:
            found = self.detector.detect(pixels, min(RETRY_LONG_SIDE, max(pixels.shape[:2])))
        if len(found) == 0:
            return []
        order = np.argsort(-(found.boxes[:, 2] * found.boxes[:, 3]), kind="stable")
        boxes_w, marks_w, scores = found.boxes[order], found.landmarks[order], found.scores[order]
        crops = align_faces(pixels, marks_w)
        boxes = boxes_w * photo.scale
        marks = marks_w * photo.scale
        quality = assess(boxes, marks, crops, scores)
        vectors, norms = self.embedder.embed(crops)
        faces = []
        for i in range(len(scores)):
            x, y, w, h = (float(v) for v in boxes[i])
            faces.append(
                NewFace(
                    box=(x, y, w, h),
                    landmarks=[[round(float(a), 2), round(float(b), 2)] for a, b in marks[i]],
                    det_score=float(scores[i]),
                    quality=float(quality.score[i]),
                    size_px=float(quality.size_px[i]),
                    blur=float(quality.blur[i]),
                    yaw=float(quality.yaw[i]),
                    norm=float(norms[i]),
                    flags=int(quality.flags[i]),
                    embedding=vectors[i],
                )
            )
        return faces


class _Cpu:
    def get_providers(self) -> list[str]:
        return ["CPUExecutionProvider"]
