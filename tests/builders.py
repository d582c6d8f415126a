"""Shared test builders: one way to make the records the tests put in a library or a view.

``new_face`` is the engine's product (``NewFace``) with plain values; ``face_ref`` and
``person_item`` are what the library lists (``FaceRef``, ``PersonItem``). A test passes only what
it cares about (its box, its vector, its flags, a quality that matters to a gate, a name).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from faceorganizer.core.records import FaceRef, NewFace, PersonItem

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


def face_ref(
    face_id: int,
    *,
    photo_id: int | None = None,
    path: str | None = None,
    box: Box = (0, 0, 9, 9),
    quality: float = 0.9,
    person_id: int | None = None,
    person_name: str | None = None,
    flags: int = 0,
    taken: str | None = None,
    person_born: str | None = None,
) -> FaceRef:
    """A face as the library lists it; without ``photo_id`` it is alone in a photo of its own id,
    and its path is ``/p/<photo id>.jpg``."""
    photo = face_id if photo_id is None else photo_id
    return FaceRef(
        face_id,
        photo,
        f"/p/{photo}.jpg" if path is None else path,
        box,
        quality,
        person_id,
        person_name,
        flags,
        taken,
        person_born,
    )


def person_item(
    person_id: int,
    name: str | None = None,
    *,
    faces: int = 3,
    photos: int | None = None,
    cover: FaceRef | None = None,
    hidden: bool = False,
    born: str | None = None,
    latest: str | None = None,
) -> PersonItem:
    """A person as the people grid lists it; as many photos as faces unless told."""
    return PersonItem(
        person_id, name, hidden, faces, faces if photos is None else photos, cover, born, latest
    )
