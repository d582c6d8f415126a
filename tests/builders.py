"""Shared test builders: one way to make the records the tests put in a library.

``new_face`` is the engine's product (``NewFace``) with plain values; a test passes only what it
cares about (its box, its vector, its flags, a quality that matters to a gate).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from faceorganizer.core.records import NewFace

Box = tuple[float, float, float, float]


def unit(v: Any) -> np.ndarray:
    """``v`` scaled to length 1, as float32 (how the engine stores embeddings)."""
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def random_unit(seed: int = 0, dim: int = 128) -> np.ndarray:
    """A random unit vector, the same for the same seed."""
    return unit(np.random.default_rng(seed).normal(size=dim).astype(np.float32))


def flat_unit(dim: int = 8) -> np.ndarray:
    """The unit vector with all components equal: every face that has it is the same person."""
    return np.ones(dim, np.float32) / np.sqrt(dim)


def new_face(
    embedding: np.ndarray | None = None,
    *,
    box: Box = (10, 10, 50, 50),
    landmarks: list[list[float]] | None = None,
    det_score: float = 0.9,
    quality: float = 0.9,
    size_px: float = 50,
    blur: float = 100,
    yaw: float = 0.0,
    norm: float = 20,
    flags: int = 0,
    seed: int = 0,
    dim: int = 128,
) -> NewFace:
    """A detected face; without ``embedding``, a random unit vector of ``dim`` from ``seed``."""
    return NewFace(
        box=box,
        landmarks=[[0.0, 0.0]] * 5 if landmarks is None else landmarks,
        det_score=det_score,
        quality=quality,
        size_px=size_px,
        blur=blur,
        yaw=yaw,
        norm=norm,
        flags=flags,
        embedding=random_unit(seed, dim) if embedding is None else embedding,
    )
