"""A scan in a child process: progress, summary, cancel, errors (no Qt, no models needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faceorganizer.core.faces.scan_process import ScanFailed, start_scan
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.photos import PhotoRepository


def _junk(folder: Path, n: int) -> Path:
    """Files that look like photos and are not: skipped without loading a model."""
    folder.mkdir()
    for i in range(n):
        (folder / f"bad{i:02d}.jpg").write_bytes(b"no pixels here")
    return folder


def test_the_child_writes_the_database_and_the_parent_reads_progress(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 5)
    db_path = tmp_path / "lib.db"
    handle = start_scan(db_path, [str(lib)], progress_interval=0)
    assert handle.pid is not None
    states = list(handle.progress(timeout=120))
    summary = handle.wait(timeout=60)
    assert summary.seen == 5 and len(summary.skipped) == 5 and not summary.cancelled
    assert states and states[-1].done == 5 and states[-1].total == 5
    assert handle.latest is not None and handle.latest.done == 5
    with Database(db_path, readonly=True) as db:
        assert len(PhotoRepository(db).index()) == 5


def test_poll_never_blocks_and_ends_with_the_summary(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 2)
    handle = start_scan(tmp_path / "lib.db", [str(lib)])
    assert isinstance(handle.poll(), list)
    summary = handle.wait(timeout=120)
    assert handle.finished and summary.seen == 2
    assert handle.poll() == []


def test_cancel_stops_the_scan_with_a_cancelled_summary(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 50)
    handle = start_scan(tmp_path / "lib.db", [str(lib)])
    handle.cancel()
    summary = handle.wait(timeout=120)
    assert summary.cancelled
    assert len(summary.skipped) < 50


def test_an_error_in_the_child_is_raised_with_its_cause(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 1)
    bad_db = tmp_path / "lib.db"
    bad_db.write_bytes(b"this is not an SQLite database, just sixteen-plus bytes" * 20)
    handle = start_scan(bad_db, [str(lib)])
    with pytest.raises(ScanFailed) as failed:
        handle.wait(timeout=120)
    assert "Traceback" in failed.value.detail
    assert handle.error is not None and "\n" not in handle.error


def test_a_killed_child_is_a_failure_not_a_hang(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 1)
    handle = start_scan(tmp_path / "lib.db", [str(lib)])
    handle.terminate()
    with pytest.raises(ScanFailed, match="without a result"):
        handle.wait(timeout=60)


def test_a_bad_interval_or_niceness_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="progress_interval"):
        start_scan(tmp_path / "x.db", [str(tmp_path)], progress_interval=-1)
    with pytest.raises(ValueError, match="niceness"):
        start_scan(tmp_path / "x.db", [str(tmp_path)], niceness=20)


def _pid_between(db: Database) -> tuple[int, int]:
    return os.getpid(), os.nice(0)  # the process, and its niceness


def _pid_after(db: Database, summary: object) -> tuple[int, int]:
    return os.getpid(), len(PhotoRepository(db).index())


def test_the_steps_between_photos_and_after_the_scan_run_in_the_child(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 5)
    handle = start_scan(
        tmp_path / "lib.db", [str(lib)], between=_pid_between, after=_pid_after, niceness=5
    )
    handle.wait(timeout=120)
    events = handle.events()
    assert ("after", None) in events
    nice = min(19, os.nice(0) + 5)  # the child runs at a lower CPU priority
    assert {v for k, v in events if k == "between"} == {(handle.pid, nice)}
    assert handle.pid != os.getpid()
    assert handle.after_result == (handle.pid, 5)  # after the scan, on its database
