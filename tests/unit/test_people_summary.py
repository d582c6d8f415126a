"""The People list at 20,000 groups (issue 30): each person's counts kept in ``people_summary``
(migration 0006) say what counting them live says after every kind of change, and the
"same person?" count is remembered while nothing it depends on changes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceorganizer.core.library import Library
from faceorganizer.core.store import people_summary
from faceorganizer.core.store.browse import load_people
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository


def _build(path: Path, people: int = 60, photos: int = 200) -> Path:
    """A small library written as the benchmark writes its 200,000 faces: 4 faces a photo,
    most of them in groups, a few named, dates on most photos, qualities with ties."""
    rng = random.Random(30)
    vecs = np.random.default_rng(30).normal(size=(photos * 4, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with Database(path) as db, db.transaction():
        conn = db.conn
        conn.executemany(
            "INSERT INTO photos (id, raw_path, path, size, mtime_ns, content_hash, width,"
            " height, orientation, taken_at, format, status, pack_id, scanned_at)"
            " VALUES (?, ?, ?, 1, 1, ?, 96, 96, 1, ?, 'JPEG', 'ok', 'p', 0)",
            [(i + 1, f"/l/{i}.jpg".encode(), f"/l/{i}.jpg", f"h{i}",
              None if i % 7 == 0 else f"{2000 + i % 20}-01-01T00:00:00")
             for i in range(photos)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO faces (id, photo_id, idx, x, y, w, h, landmarks, det_score, quality,"
            " size_px, blur, yaw, norm, flags, pack_id, dim, embedding) VALUES (?, ?, ?, 1, 1,"
            " 30, 30, '[]', 0.9, ?, 30, 100, 0, 20, 0, 'p', 8, ?)",
            [(f + 1, f // 4 + 1, f % 4, rng.choice([0.3, 0.5, 0.9]), vecs[f].tobytes())
             for f in range(photos * 4)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO people (id, name, created_at) VALUES (?, ?, 0)",
            [(p + 1, f"Person {p}" if p < 8 else None) for p in range(people)],
        )
        conn.executemany(
            "INSERT INTO face_person (face_id, person_id, confirmed) VALUES (?, ?, ?)",
            [(f + 1, rng.randint(1, people), int(f % 3 == 0)) for f in range(photos * 3)],
        )
    return path


def _live(db: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(people_summary, "refresh", lambda _db: False)  # count every face again
        return _read(db)


def _read(db: Database) -> Any:
    repo = PeopleRepository(db)
    return (
        load_people(db, include_hidden=True),
        load_people(db),
        repo.list_people(include_hidden=True, include_empty=True),
    )


def test_the_kept_counts_say_what_counting_live_says_after_every_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(_build(tmp_path / "lib.db"))
    conn = db.conn
    assert _read(db) == _live(db, monkeypatch)  # the first read counts everyone once
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    again = _read(db)
    conn.set_trace_callback(None)
    assert again == _live(db, monkeypatch)
    # nothing changed: the People list read the kept rows, it counted no face
    assert any("people_summary" in s for s in statements)
    assert not any("count(" in s for s in statements), statements

    changes = [
        # a face moved as the operations move them (INSERT OR REPLACE: no delete trigger)
        "INSERT OR REPLACE INTO face_person (face_id, person_id, confirmed) VALUES (1, 2, 1)",
        "DELETE FROM face_person WHERE person_id = 3",
        "UPDATE face_person SET confirmed = 1 WHERE person_id = 4",
        "UPDATE face_person SET person_id = 6 WHERE person_id = 5",
        "UPDATE photos SET taken_at = '2031-01-01T00:00:00' WHERE id IN"
        " (SELECT photo_id FROM faces WHERE id IN (SELECT face_id FROM face_person"
        " WHERE person_id = 7))",
        "UPDATE faces SET quality = 0.99 WHERE id = (SELECT max(face_id) FROM face_person"
        " WHERE person_id = 9)",
        "DELETE FROM faces WHERE id IN (SELECT face_id FROM face_person WHERE person_id = 10"
        " LIMIT 2)",
        "DELETE FROM photos WHERE id IN (SELECT photo_id FROM faces WHERE id IN"
        " (SELECT face_id FROM face_person WHERE person_id = 11) LIMIT 2)",
        "DELETE FROM people WHERE id = 12",
        # a rescan's upsert of a photo with two faces of one person: its conflict clause
        # overrides the triggers' own (a UNIQUE failure on people_dirty, before)
        "UPDATE face_person SET person_id = 20 WHERE face_id IN (1, 2)",
        "INSERT INTO photos (raw_path, path, size, mtime_ns, content_hash, status, scanned_at)"
        " VALUES (CAST('/l/0.jpg' AS BLOB), '/l/0.jpg', 1, 1, 'h0', 'ok', 0)"
        " ON CONFLICT (raw_path) DO UPDATE SET taken_at = '2032-01-01T00:00:00'",
        "INSERT INTO people (name, created_at) VALUES ('Nobody yet', 0)",
        "INSERT INTO people (id, name, created_at) VALUES (12, NULL, 0)",  # an id used again
        "UPDATE people SET hidden = 1 WHERE id = 13",
        "UPDATE people SET cover_face_id = (SELECT min(face_id) FROM face_person"
        " WHERE person_id = 14) WHERE id = 14",
        "INSERT OR REPLACE INTO face_person (face_id, person_id, confirmed) SELECT face_id, 15,"
        " 1 FROM face_person WHERE person_id = 14",  # its cover went with the faces
    ]
    for sql in changes:
        with db.transaction():
            conn.execute(sql)
        assert _read(db) == _live(db, monkeypatch), sql
    # inside an operation's transaction: kept within it, rolled back with it
    with pytest.raises(RuntimeError), db.transaction():
        conn.execute("DELETE FROM face_person WHERE person_id = 16")
        assert _read(db) == _live(db, monkeypatch)
        raise RuntimeError("the operation fails")
    assert _read(db) == _live(db, monkeypatch)
    # a read-only library, with changes it cannot keep: counted live
    with db.transaction():
        conn.execute("DELETE FROM face_person WHERE person_id = 17")
    with Database(db.path, readonly=True) as ro:
        assert _read(ro) == _live(db, monkeypatch)
    db.close()


def test_the_question_count_is_remembered_until_something_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faceorganizer.core.people import suggest

    library = Library(_build(tmp_path / "lib.db"))
    library.open()
    worked: list[int] = []
    real = suggest.suggest_pairs

    def counting(*args: Any, **kwargs: Any) -> Any:
        worked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(suggest, "suggest_pairs", counting)
    first = library.question_count()
    assert worked == [1]
    assert library.question_count() == first and worked == [1]  # remembered: a start reads it
    assert Library(library.db_path).question_count() == first and worked == [1]
    with Database(library.db_path) as db, db.transaction():
        db.conn.execute("INSERT INTO rejections (face_id, person_id) VALUES (1, 2)")
    assert library.question_count() == len(real(Database(library.db_path), limit=None))
    assert len(worked) == 2
    # a count cut short is not remembered
    with Database(library.db_path) as db, db.transaction():
        db.conn.execute("DELETE FROM rejections")
    library.question_count(should_stop=lambda: True)
    library.question_count()
    assert len(worked) == 4


def test_the_people_list_read_again_unchanged_is_the_last_one(tmp_path: Path) -> None:
    library = Library(_build(tmp_path / "lib.db"))
    library.open()
    first = library.people()
    again = library.people()
    assert again == first and all(a is b for a, b in zip(again, first, strict=True))
    assert library.people(include_hidden=True) == first  # none hidden; read, not recalled
    # every change a row shows is read afresh: a name, a moved photo, a face moved
    library.name_person(first[-1].id, "Zed")
    renamed = library.people()
    assert [p.name for p in renamed if p.id == first[-1].id] == ["Zed"]
    cover = renamed[0].cover
    assert cover is not None
    with Database(library.db_path) as db, db.transaction():
        db.conn.execute("UPDATE photos SET path = '/moved.jpg' WHERE id = ?", (cover.photo_id,))
    moved = library.people()
    assert moved[0].cover is not None and moved[0].cover.path == "/moved.jpg"
    with Database(library.db_path) as db, db.transaction():
        db.conn.execute("DELETE FROM face_person WHERE person_id = ?", (moved[1].id,))
    assert moved[1].id not in {p.id for p in library.people()}


def test_face_vectors_read_a_chunk_at_a_time_are_the_rows(tmp_path: Path) -> None:
    from faceorganizer.core.store.faces import FaceRepository, _stream_vectors, _vectors

    with Database(_build(tmp_path / "lib.db")) as db:
        sql = "SELECT id, photo_id, quality, flags, dim, embedding FROM faces ORDER BY id"
        whole = _vectors(db.conn.execute(sql).fetchall())
        # counted right, too few (faces added since), too many (faces removed since)
        for expected in (800, 10, 5000):
            got = _stream_vectors(db.conn.execute(sql), expected, chunk=64)
            for field in ("ids", "photo_ids", "vectors", "quality", "flags"):
                a, b = getattr(got, field), getattr(whole, field)
                assert a.dtype == b.dtype and np.array_equal(a, b), (expected, field)
        assert np.array_equal(FaceRepository(db).vectors().vectors, whole.vectors)
