"""A write-ahead log copied in beside the database is never applied silently (issue 25, 11)."""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from faceorganizer.core.store.db import Database, StoreError
from faceorganizer.core.store.people import PeopleRepository


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _library(path: Path, name: str) -> Path:
    db = Database(path)
    with db.transaction():
        PeopleRepository(db).create(name)
    db.close()
    assert not path.with_name(path.name + "-wal").exists()  # a clean close folds the log in
    return path


def _names(db: Database) -> list[str]:
    return sorted(r[0] for r in db.conn.execute("SELECT name FROM people"))


def _live_log(db: sqlite3.Connection | Database, source: Path, target: Path) -> None:
    """Copy ``source``'s write-ahead log (with writes in it, its connection still open)."""
    shutil.copy2(source.with_name(source.name + "-wal"), target.with_name(target.name + "-wal"))


def test_another_programs_log_is_refused_and_the_library_left_as_it_was(tmp_path: Path) -> None:
    ours = _library(tmp_path / "library.db", "Anna")
    before = _digest(ours)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("PRAGMA application_id = 305419896")  # another program's id: page 1 rewritten
    conn.execute("CREATE TABLE notes (x)")
    conn.execute("INSERT INTO notes VALUES ('not a face')")
    _live_log(conn, other, ours)
    conn.close()
    with pytest.raises(StoreError, match="another database"):
        Database(ours)
    assert _digest(ours) == before
    ours.with_name("library.db-wal").unlink()
    db = Database(ours)  # once the stray log is moved away the library opens as it was
    assert _names(db) == ["Anna"]
    db.close()


def test_a_log_without_its_index_is_applied_only_after_the_library_is_copied_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ours = _library(tmp_path / "library.db", "Anna")
    before = _digest(ours)
    theirs = _library(tmp_path / "theirs.db", "Bert")
    db = Database(theirs)
    db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    with db.transaction():
        PeopleRepository(db).create("Carl")
    _live_log(db, theirs, ours)  # another library's log, copied in without its -shm
    db.close()
    with caplog.at_level(logging.WARNING, logger="faceorganizer"):
        opened = Database(ours)
    opened.close()
    backup = tmp_path / "library.db.before-wal.bak"
    assert backup.exists() and _digest(backup) == before
    assert opened.notice is not None and "library.db.before-wal.bak" in opened.notice
    assert any("before-wal.bak" in r.getMessage() for r in caplog.records)


def test_our_own_log_after_a_crash_is_applied_without_a_copy(tmp_path: Path) -> None:
    ours = _library(tmp_path / "library.db", "Anna")
    db = Database(ours)
    db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    with db.transaction():
        PeopleRepository(db).create("Bert")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal", "-shm"):  # what a killed FaceOrganizer leaves behind
        shutil.copy2(tmp_path / f"library.db{suffix}", crashed / f"library.db{suffix}")
    db.close()
    reopened = Database(crashed / "library.db")
    names = _names(reopened)
    reopened.close()
    assert names == ["Anna", "Bert"]
    assert reopened.notice is None
    assert not (crashed / "library.db.before-wal.bak").exists()
