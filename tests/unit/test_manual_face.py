"""A face drawn by hand, without models: the box rules, undo/redo of the added face, and a
re-scan of its photo keeping it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.people.manual import check_box
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.records import FLAG_MANUAL, origin_text
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face


@pytest.fixture()
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "lib.db")
    with database.transaction():
        pid = PhotoRepository(database).upsert(
            raw_path=b"/lib/a.jpg", path="/lib/a.jpg", size=1, mtime_ns=1, content_hash="h",
            status="ok", width=200, height=200, orientation=1,
        )  # fmt: skip
        FaceRepository(database).replace_for_photo(
            pid, [new_face(box=(10, 10, 50, 50), dim=8)], "p"
        )
    return database


def test_a_box_is_clipped_to_the_photo_or_refused_with_a_message() -> None:
    assert check_box((-10, 0, 50, 40), 200, 100) == (0.0, 0.0, 40.0, 40.0)
    for box, words in [
        ((300, 10, 40, 40), "outside the photo"),
        ((180, 10, 60, 40), "outside the photo"),  # most of it past the right edge
        ((10, 10, 5, 40), "too small"),
        ((10, 10, 0, 40), "positive width"),
        ((10, 10, float("nan"), 40), "positive width"),
    ]:
        with pytest.raises(ValueError, match=words):
            check_box(box, 200, 100)


def test_an_added_face_is_one_undoable_step_and_redo_puts_it_back(db: Database) -> None:
    ops = PeopleOps(db)
    drawn = new_face(box=(100, 100, 40, 40), flags=FLAG_MANUAL, seed=3, dim=8)
    face_id, changes = ops.add_face(1, drawn, "p")
    assert changes.faces == {face_id} and changes.label == "Add a face by hand"
    assert ops.undo_label() == "Add a face by hand"
    stored = {r.id: r for r in FaceRepository(db).rows()}
    assert stored[face_id].flags & FLAG_MANUAL and stored[face_id].idx == 1
    pid, _ = ops.create_person("Rex", [face_id])  # then named, as "Who is this?" does
    ops.undo()  # the name
    undone = ops.undo()  # the face
    assert undone is not None and undone.label == "Undone: Add a face by hand"
    assert face_id in undone.faces
    assert [r.id for r in FaceRepository(db).rows()] == [1]
    assert ops.redo() is not None
    again = {r.id: r for r in FaceRepository(db).rows()}
    assert again[face_id] == stored[face_id]
    vec = FaceRepository(db).vectors()
    assert np.array_equal(vec.vectors[list(vec.ids).index(face_id)], drawn.embedding)
    assert ops.redo() is not None  # the name comes back too
    assert ops.repo.faces_of(pid) == [face_id]


def test_a_rescan_keeps_a_drawn_face_unless_the_detector_now_finds_it(db: Database) -> None:
    ops = PeopleOps(db)
    lone, _ = ops.add_face(
        1, new_face(box=(100, 100, 40, 40), flags=FLAG_MANUAL, seed=1, dim=8), "p"
    )
    found, _ = ops.add_face(
        1, new_face(box=(10, 120, 40, 40), flags=FLAG_MANUAL, seed=2, dim=8), "p"
    )
    ops.create_person("Rex", [lone])
    with db.transaction():
        # the photo re-analysed: the old face again, and now the second drawn one too
        ids = FaceRepository(db).replace_for_photo(
            1, [new_face(box=(11, 10, 50, 50), dim=8), new_face(box=(12, 121, 38, 40), dim=8)], "p"
        )
    assert ids == [1, found]  # the detected face takes the drawn face's id (and decisions)
    rows = {r.id: r for r in FaceRepository(db).rows()}
    assert set(rows) == {1, lone, found}
    assert rows[lone].flags & FLAG_MANUAL and rows[lone].idx == 2
    assert not rows[found].flags & FLAG_MANUAL
    assert ops.repo.faces_of(ops.resolve("Rex").id) == [lone]


def test_origin_words() -> None:
    from faceorganizer.core.records import FLAG_BOX_ALIGNED, FLAG_FROM_METADATA

    assert origin_text(FLAG_MANUAL | FLAG_BOX_ALIGNED) == "drawn by hand"
    assert origin_text(FLAG_FROM_METADATA) == "from the file"
    assert origin_text(0) is None
