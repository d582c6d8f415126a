"""The app's scan in a child process through the use-case layer: who scans, pause, cancel.

Junk files that look like photos: skipped without loading a model, so these run in seconds.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from faceorganizer.core.faces.scan import ScanProgress, scan_library
from faceorganizer.core.faces.scan_process import start_scan
from faceorganizer.core.library import Library
from faceorganizer.core.library.scanning import ScanHooks, ScanOutcome, ScanRequest
from faceorganizer.core.records import EngineOptions
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.photos import PhotoRepository


def _junk(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"bad{i:03d}.jpg").write_bytes(b"no pixels here")
    return folder


def _photos(db_path: Path) -> int:
    with Database(db_path, readonly=True) as db:
        return len(PhotoRepository(db).index())


class _Control:
    """Pause / resume / cancel as the window's job context gives them."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.go.set()
        self.cancel = threading.Event()

    def paused(self) -> bool:
        return not self.go.is_set()

    def should_stop(self) -> bool:
        while not self.go.wait(0.05):
            pass
        return self.cancel.is_set()


def _scan_on_thread(
    library: Library, request: ScanRequest, hooks: ScanHooks
) -> tuple[threading.Thread, list[ScanOutcome]]:
    out: list[ScanOutcome] = []
    worker = threading.Thread(target=lambda: out.append(library.scan(request, hooks)))
    worker.start()
    return worker, out


def test_the_apps_scan_runs_in_a_child_process_and_groups_live(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 30)
    library = Library(tmp_path / "lib.db")
    states: list[ScanProgress] = []
    people: list[Any] = []
    grouping: list[bool] = []
    request = ScanRequest(
        roots=[str(lib)], engine=EngineOptions(threads=1), child_process=True, live_interval=1e-3
    )
    hooks = ScanHooks(
        progress=states.append, people=people.append, grouping=lambda: grouping.append(True)
    )
    outcome = library.scan(request, hooks)
    assert outcome.pid not in (0, os.getpid())  # another process scanned the photos
    assert outcome.summary.seen == 30 and len(outcome.summary.skipped) == 30
    assert states and states[-1].done == 30  # the child's progress reached the caller
    assert people, "no live grouping's people reached the caller"
    assert grouping == [True] and outcome.changes is not None  # the final grouping ran
    assert _photos(tmp_path / "lib.db") == 30


def test_the_command_lines_scan_stays_in_process(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 2)
    outcome = Library(tmp_path / "lib.db").scan(
        ScanRequest(roots=[str(lib)], engine=EngineOptions(threads=1))
    )
    assert outcome.pid == os.getpid() and outcome.summary.seen == 2


def test_pausing_holds_the_child_and_resuming_finishes(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 20)
    db_path = tmp_path / "lib.db"
    library = Library(db_path)
    control = _Control()
    control.go.clear()  # paused before the child reads a single photo
    states: list[ScanProgress] = []
    request = ScanRequest(roots=[str(lib)], engine=EngineOptions(threads=1), child_process=True)
    hooks = ScanHooks(
        progress=states.append, should_stop=control.should_stop, paused=control.paused
    )
    worker, out = _scan_on_thread(library, request, hooks)
    time.sleep(3.0)  # long enough for the child to start and scan 20 junk files if it ran
    assert worker.is_alive()
    assert not [s for s in states if s.done], "the child scanned while paused"
    assert _photos(db_path) == 0
    control.go.set()
    worker.join(120)
    assert not worker.is_alive()
    assert out[0].summary.seen == 20 and not out[0].summary.cancelled
    assert _photos(db_path) == 20


def test_cancelling_a_paused_scan_stops_the_child_without_grouping(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 20)
    db_path = tmp_path / "lib.db"
    control = _Control()
    control.go.clear()
    grouped: list[bool] = []
    request = ScanRequest(roots=[str(lib)], engine=EngineOptions(threads=1), child_process=True)
    hooks = ScanHooks(
        should_stop=control.should_stop,
        paused=control.paused,
        cancelled=control.cancel.is_set,
        grouping=lambda: grouped.append(True),
    )
    worker, out = _scan_on_thread(Library(db_path), request, hooks)
    time.sleep(1.0)
    control.cancel.set()
    control.go.set()
    worker.join(120)
    assert not worker.is_alive()
    assert out[0].summary.cancelled and out[0].changes is None and not grouped
    assert _photos(db_path) < 20


def test_a_paused_child_process_does_not_scan(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 10)
    handle = start_scan(tmp_path / "lib.db", [str(lib)])
    handle.pause()
    assert handle.paused
    time.sleep(2.5)
    assert handle.poll() == [] and not handle.finished
    handle.resume()
    summary = handle.wait(timeout=120)
    assert summary.seen == 10 and not summary.cancelled


def test_a_paused_scan_commits_what_it_wrote_so_others_can_write(tmp_path: Path) -> None:
    lib = _junk(tmp_path / "lib", 40)
    db_path = tmp_path / "lib.db"
    asked, held, go = threading.Event(), threading.Event(), threading.Event()

    def progress(state: ScanProgress) -> None:
        if state.done == 3:
            asked.set()  # the user presses Pause after the third photo

    def should_stop() -> bool:
        if asked.is_set() and not go.is_set():
            held.set()
            go.wait(60)
        return False

    def scan() -> None:
        with Database(db_path) as db:
            scan_library(
                db,
                [str(lib)],
                progress=progress,
                should_stop=should_stop,
                paused=asked.is_set,
            )

    with Database(db_path):
        pass  # created before the scan and the writer below
    worker = threading.Thread(target=scan)
    worker.start()
    try:
        assert held.wait(60)
        other = sqlite3.connect(db_path, timeout=1.0)
        other.execute("BEGIN IMMEDIATE")  # would time out while the scan held its transaction
        other.rollback()
        other.close()
        assert _photos(db_path) >= 3
    finally:
        go.set()
        worker.join(60)
