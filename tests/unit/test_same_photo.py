"""A face added to a person already in its photo is not added silently (issue 31, point 3)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.people.naming import move_faces, name_face, name_faces
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.people.same_photo import SamePhoto, same_photo_clashes
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face
from tests.unit.test_people_ops import CLEAR, DIM, _unit


@pytest.fixture()
def db(tmp_path: Path) -> tuple[Database, dict[str, int]]:
    """Photo 1 shows Anna (x) and an unsorted face (y); photo 2 an unsorted face (z)."""
    rng = np.random.default_rng(5)
    database = Database(tmp_path / "lib.db")
    photos, faces = PhotoRepository(database), FaceRepository(database)
    with database.transaction():
        ids: dict[str, int] = {}
        for n, keys in enumerate([("x", "y"), ("z",)]):
            pid = photos.upsert(
                raw_path=f"/lib/{n}.jpg".encode(),
                path=f"/lib/{n}.jpg",
                size=1,
                mtime_ns=1,
                content_hash=f"h{n}",
                status="ok",
            )
            new = [
                replace(
                    new_face(_unit(rng.normal(size=DIM)), **CLEAR), box=(10 + 100 * i, 10, 80, 80)
                )
                for i in range(len(keys))
            ]
            ids.update(zip(keys, faces.replace_for_photo(pid, new, "p"), strict=True))
    PeopleOps(database).create_person("Anna", [ids["x"]])
    return database, ids


def test_every_way_in_says_the_person_is_already_in_the_photo(
    db: tuple[Database, dict[str, int]],
) -> None:
    database, ids = db
    repo = PeopleOps(database).repo
    anna = repo.by_name("Anna")
    assert anna is not None
    assert same_photo_clashes(database, [ids["y"], ids["z"]], anna.id) == {ids["y"]: ids["x"]}
    for attempt in (
        lambda ok: name_face(database, ids["y"], "anna", same_photo=ok),  # naming a face
        lambda ok: name_faces(database, [ids["y"], ids["z"]], "Anna", same_photo=ok),
        lambda ok: move_faces(database, [ids["y"]], anna.id, same_photo=ok),  # Move to…
    ):
        with pytest.raises(SamePhoto) as said:
            attempt(False)
        assert said.value.clashes == {ids["y"]: ids["x"]} and said.value.who == "Anna"
        assert ids["y"] not in repo.faces_of(anna.id)  # refused: nothing changed
    move_faces(database, [ids["y"]], anna.id, same_photo=True)  # the user agreed
    assert ids["y"] in repo.faces_of(anna.id)
    # A face from another photo joins without a question; two faces of one photo for a new
    # person are asked about too.
    name_face(database, ids["z"], "Anna")
    assert ids["z"] in repo.faces_of(anna.id)
    with pytest.raises(SamePhoto):
        name_faces(database, [ids["x"], ids["y"]], "Bea")
