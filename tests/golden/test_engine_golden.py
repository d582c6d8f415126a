"""The real models on the real shared photos: the engine finds and separates faces."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.faces import scan as scan_module
from faceorganizer.core.faces.scan import ScanOptions, scan_library
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from tests.conftest import shared_set
from tests.labels import largest_faces, read_labels

pytestmark = pytest.mark.golden


def _faces_by_photo(db_path: Path) -> dict[str, int]:
    with Database(db_path, readonly=True) as db:
        rows = FaceRepository(db).rows()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.path] = counts.get(r.path, 0) + 1
    return counts


def test_a_face_in_every_celebrity_photo_and_nearly_every_snapshot(scanned_library: Path) -> None:
    counts = _faces_by_photo(scanned_library)
    celeb = [p for p in counts if "/celebrities/" in p]
    snaps = [p for p in counts if "/snapshots/" in p]
    assert len(celeb) == 64
    assert len(snaps) >= 185


def test_group_photos_yield_several_faces(scanned_library: Path) -> None:
    counts = {Path(p).name: n for p, n in _faces_by_photo(scanned_library).items()}
    assert counts["couple.jpg"] >= 2
    assert counts["selfie-many-people.jpg"] >= 4


def test_labelled_faces_are_closest_to_their_own_person(scanned_library: Path) -> None:
    labels = read_labels(shared_set("celebrities") / "labels.csv")
    with Database(scanned_library, readonly=True) as db:
        repo = FaceRepository(db)
        rows = [r for r in repo.rows() if "/celebrities/" in r.path]
        vec = repo.vectors()
    by_id = dict(zip(vec.ids.tolist(), vec.vectors, strict=True))
    faces = largest_faces(rows)
    names = sorted(labels)
    x = np.stack([by_id[faces[n].id] for n in names])
    who = np.array([labels[n] for n in names])
    sim = x @ x.T
    for i, name in enumerate(names):
        own = (who == who[i]) & (np.arange(len(names)) != i)
        other = who != who[i]
        assert sim[i, own].min() > sim[i, other].max(), (
            name,
            sim[i, own].min(),
            sim[i, other].max(),
        )


def test_faces_json_has_the_contracted_keys(scanned_library: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "faceorganizer", "faces", "--db", str(scanned_library), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    items = json.loads(out)
    assert len(items) >= 290
    first = items[0]
    assert {"photo", "box", "landmarks", "score", "quality"} <= set(first)
    assert len(first["box"]) == 4 and len(first["landmarks"]) == 5


def test_rescan_of_an_unchanged_library_reads_nothing(
    library_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_models(*_: object, **__: object) -> None:
        raise AssertionError("an unchanged library must not load the models")

    monkeypatch.setattr(scan_module, "FaceEngine", no_models)
    started = time.monotonic()
    with Database(library_copy) as db:
        summary = scan_library(db, [str(shared_set("celebrities")), str(shared_set("snapshots"))])
    elapsed = time.monotonic() - started
    assert (summary.seen, summary.processed, summary.unchanged) == (250, 0, 250)
    print(f"rescan of 250 unchanged photos: {elapsed:.2f} s")


def _small_library(tmp_path: Path, n: int = 12) -> Path:
    lib = tmp_path / "lib"
    (lib / "album").mkdir(parents=True)
    for src in sorted(shared_set("celebrities").glob("img*.jpg"))[:n]:
        shutil.copy2(src, lib / "album" / src.name)
    return lib


def _face_signature(db_path: Path, root: Path) -> list[tuple[str, int, tuple[int, ...]]]:
    with Database(db_path, readonly=True) as db:
        rows = FaceRepository(db).rows()
    return sorted(
        (os.path.relpath(r.path, root), r.idx, tuple(round(v) for v in r.box)) for r in rows
    )


def test_touch_reprocesses_one_and_rename_keeps_faces(tmp_path: Path) -> None:
    lib = _small_library(tmp_path)
    db_path = tmp_path / "lib.db"
    with Database(db_path) as db:
        first = scan_library(db, [str(lib)])
        assert first.processed == 12
        ids_before = {r.path: r.id for r in FaceRepository(db).rows()}
        victim = sorted((lib / "album").iterdir())[0]
        os.utime(victim, ns=(time.time_ns(), time.time_ns()))
        touched = scan_library(db, [str(lib)])
        assert (touched.processed, touched.unchanged) == (1, 11)
        (lib / "album").rename(lib / "renamed")
        moved = scan_library(db, [str(lib)])
        assert (moved.processed, moved.moved, moved.deleted) == (0, 12, 0)
        rows = FaceRepository(db).rows()
        assert all("/renamed/" in r.path for r in rows)
        kept = {r.path.replace("/renamed/", "/album/"): r.id for r in rows}
        unchanged_ids = {p: i for p, i in ids_before.items() if p != str(victim)}
        assert all(kept[p] == i for p, i in unchanged_ids.items())
        (lib / "renamed" / victim.name).unlink()
        deleted = scan_library(db, [str(lib)])
        assert deleted.deleted == 1


def test_killed_scan_resumes_to_the_same_faces(tmp_path: Path) -> None:
    lib = _small_library(tmp_path, n=60)
    total = len(list((lib / "album").iterdir()))
    clean_db, killed_db = tmp_path / "clean.db", tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "faceorganizer", "scan", str(lib), "--no-progress"]
    subprocess.run([*cmd, "--db", str(clean_db)], check=True, capture_output=True)
    proc = subprocess.Popen([*cmd, "--db", str(killed_db)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        try:
            with Database(killed_db, readonly=True) as db:
                done = int(db.conn.execute("SELECT count(*) FROM photos").fetchone()[0])
        except Exception:  # noqa: BLE001 - the file may not exist or be migrating yet
            continue
        if done >= 1:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < total, "the scan should have been killed midway"
    result = subprocess.run(
        [*cmd, "--db", str(killed_db)], check=True, capture_output=True, text=True
    )
    assert "processed=" in result.stdout
    with Database(killed_db) as db:
        check = db.conn.execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"
    assert _face_signature(killed_db, lib) == _face_signature(clean_db, lib)


def test_an_emptied_root_is_offline_not_deleted(tmp_path: Path) -> None:
    lib = _small_library(tmp_path, n=3)
    db_path = tmp_path / "lib.db"
    with Database(db_path) as db:
        assert scan_library(db, [str(lib)]).processed == 3
        hidden = tmp_path / "unplugged"
        (lib / "album").rename(hidden)  # the drive is gone; its mount point stays, empty
        summary = scan_library(db, [str(lib)])
        assert summary.deleted == 0
        assert FaceRepository(db).count() >= 3


def test_a_scan_for_the_app_caches_face_thumbnails_on_the_way(tmp_path: Path) -> None:
    """The app's scan leaves thumbnails the app then reads without decoding a photo again."""
    from faceorganizer.core.photos import thumbnails

    lib = _small_library(tmp_path)
    with Database(tmp_path / "lib.db") as db:
        summary = scan_library(db, [str(lib)], ScanOptions(thumbnails=True))
        rows = FaceRepository(db).rows()
    assert summary.processed == 12 and rows
    cached = [
        r
        for r in rows
        if thumbnails._cache_path("face", r.path, 128, r.box).is_file()  # type: ignore[union-attr]
    ]
    assert len(cached) >= len(rows) // 2  # faces too small in the decoded photo are left out
    for row in cached[:3]:
        thumb = thumbnails.face_thumbnail(row.path, row.box)
        fresh = thumbnails.face_thumbnail(row.path, row.box, use_cache=False)
        assert thumb.shape == fresh.shape == (128, 128, 3)
        # the same picture as one made from the photo itself, up to resampling
        assert float(np.abs(thumb.astype(int) - fresh.astype(int)).mean()) < 12
