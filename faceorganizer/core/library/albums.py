"""Which photos go into which album: the plan both the window and the command line export."""

from __future__ import annotations

from pathlib import Path

from faceorganizer.core.export.albums import Album
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository


def plan_albums(db: Database, people: list[tuple[int, str]], together: bool) -> list[Album]:
    """One album per ``(person id, album name)``, or with ``together`` one album of the photos
    where all of them appear, named by joining their names with " & "."""
    repo, files = PeopleRepository(db), PhotoRepository(db)

    def sources(person_ids: list[int]) -> list[Path]:
        # the files' own path bytes: a name that is not UTF-8 is stored for display with U+FFFD,
        # which names no file
        photos = repo.photos_with_all(person_ids)
        by_id = files.files([i for i, _ in photos])
        return [Path(by_id.get(i, p)) for i, p in photos]

    if together:
        photos = sources([pid for pid, _ in people])
        return [Album(" & ".join(name for _, name in people), photos)]
    return [Album(name, sources([pid])) for pid, name in people]
