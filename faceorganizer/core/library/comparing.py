"""Same person? Two photos, or two stored faces, judged as ``faceorganizer compare`` judges.

Both answer through :func:`faceorganizer.core.search.compare.compare_faces`, so the window
shows the command line's verdict words and numbers for the same faces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faceorganizer.core.records import FaceRef

# the verdict's words and thresholds, and the one way to read a photo to compare, for the faces
# (``compare``, the window's Compare dialog and find view): re-exported, nothing below them
from faceorganizer.core.search.compare import (
    DIFFERENT,
    DIFFERENT_THRESHOLD,
    compare_faces,
    describe,
    load_photo,
    thresholds,
    thresholds_text,
    verdict,
)
from faceorganizer.core.store.db import Database

if TYPE_CHECKING:
    from faceorganizer.core.photos.decode import DecodedPhoto
    from faceorganizer.core.records import EngineOptions
    from faceorganizer.core.search.compare import PairComparison


__all__ = [
    "DIFFERENT",
    "DIFFERENT_THRESHOLD",
    "FaceComparison",
    "PhotoComparison",
    "compare_faces",
    "compare_photos",
    "compare_stored_faces",
    "describe",
    "load_photo",
    "thresholds",
    "thresholds_text",
    "verdict",
]


@dataclass
class PhotoComparison:
    """Two photos: how many faces each holds, the comparison of their largest faces (none
    when either has no face) and the decoded photos (for pictures of the faces)."""

    paths: tuple[str, str]
    face_counts: tuple[int, int]
    pairs: list[PairComparison]
    photos: tuple[DecodedPhoto, DecodedPhoto]


@dataclass
class FaceComparison:
    """Two stored faces and their comparison."""

    faces: tuple[FaceRef, FaceRef]
    pair: PairComparison


@dataclass(frozen=True)
class _StoredFace:
    embedding: Any
    box: tuple[float, float, float, float]


def compare_photos(
    analyse: Callable[[DecodedPhoto, EngineOptions], list[Any]],
    path_a: str,
    path_b: str,
    options: EngineOptions,
) -> PhotoComparison:
    """Find the faces of two photos (neither is added to the library) and compare the largest
    of each (``DecodeError`` names a photo that cannot be read)."""
    photos = (load_photo(path_a), load_photo(path_b))
    faces_a, faces_b = (analyse(p, options) for p in photos)
    return PhotoComparison(
        (path_a, path_b), (len(faces_a), len(faces_b)), compare_faces(faces_a, faces_b), photos
    )


def compare_stored_faces(db: Database, face_a: int, face_b: int) -> FaceComparison:
    """Compare two faces of the library (``LookupError`` for a face that is gone)."""
    from faceorganizer.core.store.browse import faces_by_id
    from faceorganizer.core.store.faces import FaceRepository

    refs = faces_by_id(db, [face_a, face_b])
    vec = FaceRepository(db).vectors_of([face_a, face_b])
    rows = {int(f): vec.vectors[i] for i, f in enumerate(vec.ids)}
    missing = [f for f in (face_a, face_b) if f not in refs or f not in rows]
    if missing:
        raise LookupError(f"face {missing[0]} is no longer in the library")
    a, b = (_StoredFace(rows[f], refs[f].box) for f in (face_a, face_b))
    pair = compare_faces([a], [b])[0]
    return FaceComparison((refs[face_a], refs[face_b]), pair)
