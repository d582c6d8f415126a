"""Birthdays as a constraint: a face from a photo taken before the birth never joins the person."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.people.grouping import GroupingOptions, regroup
from faceorganizer.core.people.ops import PeopleError, PeopleOps
from faceorganizer.core.people.suggest import suggest_faces_for
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face

DIM = 128


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


@pytest.fixture()
def library(tmp_path: Path) -> Database:
    """Anna in 6 photos of 2016-2021 (named); one photo of 2010 with a face just like hers."""
    rng = np.random.default_rng(3)
    centre = _unit(rng.normal(size=DIM))
    db = Database(tmp_path / "lib.db")
    photos, faces = PhotoRepository(db), FaceRepository(db)
    dates = {f"anna{i}": f"{2016 + i}-05-01T12:00:00+02:00" for i in range(6)}
    dates["early"] = "2010-07-01T09:00:00"
    with db.transaction():
        for stem, taken in dates.items():
            pid = photos.upsert(raw_path=f"/lib/{stem}.jpg".encode(), path=f"/lib/{stem}.jpg",
                                size=1, mtime_ns=1, content_hash=stem, status="ok",
                                taken_at=taken, taken_source="exif")  # fmt: skip
            vec = _unit(centre + 0.3 * _unit(rng.normal(size=DIM)))
            face = new_face(vec, box=(10, 10, 80, 80), det_score=0.95, size_px=80, blur=200)
            faces.replace_for_photo(pid, [face], "p")
    regroup(db)
    return db


def _face(db: Database, stem: str) -> int:
    row = db.conn.execute(
        "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path = ?",
        (f"/lib/{stem}.jpg",),
    ).fetchone()
    return int(row[0])


def _person_of(db: Database, stem: str) -> int | None:
    found = PeopleRepository(db).assignments().get(_face(db, stem))
    return found.person_id if found else None


def test_without_a_birth_date_the_early_face_is_anna(library: Database) -> None:
    anna = _person_of(library, "anna0")
    assert anna is not None and _person_of(library, "early") == anna  # the constraint's premise


def test_a_birth_date_keeps_the_early_face_out(library: Database) -> None:
    ops = PeopleOps(library)
    anna = _person_of(library, "anna0")
    assert anna is not None
    ops.name(anna, "Anna")
    early = _face(library, "early")
    # naming confirmed the early face too; the birth date takes it out (undoably)
    changes = ops.set_born(anna, "2015-04-02")
    assert changes.faces == {early} and _person_of(library, "early") is None
    assert ops.repo.get(anna).born == "2015-04-02"  # type: ignore[union-attr]
    for options in (GroupingOptions(incremental=True), GroupingOptions()):
        regroup(library, options)
        assert _person_of(library, "early") != anna
    assert early not in dict(suggest_faces_for(library, anna, limit=50))
    with pytest.raises(PeopleError, match="before Anna was born"):
        ops.move([early], anna)
    # a birth date on a group merged into Anna still keeps the face out
    ops.undo()  # the last op was set_born: the face is back, the date forgotten
    assert _person_of(library, "early") == anna and ops.repo.get(anna).born is None  # type: ignore[union-attr]
    ops.set_born(anna, "2015-04-02")
    ops.set_born(anna, None)  # forgetting it lets the face be grouped with her again
    regroup(library, GroupingOptions(incremental=True))
    assert _person_of(library, "early") == anna


def test_bad_birth_dates_are_refused(library: Database) -> None:
    ops = PeopleOps(library)
    anna = _person_of(library, "anna0")
    assert anna is not None
    with pytest.raises(PeopleError, match="name the group first"):
        ops.set_born(anna, "2015-04-02")
    ops.name(anna, "Anna")
    for bad in ("2015-02-30", "04/02/2015", "2999-01-01", "2015"):
        with pytest.raises(PeopleError):
            ops.set_born(anna, bad)
