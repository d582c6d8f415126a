"""SIGKILL at random moments: the database stays whole, nothing is duplicated or forgotten."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faceorganizer.core.store.db import Database, schema_version
from tests.conftest import shared_set

pytestmark = pytest.mark.golden

CMD = [sys.executable, "-m", "faceorganizer"]


def _check(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        dup_photos = conn.execute(
            "SELECT count(*) FROM "
            "(SELECT raw_path FROM photos GROUP BY raw_path HAVING count(*) > 1)"
        ).fetchone()[0]
        dup_faces = conn.execute(
            "SELECT count(*) FROM (SELECT photo_id, x, y, w, h FROM faces "
            "GROUP BY photo_id, x, y, w, h HAVING count(*) > 1)"
        ).fetchone()[0]
        assert (dup_photos, dup_faces) == (0, 0)
    finally:
        conn.close()


def _signature(db: Path) -> list[tuple[str, int, tuple[int, ...]]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT p.path, f.idx, f.x, f.y, f.w, f.h FROM faces f JOIN photos p ON p.id = f.photo_id"
    ).fetchall()
    conn.close()
    return sorted((Path(r[0]).name, r[1], tuple(round(v) for v in r[2:])) for r in rows)


def _kill_after(args: list[str], seconds: float) -> int | None:
    proc = subprocess.Popen([*CMD, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=seconds)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def test_scan_killed_twenty_times_resumes_to_a_clean_result(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for src in sorted(shared_set("celebrities").glob("*.jpg")):
        shutil.copy2(src, lib / src.name)
    clean, killed = tmp_path / "clean.db", tmp_path / "killed.db"
    subprocess.run([*CMD, "scan", str(lib), "--db", str(clean)], check=True, capture_output=True)
    rng = random.Random(20261124)
    kills = attempts = 0
    while kills < 20 and attempts < 60:
        attempts += 1
        finished = _kill_after(["scan", str(lib), "--db", str(killed)], rng.uniform(0.3, 1.8))
        if finished is None:
            kills += 1
        if killed.exists():
            _check(killed)
        if finished == 0:
            # the library is done: start over on a fresh database so every kill lands mid-work
            killed.unlink()
            for extra in tmp_path.glob("killed.db-*"):
                extra.unlink()
    assert kills == 20
    subprocess.run([*CMD, "scan", str(lib), "--db", str(killed)], check=True, capture_output=True)
    _check(killed)
    assert _signature(killed) == _signature(clean)


def test_decisions_survive_kills_during_clustering_and_operations(library_copy: Path) -> None:
    db = str(library_copy)
    subprocess.run([*CMD, "cluster", "--db", db], check=True, capture_output=True)
    people = Database(library_copy, readonly=True)
    groups = people.conn.execute(
        "SELECT person_id, count(*) c FROM face_person GROUP BY person_id ORDER BY c DESC"
    ).fetchall()
    people.close()
    first, second, third = (g[0] for g in groups[:3])
    subprocess.run([*CMD, "name", str(first), "Anna", "--db", db], check=True)
    subprocess.run([*CMD, "merge", str(first), str(second), "--db", db], check=True)
    conn = sqlite3.connect(db)
    victim = conn.execute(
        "SELECT face_id FROM face_person WHERE person_id = ? LIMIT 1", (first,)
    ).fetchone()[0]
    conn.close()
    subprocess.run(
        [*CMD, "reject", "--face", str(victim), "--from", "Anna", "--db", db], check=True
    )
    rng = random.Random(7)
    for i in range(6):
        _kill_after(["cluster", "--db", db], rng.uniform(0.2, 1.5))
        _kill_after(["name", str(third), f"Ben {i}", "--db", db], rng.uniform(0.2, 1.0))
        _check(library_copy)
        conn = sqlite3.connect(db)
        anna = conn.execute("SELECT id FROM people WHERE name = 'Anna'").fetchone()
        assert anna == (first,)
        assert (
            conn.execute("SELECT count(*) FROM people WHERE id = ?", (second,)).fetchone()[0] == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM rejections WHERE face_id = ? AND person_id = ?",
                (victim, first),
            ).fetchone()[0]
            == 1
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM face_person WHERE face_id = ? AND person_id = ?",
                (victim, first),
            ).fetchone()[0]
            == 0
        )
        conn.close()


def test_an_older_schema_migrates_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    sql = (
        Path(__file__).resolve().parents[2] / "faceorganizer/core/store/migrations/0001_initial.sql"
    ).read_text()
    conn.executescript(sql)
    conn.execute(
        "INSERT INTO photos (raw_path, path, size, mtime_ns, status, scanned_at) "
        "VALUES (x'2f612e6a7067', '/a.jpg', 1, 1, 'ok', 0)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA application_id = 1180782450")
    conn.commit()
    conn.close()
    with Database(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert db.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 1
        assert db.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 0
    backup = tmp_path / "old.db.v1.bak"
    assert backup.exists()
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()
    assert oct(os.stat(backup).st_mode & 0o777) == "0o600"


def test_two_writers_wait_for_each_other(library_copy: Path) -> None:
    """A second writer waits for the first instead of corrupting or failing."""
    holder = sqlite3.connect(library_copy, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    proc = subprocess.Popen(
        [*CMD, "cluster", "--db", str(library_copy)], stdout=subprocess.PIPE, text=True
    )
    time.sleep(1.5)
    assert proc.poll() is None  # waiting, not crashed
    holder.execute("COMMIT")
    holder.close()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "cluster:" in out
    assert time.monotonic() - started >= 1.5
    _check(library_copy)
