from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.store.db import Database, StoreError, schema_version
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face


def test_new_database_is_private_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "lib.db"
    with Database(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_faces_round_trip_and_cascade(tmp_path: Path) -> None:
    with Database(tmp_path / "lib.db") as db:
        photos, faces = PhotoRepository(db), FaceRepository(db)
        with db.transaction():
            pid = photos.upsert(
                raw_path=b"/x/a.jpg",
                path="/x/a.jpg",
                size=1,
                mtime_ns=2,
                content_hash="h",
                status="ok",
            )
            faces.replace_for_photo(pid, [new_face(seed=1), new_face(seed=2)], "pack")
        vec = faces.vectors()
        assert vec.vectors.shape == (2, 128)
        np.testing.assert_allclose(np.linalg.norm(vec.vectors, axis=1), 1, atol=1e-6)
        with db.transaction():
            faces.replace_for_photo(pid, [new_face(seed=3)], "pack")  # re-processing replaces
        assert faces.count() == 1
        with db.transaction():
            photos.delete([pid])
        assert faces.count() == 0


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Database(tmp_path / "lib.db") as db:
        photos = PhotoRepository(db)
        with pytest.raises(RuntimeError), db.transaction():
            photos.upsert(
                raw_path=b"/a", path="/a", size=1, mtime_ns=1, content_hash=None, status="ok"
            )
            raise RuntimeError("boom")
        assert photos.count() == 0


def test_a_foreign_database_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a FaceOrganizer database"):
        Database(path)


def test_a_file_that_is_not_sqlite_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError):
        Database(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Database(path)
