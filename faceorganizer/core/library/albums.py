"""Which photos go into which album: the plan both the window and the command line export."""

from __future__ import annotations

from pathlib import Path

from faceorganizer.core.export.albums import Album
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository


def plan_albums(db: Database, people: list[tuple[int, str]], together: bool) -> list[Album]:
    """One album per ``(person id, album name)``, or with ``together`` one album of the photos
    where all of them appear, named by joining their names with " & "."""
    repo = PeopleRepository(db)
    if together:
        photos = repo.photos_with_all([pid for pid, _ in people])
        return [Album(" & ".join(name for _, name in people), [Path(p) for _, p in photos])]
    return [Album(name, [Path(p) for _, p in repo.photos_with_all([pid])]) for pid, name in people]
