"""How trustworthy a face is for grouping: size, sharpness, pose, detector score, vector norm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceorganizer.core.records import FLAG_BLURRY, FLAG_TOO_SMALL, FLAG_TURNED

MIN_RECOGNISABLE_PX = 24.0  # below this (shorter box side, original pixels) a face is flagged


@dataclass(frozen=True)
class FaceQuality:
    """Per-face measures; ``score`` in [0, 1] combines them (1 = ideal)."""

    size_px: np.ndarray
    blur: np.ndarray
    yaw: np.ndarray
    score: np.ndarray
    flags: np.ndarray


def blur_measure(crops: np.ndarray) -> np.ndarray:
    """Variance of the Laplacian of each aligned crop's centre (higher is sharper)."""
    import cv2

    out = np.zeros(len(crops), np.float32)
    for i, crop in enumerate(crops):
        gray = cv2.cvtColor(crop[16:96, 16:96], cv2.COLOR_BGR2GRAY)
        out[i] = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    return out


def yaw_measure(landmarks: np.ndarray) -> np.ndarray:
    """How far the nose sits from the eyes' midline, as a fraction of eye distance (0 = frontal)."""
    if len(landmarks) == 0:
        return np.zeros(0, np.float32)
    re, le, nose = landmarks[:, 0], landmarks[:, 1], landmarks[:, 2]
    eye_vec = le - re
    dist = np.maximum(np.linalg.norm(eye_vec, axis=1), 1e-6)
    unit = eye_vec / dist[:, None]
    mid = (re + le) / 2
    offset = np.abs(((nose - mid) * unit).sum(axis=1)) / dist
    return offset.astype(np.float32)


def assess(
    boxes: np.ndarray, landmarks: np.ndarray, crops: np.ndarray, det_scores: np.ndarray
) -> FaceQuality:
    """Quality of each face of one photo (boxes and landmarks in original pixels)."""
    size = np.minimum(boxes[:, 2], boxes[:, 3]).astype(np.float32) if len(boxes) else np.zeros(0)
    blur = blur_measure(crops)
    yaw = yaw_measure(landmarks)
    s_size = np.clip((size - 16.0) / (64.0 - 16.0), 0, 1)
    s_blur = np.clip(blur / 100.0, 0, 1)
    s_pose = np.clip(1.0 - yaw / 0.5, 0, 1)
    s_det = np.clip((det_scores - 0.5) / 0.5, 0, 1)
    score = (s_size * s_blur * s_pose * s_det) ** 0.25 if len(size) else np.zeros(0)
    flags = (
        (size < MIN_RECOGNISABLE_PX) * FLAG_TOO_SMALL
        + (blur < 15.0) * FLAG_BLURRY
        + (yaw > 0.35) * FLAG_TURNED
    )
    return FaceQuality(
        size_px=size.astype(np.float32),
        blur=blur,
        yaw=yaw,
        score=np.asarray(score, np.float32),
        flags=np.asarray(flags, np.int64),
    )
