"""The library knows its own folders (issue 31, point 5): `scan` records its roots, the window
reads and edits the same list, an older database gains the table when it is migrated."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from faceorganizer.core.library import Library


def test_a_command_line_scan_records_its_folders(tmp_path: Path) -> None:
    lib, other = tmp_path / "lib", tmp_path / "other"
    (lib / "sub").mkdir(parents=True)
    other.mkdir()
    db = tmp_path / "x.db"
    scan = [sys.executable, "-m", "faceorganizer", "scan", "--db", str(db), "--no-group"]
    result = subprocess.run([*scan, str(lib)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert Library(db).folders() == [str(lib)]
    # One folder of the library scanned again adds nothing; another folder is added after it.
    for root in (lib / "sub", other, lib / "missing"):
        done = subprocess.run([*scan, str(root)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert Library(db).folders() == [str(lib), str(other)]


def test_folders_are_added_and_removed_by_one_rule(tmp_path: Path) -> None:
    library = Library(tmp_path / "x.db")
    library.open()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert library.add_folders([f"{a}/x", b, f"{a}/x"]) == [f"{a}/x", b]
    assert library.add_folders([a]) == [b, a]  # a folder that holds a listed one replaces it
    assert library.add_folders([f"{a}/y"]) == [b, a]
    assert library.remove_folders([b, str(tmp_path / "never")]) == [a]
    assert Library(tmp_path / "x.db").folders() == [a]


def test_an_older_database_gains_the_folder_table(tmp_path: Path) -> None:
    from faceorganizer.core.store.db import APP_ID, _migrations, _split_sql

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for _n, _name, sql in _migrations()[:2]:  # a library of schema 2, before 0004's folders
        for statement in _split_sql(sql):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APP_ID}")
    conn.close()
    library = Library(path)
    library.open()
    assert library.add_folders([str(tmp_path)]) == [str(tmp_path)]
    assert (tmp_path / "old.db.v2.bak").exists()
