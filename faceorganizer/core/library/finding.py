"""Find by photo and find by a stored face, with the engine and the search index kept warm.

The first find loads the models and builds the index from the database; later finds reuse
both. Before each search the index is brought in step with the database: faces added or
deleted since (by any writer) are added or removed in place, and the faces of photos that a
scan through this library re-processed are replaced. Nothing is rebuilt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from faceorganizer.core.store.db import Database

if TYPE_CHECKING:
    from faceorganizer.core.faces.engines import EngineCache
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import DecodedPhoto
    from faceorganizer.core.records import EngineOptions, FaceRef
    from faceorganizer.core.search.find import FaceResult
    from faceorganizer.core.search.index import FaceIndex

EngineFactory = Callable[["EngineOptions"], "FaceEngine"]
IndexFactory = Callable[[Database], "FaceIndex"]
PhotosByPerson = dict[int, list[tuple[int, str]]]

PEOPLE_SHOWN = 5  # ranked people per query face: their photos gathered, listed in the window
PHOTOS_SHOWN = 4  # photos gathered per person


@dataclass
class PhotoFind:
    """A query photo, what the library says about each of its faces, and photos per person."""

    photo: DecodedPhoto
    results: list[FaceResult]
    photos: PhotosByPerson = field(default_factory=dict)


@dataclass
class FaceFind:
    """A stored face, what the library says about it, and photos per person."""

    face: FaceRef
    results: list[FaceResult]
    photos: PhotosByPerson = field(default_factory=dict)


def _new_engine(options: EngineOptions) -> FaceEngine:
    from faceorganizer.core.faces.pipeline import FaceEngine

    return FaceEngine(options)


def _new_index(db: Database) -> FaceIndex:
    from faceorganizer.core.search.index import FaceIndex

    # exact: a find asks for a photo's few faces, one pass over the vectors each
    return FaceIndex.from_database(db, approximate=False)


class Finder:
    """Engines (one per engine options) and one face index, shared by every find."""

    def __init__(
        self,
        engine_factory: EngineFactory | None = None,
        index_factory: IndexFactory | None = None,
    ) -> None:
        self._new_engine = engine_factory or _new_engine
        self._new_index = index_factory or _new_index
        self._engines: EngineCache | None = None  # made on the first find (it imports the engine)
        self._engine_lock = threading.Lock()  # an engine runs one photo at a time
        self._index: FaceIndex | None = None
        self._known = np.zeros(0, np.int64)  # face ids the index holds
        self._stale: set[int] = set()  # photos whose faces were re-processed
        self._index_lock = threading.Lock()
        self.indexes_built = 0
        self.index_updates = 0

    # -- warm state --------------------------------------------------------------------------
    def analyse(self, photo: DecodedPhoto, options: EngineOptions) -> list[Any]:
        """The faces of a decoded photo, by the engine for ``options`` (loaded once)."""
        from faceorganizer.core.faces.engines import EngineCache

        with self._engine_lock:
            if self._engines is None:
                self._engines = EngineCache(self._new_engine)
            return list(self._engines.get(options).analyse(photo))

    @property
    def engines_loaded(self) -> int:
        """Engines this finder loaded (one per engine options asked for)."""
        return self._engines.loaded if self._engines is not None else 0

    def photos_changed(self, photo_ids: list[int]) -> None:
        """These photos' faces were re-processed: re-read their vectors before the next find."""
        with self._index_lock:
            if self._index is not None:
                self._stale.update(photo_ids)

    def index(self, db: Database) -> FaceIndex:
        """The face index, brought in step with ``db`` (built on first use only)."""
        from faceorganizer.core.store.faces import FaceRepository

        repo = FaceRepository(db)
        with self._index_lock:
            if self._index is None:
                self._index = self._new_index(db)
                self._known = repo.ids()
                self._stale.clear()
                self.indexes_built += 1
                return self._index
            now = repo.ids()
            added = np.setdiff1d(now, self._known, assume_unique=True)
            removed = np.setdiff1d(self._known, now, assume_unique=True)
            redo = repo.ids_of_photos(sorted(self._stale)) if self._stale else []
            self._stale.clear()
            wanted = sorted({int(f) for f in added} | set(redo))
            if wanted or len(removed):
                vec = repo.vectors_of(wanted)
                self._index.update(vec.ids, vec.vectors if len(vec.ids) else None, removed)
                self._known = now
                self.index_updates += 1
            return self._index

    # -- the use cases -------------------------------------------------------------------------
    def by_photo(
        self,
        connect: Callable[[], Database],
        path: str,
        options: EngineOptions,
        *,
        top: int,
        should_stop: Callable[[], bool] | None = None,
    ) -> PhotoFind:
        """Detect the faces of the photo at ``path`` and rank the library's people for each.

        Raises :class:`~faceorganizer.core.photos.decode.DecodeError` for an unreadable photo.
        """
        from faceorganizer.core.search.compare import load_photo
        from faceorganizer.core.search.find import find_faces

        photo = load_photo(path)
        faces = self.analyse(photo, options)
        if not faces or (should_stop is not None and should_stop()):
            return PhotoFind(photo, [])
        with connect() as db:
            results = find_faces(db, faces, top=top, index=self.index(db))
            return PhotoFind(photo, results, photos_by_person(db, results))

    def by_face(self, connect: Callable[[], Database], face_id: int, *, top: int) -> FaceFind:
        """Rank the library's people for one stored face (LookupError when it is gone)."""
        from faceorganizer.core.records import NewFace
        from faceorganizer.core.search.find import find_faces
        from faceorganizer.core.store.browse import faces_by_id

        with connect() as db:
            face = faces_by_id(db, [face_id]).get(face_id)
            index = self.index(db)
            if face is None or face_id not in index:
                raise LookupError(f"face {face_id} is no longer in the library")
            query = NewFace(
                box=face.box,
                landmarks=[],
                det_score=1.0,
                quality=face.quality,
                size_px=max(face.box[2], face.box[3]),
                blur=0.0,
                yaw=0.0,
                norm=1.0,
                flags=0,
                embedding=index.vectors_of([face_id])[0],
            )
            results = find_faces(db, [query], top=top, index=index)
            return FaceFind(face, results, photos_by_person(db, results))


def photos_by_person(
    db: Database,
    results: list[FaceResult],
    *,
    people_shown: int = PEOPLE_SHOWN,
    photos_shown: int = PHOTOS_SHOWN,
) -> PhotosByPerson:
    """For every ranked person, photos of their matching faces, most similar first."""
    from faceorganizer.core.store.faces import FaceRepository
    from faceorganizer.core.store.people import PeopleRepository

    where = FaceRepository(db).photos()
    owner = {f: a.person_id for f, a in PeopleRepository(db).assignments().items()}
    out: PhotosByPerson = {}
    for r in results:
        for m in r.matches:
            if m.person_id is not None and m.face_id in where:
                photos = out.setdefault(m.person_id, [])
                if where[m.face_id] not in photos and len(photos) < photos_shown:
                    photos.append(where[m.face_id])
        for p in r.people[:people_shown]:
            photos = out.setdefault(p.person_id, [])
            if not photos and p.best_face_id in where:
                photos.append(where[p.best_face_id])
            if len(photos) < photos_shown:  # fill up with the person's other photos
                for fid, pid in owner.items():
                    if pid == p.person_id and fid in where and where[fid] not in photos:
                        photos.append(where[fid])
                        if len(photos) >= photos_shown:
                            break
    return out
