"""``Library``: one photo library (its database file) and every use case over it."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from faceorganizer.core.library.evaluating import EvaluationCases
from faceorganizer.core.library.finding import (
    EngineFactory,
    FaceFind,
    Finder,
    IndexFactory,
    PhotoFind,
)
from faceorganizer.core.library.people import PeopleCases
from faceorganizer.core.library.scanning import (
    ScanHooks,
    ScanOutcome,
    ScanRequest,
    prepare_scan,
    run_scan,
)
from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.remembered import change_stamp

if TYPE_CHECKING:
    from faceorganizer.core.export.albums import Album, ExportResult
    from faceorganizer.core.library.comparing import FaceComparison, PhotoComparison
    from faceorganizer.core.library.importing import ImportRequest
    from faceorganizer.core.library.photo_query import PhotoQuery
    from faceorganizer.core.metadata.names import NamesImport
    from faceorganizer.core.people.grouping import GroupingOptions
    from faceorganizer.core.people.ops import PeopleOps
    from faceorganizer.core.records import Changes, EngineOptions
    from faceorganizer.core.store.faces import FaceRow
    from faceorganizer.core.store.people import PersonRow
    from faceorganizer.core.store.photo_search import PhotoHit

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class PersonPage:
    """A person with their faces, and unsorted faces that may be them with their scores."""

    person: PersonItem | None
    faces: list[FaceRef]
    suggested: list[FaceRef]
    scores: dict[int, float]
    odd: dict[int, float] = field(default_factory=dict)  # faces unlike the rest of the group


@dataclass
class Regrouped:
    """What a regroup changed and the people it left."""

    changes: Changes
    people: list[PersonRow]
    unsorted: int


@dataclass
class AlbumExport:
    """The albums planned and what exporting them did."""

    albums: list[Album]
    result: ExportResult


class Library(PeopleCases, EvaluationCases):
    """A photo library's use cases, for the window and the command line alike.

    Every call opens its own connection, so calls may come from any thread; SQLite lets one
    writer in at a time (``BEGIN IMMEDIATE``), the others wait. The find engine and the
    search index are kept between calls (see :mod:`faceorganizer.core.library.finding`).
    The people use cases (naming, questions, undo) are in :mod:`faceorganizer.core.library.people`.
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        readonly: bool = False,
        engine_factory: EngineFactory | None = None,
        index_factory: IndexFactory | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.readonly = readonly
        # the last full People list and what it was read at (``people``)
        self._people_read: tuple[tuple[Any, ...], list[PersonItem]] | None = None
        self.finder = Finder(engine_factory, index_factory)

    def connect(self, *, readonly: bool = False) -> Database:
        """A new connection (a context manager) to the library's database."""
        return Database(self.db_path, readonly=self.readonly or readonly)

    def open(self) -> list[tuple[str, str]]:
        """Create or migrate the database; the photos earlier scans could not read."""
        from faceorganizer.core.store.browse import skipped_photos

        with self.connect() as db:
            return skipped_photos(db)

    # -- the library's folders -----------------------------------------------------------------
    def folders(self) -> list[str]:
        """The folders the library is made of (``scan`` records its roots; the window edits)."""
        from faceorganizer.core.library.folders import library_folders

        with self.connect(readonly=True) as db:
            return library_folders(db)

    def add_folders(self, paths: list[str]) -> list[str]:
        """Add folders to the library (a folder inside a listed one adds nothing); the list."""
        from faceorganizer.core.library.folders import add_folders

        with self.connect() as db:
            return add_folders(db, paths)

    def remove_folders(self, paths: list[str]) -> list[str]:
        """Forget folders; the library's folders afterwards."""
        from faceorganizer.core.library.folders import remove_folders

        with self.connect() as db:
            return remove_folders(db, paths)

    def photo_count(self) -> int:
        """How many photos the library has seen (readable or not)."""
        from faceorganizer.core.store.photos import PhotoRepository

        with self.connect(readonly=True) as db:
            return PhotoRepository(db).count()

    # -- reading -------------------------------------------------------------------------------
    def people(
        self, *, include_hidden: bool = False, person_ids: list[int] | None = None
    ) -> list[PersonItem]:
        """People with counts and avatars, in display order.

        Everyone, read again with nothing changed since (the library's change count, bumped
        by every change a row shows), is the list read last time: going back to the People
        view of 20,000 groups costs no query."""
        from faceorganizer.core.store.browse import load_people

        with self.connect() as db:
            if person_ids is not None:
                return load_people(db, include_hidden=include_hidden, person_ids=person_ids)
            st = os.stat(self.db_path)  # a library restored from a copy is another file
            key = (st.st_dev, st.st_ino, change_stamp(db), include_hidden)
            last = self._people_read
            if last is not None and last[0] == key:
                return list(last[1])
            items = load_people(db, include_hidden=include_hidden)
            self._people_read = (key, items)
            return list(items)

    def person_page(
        self, person_id: int, *, suggestions: int = 30, extras: bool = True
    ) -> PersonPage:
        """A person, their faces (best first) and up to ``suggestions`` suggested faces; with
        ``extras`` False, the person and faces only (fast: the window shows them first)."""
        from faceorganizer.core.people.naming import outliers
        from faceorganizer.core.people.suggest import suggest_faces_for
        from faceorganizer.core.store.browse import faces_by_id, load_people, person_faces

        with self.connect() as db:
            rows = load_people(db, include_hidden=True, person_ids=[person_id])
            faces = person_faces(db, person_id)
            if not extras:
                return PersonPage(rows[0] if rows else None, faces, [], {})
            scores: dict[int, float] = {}
            try:
                scores = dict(suggest_faces_for(db, person_id, limit=suggestions))
            except Exception as exc:  # noqa: BLE001 - suggestions are optional
                log.warning("no suggestions: %s", exc)
            found = faces_by_id(db, list(scores))
            odd = outliers(db, person_id)
        suggested = [found[f] for f in scores if f in found]
        return PersonPage(rows[0] if rows else None, faces, suggested, scores, odd)

    def ignored_faces(self) -> list[FaceRef]:
        """Faces the user ignored."""
        from faceorganizer.core.store.browse import ignored_faces

        with self.connect() as db:
            return ignored_faces(db)

    def photos_of(self, person_ids: list[int]) -> list[tuple[int, str]]:
        """(photo id, path) of the photos showing all these people."""
        from faceorganizer.core.store.browse import photos_of

        with self.connect() as db:
            return photos_of(db, person_ids)

    def offline_photos(self) -> set[int]:
        """Ids of the photos whose folder was offline at the last scan (kept, not forgotten)."""
        from faceorganizer.core.store.browse import offline_photos

        with self.connect() as db:
            return offline_photos(db)

    def find_photos(self, query: PhotoQuery) -> list[PhotoHit]:
        """Photos by who is in them and when they were taken (``photo_query``), oldest first.

        Raises DateBoundError for a bound that is not a date."""
        from faceorganizer.core.store.photo_search import search_photos

        start, before = query.bounds()
        with self.connect() as db:
            return search_photos(
                db,
                with_all=query.with_all,
                without=query.without,
                only=query.only,
                taken_from=start,
                taken_before=before,
            )

    def photo(self, photo_id: int) -> tuple[str | None, list[FaceRef]]:
        """A photo's path (None when gone) and its faces with their people."""
        from faceorganizer.core.store.browse import photo_faces, photo_path

        with self.connect() as db:
            return photo_path(db, photo_id), photo_faces(db, photo_id)

    def people_listing(self, *, include_hidden: bool) -> list[dict[str, Any]]:
        """Each person: id, name, counts, cover, face ids and photo paths (the CLI's JSON)."""
        from faceorganizer.core.store.browse import people_faces_and_photos
        from faceorganizer.core.store.people import PeopleRepository

        with self.connect() as db:
            faces, photos = people_faces_and_photos(db)
            rows = PeopleRepository(db).list_people(include_hidden=include_hidden)
        return [
            {
                "id": p.id,
                "name": p.name,
                "hidden": p.hidden,
                "born": p.born,
                "face_count": p.face_count,
                "photo_count": p.photo_count,
                "confirmed_faces": p.confirmed_count,
                "cover_face": p.cover_face_id,
                "faces": faces.get(p.id, []),
                "photos": photos.get(p.id, []),
            }
            for p in rows
        ]

    def unsorted_page(
        self,
        offset: int,
        limit: int,
        *,
        min_quality: float = 0.0,
        after: tuple[float, int] | None = None,
    ) -> tuple[list[FaceRef], int | None]:
        """A page of the unsorted faces (best first, at least ``min_quality``; ``after`` the
        quality and id of the last face shown) and, for the first page, how many there are:
        the Unsorted page loads 50,000 faces a page at a time."""
        from faceorganizer.core.store.browse import unsorted_page

        with self.connect() as db:
            return unsorted_page(db, offset, limit, min_quality, after)

    def unsorted_count(self) -> int:
        """How many faces belong to no one and are not ignored."""
        from faceorganizer.core.store.people import PeopleRepository

        with self.connect() as db:
            return len(PeopleRepository(db).unsorted_faces())

    def faces(self) -> list[FaceRow]:
        """Every stored face with its photo path, in path order."""
        from faceorganizer.core.store.faces import FaceRepository

        with self.connect() as db:
            return FaceRepository(db).rows()

    # -- changing people -----------------------------------------------------------------------
    def apply(self, fn: Callable[[PeopleOps], T]) -> T:
        """Run ``fn`` with the people operations on one connection (each op: one transaction)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return fn(PeopleOps(db))

    def change(
        self, fn: Callable[[PeopleOps], Changes | None], *, include_hidden: bool = False
    ) -> tuple[Changes | None, list[PersonItem]]:
        """Run one people operation; its changes and the changed people, read afresh."""
        from faceorganizer.core.people.ops import PeopleOps
        from faceorganizer.core.store.browse import load_people

        with self.connect() as db:
            changes = fn(PeopleOps(db))
            if not changes:
                return changes, []
            ids = sorted(changes.people | changes.created_people)
            fresh = load_people(db, include_hidden=include_hidden, person_ids=ids) if ids else []
            return changes, fresh

    def resolve(self, refs: list[str]) -> list[PersonRow]:
        """People by id or name (PeopleError for one that does not exist)."""
        return self.apply(lambda ops: [ops.resolve(r) for r in refs])

    def regroup(self, options: GroupingOptions | None = None) -> Regrouped:
        """Group faces into people (user decisions are constraints); one transaction."""
        from faceorganizer.core.people.grouping import regroup
        from faceorganizer.core.store.people import PeopleRepository

        with self.connect() as db:
            changes = regroup(db, options)
            repo = PeopleRepository(db)
            return Regrouped(
                changes, repo.list_people(include_hidden=True), len(repo.unsorted_faces())
            )

    # -- scanning and finding ------------------------------------------------------------------
    def prepare_scan(self) -> None:
        """Import what a scan needs in this process now (``scanning.prepare_scan``)."""
        prepare_scan()

    def scan(self, request: ScanRequest, hooks: ScanHooks | None = None) -> ScanOutcome:
        """Scan new and changed photos, then group their faces (see ``scanning.run_scan``)."""
        with self.connect() as db:
            outcome = run_scan(db, request, hooks)
        self.finder.photos_changed(outcome.summary.processed_ids)
        return outcome

    def find_by_photo(
        self,
        path: str,
        options: EngineOptions,
        *,
        top: int,
        should_stop: Callable[[], bool] | None = None,
    ) -> PhotoFind:
        """Who is in this photo? Its faces, each with the library's people ranked."""
        return self.finder.by_photo(
            lambda: self.connect(readonly=True), path, options, top=top, should_stop=should_stop
        )

    def find_face(self, face_id: int, *, top: int) -> FaceFind:
        """Who is this stored face? The library's people ranked for it."""
        return self.finder.by_face(lambda: self.connect(readonly=True), face_id, top=top)

    def compare_photos(self, path_a: str, path_b: str, options: EngineOptions) -> PhotoComparison:
        """Same person? The largest faces of two photos, judged as ``compare`` judges them
        (the find engine is loaded once and kept)."""
        from faceorganizer.core.library.comparing import compare_photos

        return compare_photos(self.finder.analyse, path_a, path_b, options)

    def compare_faces(self, face_a: int, face_b: int) -> FaceComparison:
        """Same person? Two stored faces, judged as ``compare`` judges two photos' faces."""
        from faceorganizer.core.library.comparing import compare_stored_faces

        with self.connect(readonly=True) as db:
            return compare_stored_faces(db, face_a, face_b)

    # -- out of the library --------------------------------------------------------------------
    def export_albums(
        self,
        people: list[tuple[int, str]],
        target: Path,
        *,
        together: bool,
        mode: str = "copy",
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        by_date: str | None = None,
    ) -> AlbumExport:
        """Export ``(person id, album name)`` albums (or one album of them together); with
        ``by_date`` ("year" or "month"), one album per period the photos were taken."""
        from faceorganizer.core.export.albums import export_albums
        from faceorganizer.core.library.albums import plan_albums

        with self.connect(readonly=True) as db:
            albums = plan_albums(db, people, together, by_date)  # type: ignore[arg-type]
        result = export_albums(
            albums,
            target,
            mode=mode,  # type: ignore[arg-type]
            progress=progress,
            should_stop=should_stop,
        )
        return AlbumExport(albums, result)

    def import_names(self) -> Any:
        """Name faces from the face regions in the photos' metadata (XMP, MWG or Microsoft):
        one undoable people operation; a region without a detected face becomes a face."""
        from faceorganizer.core.faces.engines import shared_engine
        from faceorganizer.core.metadata.names import import_names

        with self.connect() as db:
            return import_names(db, engine_factory=lambda: shared_engine(None))

    def import_from(
        self,
        request: ImportRequest,
        *,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> NamesImport:
        """Import names tagged in Picasa, digiKam or Google Takeout (``importing.import_from``):
        one undoable people operation, or with ``request.dry_run`` nothing written."""
        from faceorganizer.core.library.importing import import_from

        return import_from(
            lambda readonly: self.connect(readonly=readonly),
            request,
            progress=progress,
            should_stop=should_stop,
        )

    def write_xmp(self, *, person_names: list[str] | None, naming: Any, dry_run: bool) -> Any:
        """Write named faces to XMP sidecars (XmpError when a person is unknown)."""
        from faceorganizer.core.export.xmp import write_sidecars

        with self.connect() as db:
            return write_sidecars(db, person_names=person_names, naming=naming, dry_run=dry_run)
