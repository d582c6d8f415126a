"""A face put in a person who is already in its photo: the user is asked first.

Grouping never puts two faces of one photo in one person (a photo shows each person once,
mirrors and posters aside). A user's decision may, but not silently: the naming and moving
use cases of :mod:`faceorganizer.core.people.naming` raise :class:`SamePhoto` unless the
caller says the user agreed (``same_photo=True``), so every path (naming a face, moving faces,
naming a face drawn by hand) says so and the window asks.
"""

from __future__ import annotations

from collections.abc import Iterable

from faceorganizer.core.people.ops import PeopleError
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.people import PeopleRepository


class SamePhoto(PeopleError):
    """Faces would join a person who is already in their photo (or two of one photo would)."""

    def __init__(self, clashes: dict[int, int], who: str) -> None:
        n = len(clashes)
        faces = "this face" if n == 1 else f"{n} of these faces"
        super().__init__(
            f"{who} is already in the photo of {faces}: a photo shows each person once"
        )
        self.clashes = clashes  # face that would join -> a face already there, same photo
        self.who = who


def same_photo_clashes(
    database: Database, face_ids: Iterable[int], person_id: int | None
) -> dict[int, int]:
    """Faces of ``face_ids`` whose photo already shows ``person_id`` (or another of these
    faces): face id -> the face already there. ``person_id`` None: a new person."""
    moving = list(dict.fromkeys(face_ids))
    photos = FaceRepository(database).photos()
    members = (
        [f for f in PeopleRepository(database).faces_of(person_id) if f not in set(moving)]
        if person_id is not None
        else []
    )
    seen: dict[int, int] = {}  # photo id -> a face of the person (or of the moving faces)
    for f in members:
        if f in photos:
            seen.setdefault(photos[f][0], f)
    clashes: dict[int, int] = {}
    for f in moving:
        if f not in photos:
            continue
        photo = photos[f][0]
        if photo in seen:
            clashes[f] = seen[photo]
        else:
            seen[photo] = f
    return clashes


def check_same_photo(
    database: Database,
    face_ids: Iterable[int],
    person_id: int | None,
    who: str,
    *,
    allowed: bool,
) -> None:
    """Raise :class:`SamePhoto` when these faces would join a person already in their photo,
    unless the user ``allowed`` it."""
    if allowed:
        return
    clashes = same_photo_clashes(database, face_ids, person_id)
    if clashes:
        raise SamePhoto(clashes, who)
