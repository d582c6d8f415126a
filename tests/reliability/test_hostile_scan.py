"""The scan survives a hostile library: bad files are reported with reasons, odd ones processed,
files and folders that vanish mid-scan are reported, and nothing stored is lost for it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.scan import ScanProgress, scan_library
from faceorganizer.core.records import EngineOptions
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.conftest import shared_set
from tests.reliability.hostile import (
    IGNORED_KINDS,
    NO_READ_PERMISSION,
    PROCESSED_KINDS,
    SKIPPED_KINDS,
    UNREADABLE_KINDS,
    CliRun,
    is_root,
    jpeg,
    make_hostile_library,
    run_cli,
    shown,
)

FACE_PHOTO = "img1.jpg"  # one clear face
MAX_RSS_BYTES = int(1.5 * 1024**3)


@dataclass
class HostileScan:
    root: Path
    db: Path
    kinds: dict[str, str]
    first: CliRun
    second: CliRun

    def paths(self, *kinds: str) -> list[str]:
        return [shown(self.root / rel) for rel, kind in self.kinds.items() if kind in kinds]


def _env(home: Path) -> dict[str, str]:
    return {
        "FACEORGANIZER_HOME": str(home),
        "FACEORGANIZER_THREADS": os.environ.get("FACEORGANIZER_THREADS", "2"),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileScan:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "lib"
    kinds = make_hostile_library(root, with_face=shared_set("celebrities") / FACE_PHOTO)
    db = base / "library.db"
    env = _env(base / "home")
    first = run_cli("scan", str(root), "--db", str(db), "--no-progress", env=env, timeout=120)
    second = run_cli("scan", str(root), "--db", str(db), "--no-progress", env=env, timeout=120)
    return HostileScan(root, db, kinds, first, second)


def _reason(run: CliRun, prefix: str, path: str) -> str | None:
    head = f"{prefix}: {path}: "
    found = [line[len(head) :] for line in run.stdout.splitlines() if line.startswith(head)]
    assert len(found) <= 1, f"{path} reported {len(found)} times"
    return found[0] if found else None


def test_scan_of_hostile_library_exits_cleanly(hostile: HostileScan) -> None:
    run = hostile.first
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.summary()["status"] == "done"
    assert run.max_rss_bytes < MAX_RSS_BYTES, f"peak RSS {run.max_rss_bytes / 2**20:.0f} MiB"


@pytest.mark.parametrize("kind", sorted(SKIPPED_KINDS))
def test_bad_file_is_skipped_with_a_reason(hostile: HostileScan, kind: str) -> None:
    for path in hostile.paths(kind):
        reason = _reason(hostile.first, "skipped", path)
        assert reason is not None, f"{kind} {path} not reported:\n{hostile.first.stdout}"
        for words in SKIPPED_KINDS[kind]:
            assert words in reason.lower(), (kind, reason)


@pytest.mark.parametrize("kind", sorted(UNREADABLE_KINDS))
def test_unlistable_entry_is_reported_unreadable(hostile: HostileScan, kind: str) -> None:
    paths = hostile.paths(kind)
    assert paths
    for path in paths:
        reason = _reason(hostile.first, "unreadable", path)
        assert reason is not None, f"{kind} {path} not reported:\n{hostile.first.stdout}"
        for words in UNREADABLE_KINDS[kind]:
            assert words in reason.lower(), (kind, reason)


def test_file_without_read_permission(hostile: HostileScan) -> None:
    (path,) = hostile.paths(NO_READ_PERMISSION)
    reason = _reason(hostile.first, "skipped", path)
    if is_root():  # permissions do not stop root: the photo is simply read
        assert reason is None
        assert _stored_status(hostile)[path] == "ok"
    else:
        assert reason is not None and "permission denied" in reason.lower(), reason


def _stored_status(hostile: HostileScan) -> dict[str, str]:
    with Database(hostile.db, readonly=True) as db:
        return {row.path: row.status for row in PhotoRepository(db).index().values()}


@pytest.mark.parametrize("kind", sorted(PROCESSED_KINDS))
def test_odd_but_valid_image_is_processed(hostile: HostileScan, kind: str) -> None:
    status = _stored_status(hostile)
    paths = hostile.paths(kind)
    assert paths
    for path in paths:
        assert _reason(hostile.first, "skipped", path) is None
        assert status.get(path) == "ok", (kind, path, status.get(path))


def test_counts_add_up_and_nothing_is_seen_twice(hostile: HostileScan) -> None:
    s = hostile.first.summary()
    processed = len(hostile.paths(*PROCESSED_KINDS))
    skipped = len(hostile.paths(*SKIPPED_KINDS))
    if is_root():
        processed += 1
    else:
        skipped += 1
    assert int(s["processed"]) == processed
    assert int(s["skipped"]) == skipped
    # the folder loop and the link cycle do not make any photo count twice
    assert int(s["seen"]) == processed + skipped
    # links and pipes are not photos: they are never stored
    stored = _stored_status(hostile)
    for path in hostile.paths(*IGNORED_KINDS, *UNREADABLE_KINDS):
        assert path not in stored


def test_face_photo_yields_a_face(hostile: HostileScan) -> None:
    (path,) = hostile.paths("face-photo")
    with Database(hostile.db, readonly=True) as db:
        faces = [f for f in FaceRepository(db).rows() if f.path == path]
    assert len(faces) >= 1
    assert int(hostile.first.summary()["faces"]) >= 1


def test_second_scan_finds_everything_unchanged(hostile: HostileScan) -> None:
    run = hostile.second
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    s, first = run.summary(), hostile.first.summary()
    assert s["seen"] == first["seen"]
    assert s["unchanged"] == s["seen"]
    assert (s["processed"], s["skipped"], s["moved"], s["deleted"]) == ("0", "0", "0", "0")
    assert run.max_rss_bytes < MAX_RSS_BYTES


# -- things vanishing while the scan runs (the scan called in this process) --------------------


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine(EngineOptions(device="cpu", threads=2))


def _photos(folder: Path, names: list[str], seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(names):
        (folder / name).write_bytes(jpeg(48, 36, seed=seed + i))
        out.append(folder / name)
    return out


def _after_first_photo(action: Callable[[], None]) -> tuple[Callable[[ScanProgress], None], list]:
    fired: list[int] = []

    def progress(state: ScanProgress) -> None:
        if state.done >= 1 and not fired:
            fired.append(state.done)
            action()

    return progress, fired


def test_file_deleted_during_the_scan_is_reported(tmp_path: Path, engine: FaceEngine) -> None:
    lib = tmp_path / "lib"
    photos = _photos(lib, [f"p{i:02d}.jpg" for i in range(20)])
    victim = photos[-1]  # read long after the first photo (the read-ahead is 6 deep)
    progress, fired = _after_first_photo(victim.unlink)
    with Database(tmp_path / "x.db") as db:
        summary = scan_library(db, [str(lib)], engine=engine, progress=progress)
        stored = PhotoRepository(db).index()
    assert fired
    reported = summary.vanished + [p for p, _ in summary.skipped]
    assert shown(victim) in reported, summary
    assert summary.processed == len(photos) - 1
    assert not summary.cancelled and summary.deleted == 0
    assert os.fsencode(victim) not in stored


@pytest.mark.parametrize("what", ["subfolder", "root"])
def test_folder_vanishing_mid_scan_keeps_its_stored_rows(
    tmp_path: Path, engine: FaceEngine, what: str
) -> None:
    lib = tmp_path / "lib"
    _photos(lib / "a", ["a0.jpg", "a1.jpg"])
    _photos(lib / "b", ["b0.jpg", "b1.jpg"], seed=10)
    shutil.copyfile(shared_set("celebrities") / FACE_PHOTO, lib / "b" / "face.jpg")
    db_path = tmp_path / "x.db"
    with Database(db_path) as db:
        first = scan_library(db, [str(lib)], engine=engine)
        rows_before = PhotoRepository(db).index()
        faces_before = FaceRepository(db).count()
    assert first.processed == 5 and faces_before >= 1

    # new work for the rescan: one photo in a/, then many in b/ (some read only after b is gone)
    _photos(lib / "a", ["new.jpg"], seed=20)
    new_in_b = _photos(lib / "b", [f"new{i:02d}.jpg" for i in range(20)], seed=30)
    gone = lib / "b" if what == "subfolder" else lib
    away = tmp_path / "away"
    progress, fired = _after_first_photo(lambda: gone.rename(away))
    with Database(db_path) as db:
        summary = scan_library(db, [str(lib)], engine=engine, progress=progress)
        rows_after = PhotoRepository(db).index()
        faces_after = FaceRepository(db).count()
    assert fired
    assert not summary.cancelled
    assert summary.vanished, summary
    assert all(p.startswith(shown(gone) + "/") for p in summary.vanished), summary.vanished
    assert shown(new_in_b[-1]) in summary.vanished
    # the vanished folder's photos were not deleted by the user: their rows and faces stay
    assert summary.deleted == 0
    assert set(rows_before) <= set(rows_after)
    assert faces_after == faces_before


def test_library_that_vanished_entirely_is_reported_and_nothing_deleted(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    _photos(lib, ["x.jpg"])
    shutil.copyfile(shared_set("celebrities") / FACE_PHOTO, lib / "face.jpg")
    db = tmp_path / "x.db"
    env = _env(tmp_path / "home")
    first = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=env)
    assert first.returncode == 0, first.stderr
    with Database(db, readonly=True) as d:
        photos_before, faces_before = PhotoRepository(d).count(), FaceRepository(d).count()
    assert photos_before == 2 and faces_before >= 1

    shutil.rmtree(lib)
    again = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=env)
    assert "Traceback" not in again.stderr, again.stderr
    reason = _reason(again, "unreadable", shown(lib))
    assert reason is not None and "no such file" in reason.lower(), again.stdout
    assert again.summary()["deleted"] == "0"
    with Database(db, readonly=True) as d:
        assert PhotoRepository(d).count() == photos_before
        assert FaceRepository(d).count() == faces_before
