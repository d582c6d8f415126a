"""Builds the detector and recogniser of a pack from its manifest's family names."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from faceorganizer.core.models.detection import Detections
from faceorganizer.core.models.manifest import ModelError, ModelPack


class Detector(Protocol):
    """Finds faces with five landmarks."""

    long_side: int

    def detect(self, image: np.ndarray, long_side: int | None = None) -> Detections:
        """Faces in a BGR image."""
        ...


class Embedder(Protocol):
    """Turns aligned crops into unit vectors."""

    dim: int

    def embed(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors and raw norms."""
        ...


def build_detector(
    pack: ModelPack, device: str = "auto", threads: int | None = None, score_threshold: float = 0.8
) -> Detector:
    """The pack's detector, by family."""
    family = pack.detector.family
    if family == "yunet":
        from faceorganizer.core.models.yunet import YuNetDetector

        return YuNetDetector(
            pack.detector, device, threads=threads, score_threshold=score_threshold
        )
    if family == "retinaface":
        from faceorganizer.core.models.retinaface import RetinaFaceDetector

        return RetinaFaceDetector(
            pack.detector, device, threads=threads, score_threshold=score_threshold
        )
    raise ModelError(f"pack {pack.id}: detector family {family!r} is not supported")


def build_embedder(pack: ModelPack, device: str = "auto", threads: int | None = None) -> Embedder:
    """The pack's recogniser, by family."""
    family = pack.recognizer.family
    if family == "sface":
        from faceorganizer.core.models.sface import SFaceEmbedder

        return SFaceEmbedder(pack.recognizer, device, threads=threads)
    raise ModelError(f"pack {pack.id}: recogniser family {family!r} is not supported")


def check_pack(pack: ModelPack) -> None:
    """Raise a clear ModelError when a pack's files are missing or damaged."""
    missing = pack.missing_files()
    problems = [f"{p.name} is missing (run: faceorganizer models fetch)" for p in missing]
    if problems:
        raise ModelError(f"model pack {pack.id}: " + "; ".join(problems))
