"""The window's scan runs in a child process; pause holds it, cancel ends it; a folder added
while a scan runs is scanned when it ends (issue 15)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.photos import PhotoRepository
from faceorganizer.gui.main_window import MainWindow
from tests.conftest import shared_set


def _junk(folder: Path, n: int) -> Path:
    """Files that look like photos and are not: skipped without loading a model."""
    folder.mkdir()
    for i in range(n):
        (folder / f"bad{i:03d}.jpg").write_bytes(b"no pixels here")
    return folder


def _photos(db_path: Path) -> int:
    with Database(db_path, readonly=True) as db:
        return len(PhotoRepository(db).index())


def _scan_children() -> list[Any]:
    return [p for p in multiprocessing.active_children() if p.name == "faceorganizer-scan"]


def _window(qtbot: Any, settings: Any, fake_ask: Any, folders: list[Path]) -> MainWindow:
    settings.folders = [str(f) for f in folders]
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.scanning, timeout=10000)
    return win


def _close(qtbot: Any, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.jobs.active(), timeout=20000)
    win.close()


def test_the_windows_scan_runs_in_a_child_process(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    photos = _junk(tmp_path / "photos", 3)
    for src in sorted(shared_set("celebrities").glob("*.jpg"))[:2]:
        (photos / src.name).write_bytes(src.read_bytes())
    win = _window(qtbot, settings, fake_ask, [photos])
    children: list[int] = []

    def scanned() -> bool:
        children.extend(p.pid for p in _scan_children() if p.pid not in children)
        return not win.scanning()

    qtbot.waitUntil(scanned, timeout=120000)
    assert win.last_summary is not None and win.last_summary.processed == 2
    assert win.last_scan_pid not in (0, os.getpid())  # the photos were written by another
    assert children == [win.last_scan_pid]  # ... and it was the window's scan process
    qtbot.waitUntil(lambda: win.people_model.rowCount() >= 1, timeout=10000)  # grouped
    assert not _scan_children()
    _close(qtbot, win)


def test_pause_in_the_window_holds_the_scan_process(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    photos = _junk(tmp_path / "photos", 30)
    win = _window(qtbot, settings, fake_ask, [photos])
    win.pause_button.click()  # before the child has read one photo
    assert win.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: bool(_scan_children()), timeout=10000)
    qtbot.wait(2500)  # time enough to skip 30 junk files, were it running
    assert win.scanning() and _photos(settings.db_path) == 0
    win.pause_button.click()
    qtbot.waitUntil(lambda: not win.scanning(), timeout=60000)
    assert win.last_summary is not None and win.last_summary.seen == 30
    assert _photos(settings.db_path) == 30
    _close(qtbot, win)


def test_cancel_in_the_window_ends_the_scan_process_and_drops_the_queue(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    photos = _junk(tmp_path / "photos", 30)
    more = _junk(tmp_path / "more", 2)
    win = _window(qtbot, settings, fake_ask, [photos])
    win.pause_button.click()
    qtbot.waitUntil(lambda: bool(_scan_children()), timeout=10000)
    fake_ask.folders.append(str(more))
    win.act_add_folder.trigger()
    assert win.scan_queue == [str(more)]
    win.cancel_button.click()
    qtbot.waitUntil(lambda: not win.scanning(), timeout=60000)
    qtbot.waitUntil(lambda: not _scan_children(), timeout=30000)
    assert win.last_summary is None and not win.scanning() and win.scan_queue == []
    assert _photos(settings.db_path) < 30
    _close(qtbot, win)


def test_a_folder_added_while_a_scan_runs_is_scanned_when_it_ends(
    qtbot: Any, settings: Any, fake_ask: Any, tmp_path: Path
) -> None:
    first = _junk(tmp_path / "first", 5)
    added = _junk(tmp_path / "added", 3)
    win = _window(qtbot, settings, fake_ask, [first])
    win.pause_button.click()  # keeps the first scan running while the folder is added
    fake_ask.folders.append(str(added))
    win.act_add_folder.trigger()  # File ▸ Add Photo Folder…
    assert win.folders == [str(first), str(added)]
    assert "will be scanned" in win.statusBar().currentMessage()
    win.pause_button.click()
    qtbot.waitUntil(lambda: _photos(settings.db_path) == 8 and not win.scanning(), timeout=90000)
    assert win.last_summary is not None and win.last_summary.seen == 3  # the added folder
    assert win.scan_queue == []
    _close(qtbot, win)
