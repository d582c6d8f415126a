"""People operations on a small synthetic library: constraints survive regrouping, undo is exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceorganizer.core.people.grouping import GroupingOptions, regroup
from faceorganizer.core.people.ops import NameTaken, PeopleError, PeopleOps
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face

DIM = 128


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


# a large, sharp, frontal face: every quality gate lets it through
CLEAR: dict[str, Any] = {
    "box": (10, 10, 80, 80), "det_score": 0.95, "size_px": 80, "blur": 200, "yaw": 0.05,
}  # fmt: skip


@pytest.fixture()
def library(tmp_path: Path) -> Database:
    """3 identities x 6 photos (one face each), plus one photo holding A and B together."""
    rng = np.random.default_rng(7)
    centres = {k: _unit(rng.normal(size=DIM)) for k in "ABC"}
    db = Database(tmp_path / "lib.db")
    photos, faces = PhotoRepository(db), FaceRepository(db)
    with db.transaction():
        n = 0
        for person, centre in centres.items():
            for i in range(6):
                pid = photos.upsert(
                    raw_path=f"/lib/{person}{i}.jpg".encode(),
                    path=f"/lib/{person}{i}.jpg",
                    size=1,
                    mtime_ns=1,
                    content_hash=f"h{n}",
                    status="ok",
                )
                faces.replace_for_photo(
                    pid,
                    [new_face(_unit(centre + 0.35 * _unit(rng.normal(size=DIM))), **CLEAR)],
                    "p",
                )
                n += 1
        pid = photos.upsert(
            raw_path=b"/lib/AB.jpg",
            path="/lib/AB.jpg",
            size=1,
            mtime_ns=1,
            content_hash="hab",
            status="ok",
        )
        both = [
            new_face(_unit(centres[k] + 0.35 * _unit(rng.normal(size=DIM))), **CLEAR) for k in "AB"
        ]
        faces.replace_for_photo(pid, both, "p")
    return db


def _people(db: Database) -> dict[int, set[str]]:
    """person id -> the photo names of its faces."""
    rows = db.conn.execute(
        "SELECT fp.person_id, p.path FROM face_person fp JOIN faces f ON f.id = fp.face_id "
        "JOIN photos p ON p.id = f.photo_id"
    ).fetchall()
    out: dict[int, set[str]] = {}
    for pid, path in rows:
        out.setdefault(pid, set()).add(Path(path).stem)
    return out


def _person_of(db: Database, stem: str) -> int:
    for pid, stems in _people(db).items():
        if stem in stems:
            return pid
    raise AssertionError(f"{stem} is in no person")


def _face_of(db: Database, stem: str, idx: int = 0) -> int:
    row = db.conn.execute(
        "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id "
        "WHERE p.path = ? AND f.idx = ?",
        (f"/lib/{stem}.jpg", idx),
    ).fetchone()
    return int(row[0])


def _state(db: Database) -> tuple[list[tuple], ...]:
    q = db.conn.execute
    return (
        sorted(q("SELECT id, name, hidden, cover_face_id FROM people").fetchall()),
        sorted(q("SELECT face_id, person_id, confirmed FROM face_person").fetchall()),
        sorted(q("SELECT * FROM rejections").fetchall()),
        sorted(q("SELECT * FROM ignored_faces").fetchall()),
        sorted(q("SELECT * FROM cannot_link").fetchall()),
    )


def test_grouping_finds_the_three_people(library: Database) -> None:
    regroup(library)
    groups = sorted(sorted(s) for s in _people(library).values())
    assert len(groups) == 3
    for letter in "ABC":
        assert any(all(x.startswith((letter, "AB")) for x in g) and len(g) >= 6 for g in groups)


def test_two_faces_of_one_photo_never_share_a_person(library: Database) -> None:
    regroup(library)
    a, b = _face_of(library, "AB", 0), _face_of(library, "AB", 1)
    assign = PeopleRepository(library).assignments()
    assert a not in assign or b not in assign or assign[a].person_id != assign[b].person_id


def test_name_survives_regrouping_and_keeps_its_faces(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    pid = _person_of(library, "A0")
    ops.name(pid, "Anna")
    faces_before = set(ops.repo.faces_of(pid))
    regroup(library)
    regroup(library, GroupingOptions(incremental=True))
    anna = ops.repo.by_name("Anna")
    assert anna is not None and anna.id == pid
    assert faces_before <= set(ops.repo.faces_of(pid))


def test_rejected_face_never_returns(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    pid = _person_of(library, "A1")
    ops.name(pid, "Anna")
    face = _face_of(library, "A1")
    ops.reject([face], pid)
    for options in (GroupingOptions(), GroupingOptions(incremental=True)):
        regroup(library, options)
        assert face not in ops.repo.faces_of(pid)


def test_ignored_face_never_reappears(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    face = _face_of(library, "C2")
    ops.ignore([face])
    regroup(library)
    assert face not in PeopleRepository(library).assignments()
    assert face not in PeopleRepository(library).unsorted_faces()


def test_naming_with_an_existing_name_offers_merge(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    a, b = _person_of(library, "A0"), _person_of(library, "B0")
    ops.name(a, "Anna")
    with pytest.raises(NameTaken) as taken:
        ops.name(b, "anna")
    assert taken.value.existing_id == a


def test_every_operation_undoes_exactly(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    a, b, c = (_person_of(library, s) for s in ("A0", "B0", "C0"))
    steps = [
        lambda: ops.name(a, "Anna"),
        lambda: ops.name(b, "Ben"),
        lambda: ops.merge(a, [b]),
        lambda: ops.move([_face_of(library, "C3")], a),
        lambda: ops.reject([_face_of(library, "A2")], a),
        lambda: ops.split(c, [_face_of(library, "C1"), _face_of(library, "C4")], name="Cleo"),
        lambda: ops.ignore([_face_of(library, "C5")]),
        lambda: ops.set_hidden(a, True),
        lambda: ops.set_cover(a, _face_of(library, "A0")),
        lambda: ops.name(a, "Ben"),  # a rename to a name freed by the merge
    ]
    states = [_state(library)]
    for step in steps:
        step()
        states.append(_state(library))
    for expected in reversed(states[:-1]):
        assert ops.undo() is not None
        assert _state(library) == expected
    assert ops.undo() is None


def test_merge_refuses_two_names_into_an_unnamed_group(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    a, b, c = (_person_of(library, s) for s in ("A0", "B0", "C0"))
    ops.name(a, "Anna")
    ops.name(b, "Ben")
    with pytest.raises(PeopleError):
        ops.merge(c, [a, b])


def test_browse_photos_together(library: Database) -> None:
    regroup(library)
    ops = PeopleOps(library)
    a, b = _person_of(library, "A0"), _person_of(library, "B0")
    ops.move([_face_of(library, "AB", 0)], a)
    ops.move([_face_of(library, "AB", 1)], b)
    together = [Path(p).stem for _i, p in ops.repo.photos_with_all([a, b])]
    assert together == ["AB"]
    of_a = {Path(p).stem for _i, p in ops.repo.photos_with_all([a])}
    assert {f"A{i}" for i in range(6)} | {"AB"} <= of_a


def test_suggestions_ask_the_right_question_once(library: Database) -> None:
    from faceorganizer.core.people import suggest

    regroup(library)
    ops = PeopleOps(library)
    a = _person_of(library, "A0")
    ops.name(a, "Anna")
    # a fragment of Anna's photos sits in its own unnamed group, as clustering often leaves it
    fragment = [_face_of(library, "A4"), _face_of(library, "A5")]
    with library.transaction():
        ops.repo.unassign(fragment)
        group = ops.repo.create(None)
        ops.repo.assign(fragment, group, confirmed=False)
    pairs = suggest.suggest_pairs(library)
    assert pairs and (pairs[0].kind, pairs[0].a, pairs[0].b) == ("person_cluster", a, group)
    suggest.reject(library, pairs[0])
    assert all((s.a, s.b) != (a, group) for s in suggest.suggest_pairs(library))
    regroup(library)
    assert not set(fragment) & set(ops.repo.faces_of(a))


def test_unsorted_faces_suggested_for_a_person(library: Database) -> None:
    from faceorganizer.core.people import suggest

    regroup(library)
    ops = PeopleOps(library)
    b = _person_of(library, "B0")
    ops.name(b, "Ben")
    loose = _face_of(library, "B3")
    with library.transaction():
        ops.repo.unassign([loose])
    ranked = suggest.suggest_faces_for(library, b)
    assert ranked and ranked[0][0] == loose
    suggestion_pairs = suggest.suggest_pairs(library)
    assert all(s.b != b for s in suggestion_pairs)


def test_is_this_also_name_offers_fragments_and_each_face_to_its_nearest_person(
    library: Database,
) -> None:
    from faceorganizer.core.people import suggest

    regroup(library)
    ops = PeopleOps(library)
    a, b = _person_of(library, "A0"), _person_of(library, "B0")
    ops.name(a, "Anna")
    ops.name(b, "Ben")
    # two of Anna's photos left in a small unnamed group, one of Ben's faces unsorted
    fragment = [_face_of(library, "A4"), _face_of(library, "A5")]
    loose = _face_of(library, "B3")
    with library.transaction():
        ops.repo.unassign([*fragment, loose])
        group = ops.repo.create(None)
        ops.repo.assign(fragment, group, confirmed=False)
    for_anna = [f for f, _ in suggest.suggest_faces_for(library, a)]
    for_ben = [f for f, _ in suggest.suggest_faces_for(library, b)]
    assert set(for_anna[:2]) == set(fragment)
    assert loose in for_ben and loose not in for_anna  # offered where it belongs, not twice
    # "Yes": they join Anna and are not offered again
    ops.move(fragment, a)
    assert not set(fragment) & {f for f, _ in suggest.suggest_faces_for(library, a)}


def test_single_unsorted_faces_are_asked_about_their_most_likely_person(library: Database) -> None:
    from faceorganizer.core.people import suggest

    regroup(library)
    ops = PeopleOps(library)
    a, b = _person_of(library, "A0"), _person_of(library, "B0")
    ops.name(a, "Anna")
    ops.name(b, "Ben")
    loose = _face_of(library, "B3")
    with library.transaction():
        ops.repo.unassign([loose])
    places = suggest.suggest_places(library)
    assert places and places[0][:2] == (loose, b) and places[0][2] > 0.5
    ops.reject([loose], b)  # "No": never asked about Ben again
    assert all((f, p) != (loose, b) for f, p, _ in suggest.suggest_places(library))


def test_doubtful_face_is_neither_grouped_nor_unsorted_unless_asked(library: Database) -> None:
    from faceorganizer.core.records import FLAG_DOUBTFUL

    face = _face_of(library, "C2")
    with library.transaction():
        library.conn.execute("UPDATE faces SET flags = ? WHERE id = ?", (FLAG_DOUBTFUL, face))
    regroup(library)
    repo = PeopleRepository(library)
    assert face not in repo.assignments()
    assert face not in repo.unsorted_faces()
    assert face in repo.unsorted_faces(doubtful=True)  # still there for a user who asks
    assert _person_of(library, "C1") == _person_of(library, "C3")  # the rest as before
    regroup(library, GroupingOptions(doubtful=True))
    assert repo.assignments()[face].person_id == _person_of(library, "C1")
