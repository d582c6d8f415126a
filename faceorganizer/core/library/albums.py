"""Which photos go into which album: the plan both the window and the command line export."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from faceorganizer.core.export.albums import Album
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.photo_search import search_photos
from faceorganizer.core.store.photos import PhotoRepository

ByDate = Literal["year", "month"]


def _photos(db: Database, ids: list[int]) -> list[tuple[str, str | None]]:
    """(file path, taken) of the photos where all of ``ids`` appear. The path is the file's own
    bytes: a name that is not UTF-8 is stored for display with U+FFFD, which names no file."""
    hits = search_photos(
        db, with_all=ids, without=[], only=False, taken_from=None, taken_before=None
    )
    files = PhotoRepository(db).files([h.id for h in hits])
    return [(files.get(h.id, h.path), h.taken) for h in hits]


def _by_date(name: str, photos: list[tuple[str, str | None]], by: ByDate) -> list[Album]:
    """One album per year (``Anna 2019``) or month (``Anna 2019-05``); ``Anna undated`` for
    photos without a date."""
    width = 4 if by == "year" else 7
    albums: dict[str, list[Path]] = {}
    for path, taken in photos:
        period = taken[:width] if taken else "undated"
        albums.setdefault(f"{name} {period}", []).append(Path(path))
    return [Album(album, paths) for album, paths in albums.items()]


def plan_albums(
    db: Database, people: list[tuple[int, str]], together: bool, by_date: ByDate | None = None
) -> list[Album]:
    """One album per ``(person id, album name)``, or with ``together`` one album of the photos
    where all of them appear, named by joining their names with " & "; with ``by_date``, each
    of those split into one album per year or month the photos were taken."""
    if together:
        groups = [(" & ".join(name for _, name in people), [pid for pid, _ in people])]
    else:
        groups = [(name, [pid]) for pid, name in people]
    out: list[Album] = []
    for name, ids in groups:
        photos = _photos(db, ids)
        if by_date:
            out.extend(_by_date(name, photos, by_date))
        else:
            out.append(Album(name, [Path(p) for p, _ in photos]))
    return out
