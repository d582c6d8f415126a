"""The people use cases of ``Library`` (issue 28): what the window and the command line call
instead of a store connection; each write one undo step returning its ``Changes``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from faceorganizer.core.library import Library
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face

CLEAR: dict[str, Any] = {"box": (10, 10, 80, 80), "size_px": 80, "blur": 200}


def _library(tmp_path: Path) -> tuple[Library, list[int]]:
    rng = np.random.default_rng(5)
    library = Library(tmp_path / "lib.db")
    library.open()
    faces: list[int] = []
    with Database(library.db_path) as db:
        for n in range(3):
            with db.transaction():
                pid = PhotoRepository(db).upsert(
                    raw_path=f"/lib/{n}.jpg".encode(),
                    path=f"/lib/{n}.jpg",
                    size=1,
                    mtime_ns=1,
                    content_hash=str(n),
                    status="ok",
                )
                vector = rng.normal(size=16).astype(np.float32)
                face = new_face(vector / np.linalg.norm(vector), **CLEAR)
                faces += FaceRepository(db).replace_for_photo(pid, [face], "p")
    return library, faces


def test_named_use_cases_change_read_and_undo(tmp_path: Path) -> None:
    library, faces = _library(tmp_path)
    assert library.history() == (None, None)
    assert library.unsorted_count() == 3

    made = library.new_person("Anna", faces[:2])
    anna = next(iter(made.created_people))
    assert [p.name for p in library.changed_people(made, include_hidden=False)] == ["Anna"]
    assert library.history()[0] is not None and library.unsorted_count() == 1
    assert [f.id for f in library.faces_by_id([faces[1], 999, faces[0]])] == faces[1::-1]
    assert sorted(f.id for f in library.best_faces_of([anna], 5)[anna]) == faces[:2]
    people, found = library.people_and_faces([anna], [faces[2]])
    assert people[anna].name == "Anna" and set(found) == {faces[2]}

    library.set_hidden_many([anna], True)
    assert library.people(include_hidden=False) == []
    assert library.undo() is not None
    assert [p.id for p in library.people(include_hidden=False)] == [anna]
    assert library.redo() is not None and library.people(include_hidden=False) == []
    library.set_hidden(anna, False)

    library.accept_faces([faces[2]], anna)
    assert library.unsorted_count() == 0
    library.reject_faces([faces[2]], anna)
    assert library.unsorted_count() == 1
    library.ignore_faces([faces[2]])
    assert library.unsorted_count() == 0
    library.unignore_faces([faces[2]])
    assert library.question_count() == len(library.questions(faces_per_side=4))
    assert library.changed_people(None, include_hidden=True) == []
