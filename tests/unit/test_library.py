"""The use-case layer: finds keep the engine and index warm and in step; album plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceorganizer.core.library import Library
from faceorganizer.core.library.albums import plan_albums
from faceorganizer.core.records import EngineOptions, NewFace
from faceorganizer.core.search.index import FaceIndex
from faceorganizer.core.store.copy import copy_database
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face

DIM = 16


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


# a large, sharp face: every quality gate lets it through
CLEAR: dict[str, Any] = {"box": (10, 10, 80, 80), "size_px": 80, "blur": 200}


def _add_photo(db: Database, name: str, vectors: list[np.ndarray]) -> tuple[int, list[int]]:
    with db.transaction():
        pid = PhotoRepository(db).upsert(
            raw_path=f"/lib/{name}".encode(),
            path=f"/lib/{name}",
            size=1,
            mtime_ns=1,
            content_hash=name,
            status="ok",
        )
        ids = FaceRepository(db).replace_for_photo(
            pid, [new_face(v, **CLEAR) for v in vectors], "p"
        )
    return pid, ids


class _Counting:
    def __init__(self) -> None:
        self.indexes = 0
        self.engines = 0

    def index(self, db: Database) -> FaceIndex:
        self.indexes += 1
        return FaceIndex.from_database(db, approximate=False)

    def engine(self, _options: EngineOptions) -> Any:
        self.engines += 1
        rng = np.random.default_rng(3)
        face = new_face(_unit(rng.normal(size=DIM)), **CLEAR)

        class _Engine:
            def analyse(self, _photo: Any) -> list[NewFace]:
                return [face]

        return _Engine()


@pytest.fixture()
def lib(tmp_path: Path) -> tuple[Library, _Counting]:
    rng = np.random.default_rng(1)
    with Database(tmp_path / "lib.db") as db:
        for i in range(4):
            _add_photo(db, f"p{i}.jpg", [_unit(rng.normal(size=DIM))])
    counting = _Counting()
    return (
        Library(tmp_path / "lib.db", engine_factory=counting.engine, index_factory=counting.index),
        counting,
    )


def test_find_face_keeps_one_index_and_follows_the_database(
    lib: tuple[Library, _Counting],
) -> None:
    library, counting = lib
    with library.connect() as db:
        first = int(FaceRepository(db).ids()[0])
    found = library.find_face(first, top=3)
    assert found.results[0].matches[0].face_id == first
    library.find_face(first, top=3)
    assert counting.indexes == 1 and library.finder.index_updates == 0

    # a face added by any writer is found without a rebuild
    vec = _unit(np.arange(DIM, dtype=np.float32) + 1)
    with library.connect() as db:
        photo, (added,) = _add_photo(db, "new.jpg", [vec])
    assert library.find_face(added, top=1).results[0].matches[0].face_id == added
    assert counting.indexes == 1 and library.finder.index_updates == 1

    # a re-processed photo (same face id, new vector) is re-read once the library is told
    other = _unit(-vec)
    with library.connect() as db, db.transaction():
        assert FaceRepository(db).replace_for_photo(photo, [new_face(other, **CLEAR)], "p") == [
            added
        ]
    library.finder.photos_changed([photo])
    with library.connect() as db:
        index = library.finder.index(db)
    np.testing.assert_allclose(index.vectors_of([added])[0], other, atol=1e-6)

    # a deleted photo's face leaves the index
    with library.connect() as db, db.transaction():
        PhotoRepository(db).delete([photo])
    with pytest.raises(LookupError):
        library.find_face(added, top=1)
    with library.connect() as db:
        assert added not in library.finder.index(db)
    assert counting.indexes == 1


def test_find_by_photo_loads_one_engine(lib: tuple[Library, _Counting], tmp_path: Path) -> None:
    from PIL import Image

    library, counting = lib
    photo = tmp_path / "query.png"
    Image.new("RGB", (64, 48), (120, 120, 120)).save(photo)
    for _ in range(2):
        found = library.find_by_photo(str(photo), EngineOptions(device="cpu"), top=2)
        assert len(found.results) == 1 and len(found.results[0].matches) == 2
    assert counting.engines == 1 and counting.indexes == 1


def test_album_plans_per_person_and_together(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    with Database(tmp_path / "lib.db") as db:
        _p1, (a1,) = _add_photo(db, "a.jpg", [_unit(rng.normal(size=DIM))])
        _p2, (a2, b2) = _add_photo(db, "ab.jpg", [_unit(rng.normal(size=DIM)) for _ in "ab"])
        repo = PeopleRepository(db)
        with db.transaction():
            anna, bob = repo.create("Anna"), repo.create("Bob")
            repo.assign([a1, a2], anna, confirmed=True)
            repo.assign([b2], bob, confirmed=True)
        each = plan_albums(db, [(anna, "Anna"), (bob, "Bob")], together=False)
        both = plan_albums(db, [(anna, "Anna"), (bob, "Bob")], together=True)
    assert [(a.name, sorted(p.name for p in a.photos)) for a in each] == [
        ("Anna", ["a.jpg", "ab.jpg"]),
        ("Bob", ["ab.jpg"]),
    ]
    assert [(a.name, [p.name for p in a.photos]) for a in both] == [("Anna & Bob", ["ab.jpg"])]


def test_copy_database_is_a_whole_library(tmp_path: Path) -> None:
    with Database(tmp_path / "lib.db") as db:
        _add_photo(db, "a.jpg", [_unit(np.ones(DIM, np.float32))])
    copy_database(tmp_path / "lib.db", tmp_path / "copy.db")
    with Database(tmp_path / "copy.db", readonly=True) as db:
        assert FaceRepository(db).count() == 1
