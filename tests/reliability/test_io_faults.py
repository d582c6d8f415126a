"""I/O errors injected into database writes, in the spirit of SQLite's own fault tests (issue 19).

Two ways: SQLite itself refusing to grow the file (``PRAGMA max_page_count``: a real SQLITE_FULL)
or becoming read-only mid-run (``PRAGMA query_only``: a real SQLITE_READONLY); and a connection
that fails its N-th write statement with "database or disk is full", swept over N, so every write
of an operation is the one that fails once. Each time: one line, exit 1, the database whole, and
each photo either stored with its faces or not at all; an operation either done or not done.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import faceorganizer.core.faces.scan as scan_module
import faceorganizer.core.store.db as db_module
from faceorganizer.cli.main import run
from faceorganizer.core.faces.scan import ScanProgress, scan_library
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.store.db import Database, StoreWriteError
from tests.reliability.fakes import FakeEngine, small_library
from tests.reliability.hostile import jpeg

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Faults:
    fail_at: int | None = None  # the write statement (1-based, counted over all connections)
    writes: int = 0
    message = "database or disk is full"


class FaultyConnection(sqlite3.Connection):
    """A connection whose ``_Faults.fail_at``-th write statement fails as a full disk would."""

    def _count(self, sql: str) -> None:
        if sql.lstrip().upper().startswith(_WRITES):
            _Faults.writes += 1
            if _Faults.fail_at is not None and _Faults.writes == _Faults.fail_at:
                raise sqlite3.OperationalError(_Faults.message)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        self._count(sql)
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        self._count(sql)
        return super().executemany(sql, *args)


@pytest.fixture()
def faulty(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Faults]]:
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return real(*args, factory=FaultyConnection, **kwargs)

    monkeypatch.setattr(db_module.sqlite3, "connect", connect)
    _Faults.fail_at, _Faults.writes = None, 0
    yield _Faults
    _Faults.fail_at, _Faults.writes = None, 0


def _dump(path: Path) -> list[tuple[Any, ...]]:
    """Every row of every table (the database's content, independent of its pages)."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY 1")
        ]
        rows: list[tuple[Any, ...]] = []
        for table in tables:
            if table.startswith("sqlite_"):
                continue
            rows += [(table, *r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]
    conn.close()
    return rows


def _photos_whole(path: Path) -> tuple[int, int]:
    """(stored photos, of which without their face): a half-stored photo has no face."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT count(*) FROM photos WHERE status = 'ok'").fetchone()[0]
        bare = conn.execute(
            "SELECT count(*) FROM photos p WHERE status = 'ok'"
            " AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id)"
        ).fetchone()[0]
    conn.close()
    return int(stored), int(bare)


def _library(folder: Path, n: int, seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"p{seed + i:03d}.jpg").write_bytes(jpeg(32, 24, seed=seed + i))


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_scan_hitting_a_real_write_failure_keeps_the_database_whole(
    tmp_path: Path, fault: str
) -> None:
    lib = tmp_path / "lib"
    _library(lib, 5)
    db_path = tmp_path / "x.db"
    with Database(db_path) as db:
        assert scan_library(db, [str(lib)], engine=[FakeEngine()]).processed == 5
    _library(lib, 300, seed=100)

    with Database(db_path) as db:
        if fault == "full":
            pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
            db.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
            progress = None
        else:

            def progress(state: ScanProgress) -> None:
                if state.processed == 20:
                    db.conn.execute("PRAGMA query_only = 1")

        with pytest.raises(StoreWriteError) as caught:
            scan_library(db, [str(lib)], engine=[FakeEngine()], progress=progress)
    message = str(caught.value)
    assert "database is whole" in message and "\n" not in message
    assert ("disk is full" if fault == "full" else "cannot be written") in message
    stored, bare = _photos_whole(db_path)
    assert 5 <= stored < 305 and bare == 0
    with Database(db_path) as db:  # and a later scan finishes the work
        again = scan_library(db, [str(lib)], engine=[FakeEngine()])
    assert again.processed == 305 - stored and _photos_whole(db_path) == (305, 0)


@pytest.fixture()
def fake_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``scan`` from the command line, in this process, with a fake engine (no models)."""
    monkeypatch.setattr(scan_module, "FaceEngine", lambda options: FakeEngine())
    one_engine = scan_module.ScanPlan(0, 1, 1, scan_module.CPU_BATCH, "cpu")  # one core's plan
    monkeypatch.setattr(scan_module, "plan_scan", lambda options, *_: one_engine)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, h in handlers.items():
        signal.signal(s, h)


@pytest.mark.parametrize("fail_at", [1, 2, 3, 5, 8, 13, 40])
def test_scan_command_on_a_full_disk_says_so_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    faulty: type[_Faults],
    fake_models: None,
    fail_at: int,
) -> None:
    lib = tmp_path / "lib"
    _library(lib, 12)
    db_path = tmp_path / "x.db"
    Database(db_path).close()  # created (and migrated) before faults start
    _Faults.writes, _Faults.fail_at = 0, fail_at
    code = run(["scan", str(lib), "--db", str(db_path), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("error: the disk is full") and "database is whole" in line
    stored, bare = _photos_whole(db_path)
    assert bare == 0 and stored < 12


@pytest.mark.parametrize(
    "argv",
    [
        ("name", "1", "Bob"),
        ("merge", "1", "2"),
        ("move", "--face", "3", "--to", "Anna"),
        ("move", "--face", "3", "--to", "Someone New"),
        ("reject", "--face", "1", "--from", "Anna"),
        ("ignore", "--face", "2"),
        ("hide", "Anna"),
        ("undo",),
    ],
    ids=" ".join,
)
def test_people_operations_on_a_full_disk_are_all_or_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], faulty: type[_Faults], argv: tuple[str, ...]
) -> None:
    """Every write of the operation fails once in turn: each time one line, exit 1, no change."""
    template = tmp_path / "template.db"
    db = small_library(template, photos=4)
    ops = PeopleOps(db)
    ops.create_person("Anna", [1, 2])
    ops.create_person("Carl", [4])
    db.close()
    # how many writes the operation makes when nothing fails
    probe = tmp_path / "probe.db"
    shutil.copy(template, probe)
    _Faults.writes, _Faults.fail_at = 0, None
    assert run([*argv, "--db", str(probe)]) == 0, capsys.readouterr()
    total = _Faults.writes
    assert total > 0
    capsys.readouterr()
    for fail_at in range(1, total + 1):
        target = tmp_path / f"t{fail_at}.db"
        shutil.copy(template, target)
        before = _dump(target)
        _Faults.writes, _Faults.fail_at = 0, fail_at
        code = run([*argv, "--db", str(target)])
        out, err = capsys.readouterr()
        assert code == 1, (fail_at, out, err)
        (line,) = err.strip().splitlines()
        assert "disk is full" in line and "database is whole" in line, line
        _Faults.fail_at = None
        assert _dump(target) == before, f"write {fail_at} of {total} left a change behind"
