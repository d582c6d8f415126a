"""The plain records the engine, the store, the use cases and the faces share.

This module is the bottom of the app: it imports nothing else of it, so the window and the
command line may hold these records (a face, a person, what changed) without reaching below
``core.library`` (the import contracts in pyproject.toml; docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Bits of ``faces.flags``: why a face is a poor witness of who it shows (set by the scan's
# quality step, read by grouping, the window and the command line).
FLAG_TOO_SMALL = 1
FLAG_BLURRY = 2
FLAG_TURNED = 4
FLAG_FROM_METADATA = 8  # a region another tool drew, not found by our detector
FLAG_BOX_ALIGNED = 16  # no landmarks found in the region: aligned by its box (a weak vector)
FLAG_MANUAL = 32  # a box the user drew by hand around a face the detector missed
# the second detector sees no face there (a patterned dress, a dog): kept and shown in
# ``faces --json``, but left out of grouping, the Unsorted page and suggestions unless asked
FLAG_DOUBTFUL = 64
FLAG_NAMES = (
    (FLAG_TOO_SMALL, "too_small"),
    (FLAG_BLURRY, "blurry"),
    (FLAG_TURNED, "turned"),
    (FLAG_FROM_METADATA, "from_metadata"),
    (FLAG_BOX_ALIGNED, "box_aligned"),
    (FLAG_MANUAL, "manual"),
    (FLAG_DOUBTFUL, "doubtful"),
)

DEFAULT_DETECT_SCORE = 0.6  # the detector's default score threshold (README, *Scanning*)


def origin_text(flags: int) -> str | None:
    """Where a face came from when not from our detector, in the user's words; else None."""
    if flags & FLAG_MANUAL:
        return "drawn by hand"
    if flags & FLAG_FROM_METADATA:
        return "from the file"
    return None


@dataclass(frozen=True)
class NewFace:
    """A face as the pipeline produced it, before it has an id."""

    box: tuple[float, float, float, float]
    landmarks: list[list[float]]
    det_score: float
    quality: float
    size_px: float
    blur: float
    yaw: float
    norm: float
    flags: int
    embedding: np.ndarray


@dataclass(frozen=True, slots=True)  # slots: 20,000 of each are held by the People view
class FaceRef:
    """A face and where to find its pixels."""

    id: int
    photo_id: int
    path: str
    box: tuple[float, float, float, float]
    quality: float
    person_id: int | None = None
    person_name: str | None = None
    flags: int = 0  # FLAG_*: where the face came from, how good it is
    taken: str | None = None  # when its photo was taken, ISO 8601 (core/metadata/dates.py)
    person_born: str | None = None  # its person's birth date, YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class PersonItem:
    """One row of the people grid."""

    id: int
    name: str | None
    hidden: bool
    face_count: int
    photo_count: int
    cover: FaceRef | None = None
    born: str | None = None
    latest: str | None = None  # when the most recent photo of them was taken

    @property
    def label(self) -> str:
        """The name, or "Unnamed"."""
        return self.name or "Unnamed"


@dataclass
class Changes:
    """The people and faces an operation touched, so views refresh only that and undo knows
    what to restore."""

    label: str = ""
    people: set[int] = field(default_factory=set)
    removed_people: set[int] = field(default_factory=set)
    created_people: set[int] = field(default_factory=set)
    faces: set[int] = field(default_factory=set)

    def merge(self, other: Changes) -> Changes:
        """Both sets of changes."""
        return Changes(
            label=self.label or other.label,
            people=self.people | other.people,
            removed_people=self.removed_people | other.removed_people,
            created_people=self.created_people | other.created_people,
            faces=self.faces | other.faces,
        )

    def __bool__(self) -> bool:
        return bool(self.people or self.removed_people or self.created_people or self.faces)


@dataclass
class EngineOptions:
    """How faces are found; defaults are the measured ones (see README)."""

    pack_id: str | None = None
    device: str = "auto"
    detect_score: float = DEFAULT_DETECT_SCORE
    threads: int | None = None
    small_faces: bool = True  # a second look for small faces in large photos (the manifest's)
