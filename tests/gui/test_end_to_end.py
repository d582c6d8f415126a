"""The real window on a copy of the celebrity photos: scan, name, merge, undo, reject, export."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.gui.main_window import MainWindow

pytestmark = pytest.mark.timeout(240)


class Heartbeat:
    """A 10 ms timer that records the longest gap between its ticks (event-loop stalls)."""

    def __init__(self, note: Any = None) -> None:
        self.note = note or (lambda: "")
        self.big: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.clock = QElapsedTimer()
        self.last = 0
        self.gaps: list[int] = []
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.clock.start()
        self.last = 0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        if now - self.last > 40:
            self.big.append(f"{now - self.last} ms at {now} ms ({self.note()})")
        self.gaps.append(now - self.last)
        self.last = now

    def stop(self) -> int:
        self.timer.stop()
        return max(self.gaps) if self.gaps else 0


def _db(win: MainWindow) -> Database:
    return Database(win.db_path)


def _wait_ops(qtbot: Any, win: MainWindow, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=timeout)


def _wait_scan(qtbot: Any, win: MainWindow, timeout: int = 120000) -> None:
    qtbot.waitUntil(lambda: not win.scanning(), timeout=timeout)
    _wait_ops(qtbot, win)


def test_window_scans_names_merges_rejects_exports(
    qtbot: Any, settings: Any, fake_ask: Any, celebrities_copy: Path, tmp_path: Path
) -> None:
    settings.folders = [str(celebrities_copy)]
    win = MainWindow(settings, fake_ask)
    qtbot.addWidget(win)
    win.live_interval_s = 0.8  # people appear while the scan runs
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    beat = Heartbeat(lambda: win.scan_label.text()[:30])
    beat.start()
    # the scan starts by itself (start-up scanning is on) once the library is open
    qtbot.waitUntil(win.scanning, timeout=10000)
    saw_people_during_scan = []

    def during() -> bool:
        if win.scanning() and win.people_model.rowCount():
            saw_people_during_scan.append(win.people_model.rowCount())
        return not win.scanning()

    qtbot.waitUntil(during, timeout=120000)
    stall = beat.stop()
    _wait_ops(qtbot, win)
    print(f"\nlongest event-loop stall during the scan: {stall} ms ({len(beat.gaps)} beats)")
    print("\n".join(beat.big))
    assert win.last_summary is not None and win.last_summary.processed == 64
    assert stall < 100, f"the GUI thread stalled {stall} ms"
    assert saw_people_during_scan, "no people appeared before the scan ended"
    model = win.people_model
    qtbot.waitUntil(lambda: model.rowCount() >= 5, timeout=10000)
    first_count = model.rowCount()

    # -- name the largest group through Edit ▸ Rename (F2) --------------------------------
    alice = model.ids()[0]
    win.people_view.select_ids([alice])
    fake_ask.texts.append("Alice Example")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: (model.item(alice) or Any).name == "Alice Example", timeout=10000)
    assert model.ids()[0] == alice

    # search by name finds her, and only her
    qtbot.keyClicks(win.people_view.search, "alice")
    assert win.people_view.proxy.rowCount() == 1
    win.people_view.search.clear()

    # -- merge two unnamed people, then undo with Ctrl+Z -----------------------------------
    unnamed = [pid for pid in model.ids() if not model.item(pid).name]  # type: ignore[union-attr]
    a, b = unnamed[0], unnamed[1]
    faces_a = model.item(a).face_count  # type: ignore[union-attr]
    faces_b = model.item(b).face_count  # type: ignore[union-attr]
    win.people_view.select_ids([a, b])
    win.act_merge.trigger()
    qtbot.waitUntil(lambda: model.row_of(b) == -1, timeout=10000)
    assert model.item(a).face_count == faces_a + faces_b  # type: ignore[union-attr]
    assert model.rowCount() == first_count - 1
    win.act_undo.trigger()
    qtbot.waitUntil(lambda: model.row_of(b) != -1, timeout=10000)
    assert model.item(a).face_count == faces_a  # type: ignore[union-attr]
    assert model.item(b).face_count == faces_b  # type: ignore[union-attr]
    assert model.rowCount() == first_count

    # -- a name another person has asks to merge -----------------------------------------
    c = unnamed[2]
    win.people_view.select_ids([c])
    fake_ask.texts.append("alice example")
    fake_ask.confirms.append(False)  # no, do not merge
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: any(k == "choose" for k, _ in fake_ask.asked), timeout=10000)
    _wait_ops(qtbot, win)
    assert model.item(c).name is None  # type: ignore[union-attr]

    # -- open Alice, "Not this person" on one face -----------------------------------------
    win.people_view.list.activated.emit(win.people_view.proxy.mapFromSource(model.index_of(alice)))
    qtbot.waitUntil(lambda: win.person_view.faces.rowCount() > 1, timeout=10000)
    alice_faces = win.person_view.faces.rowCount()
    gone = win.person_view.faces.face_at(alice_faces - 1)
    grid = win.person_view.grid
    grid.setCurrentIndex(win.person_view.faces.index(alice_faces - 1, 0))
    assert win.person_view.selected_face_ids() == [gone.id]
    win.act_not_this.trigger()
    qtbot.waitUntil(lambda: win.person_view.faces.rowCount() == alice_faces - 1, timeout=10000)
    assert model.item(alice).face_count == alice_faces - 1  # type: ignore[union-attr]

    # the face stays out after its photo changed and the library was scanned again
    os.utime(gone.path, (time.time() + 5, time.time() + 5))
    win.act_scan.trigger()
    qtbot.waitUntil(win.scanning, timeout=5000)
    _wait_scan(qtbot, win)
    assert win.last_summary.processed == 1
    with _db(win) as db:
        repo = PeopleRepository(db)
        assert gone.id not in repo.faces_of(alice)
        assert len(repo.faces_of(alice)) == alice_faces - 1
        expected = {Path(p).name for _i, p in repo.photos_with_all([alice])}

    # -- the photo viewer: boxes with names, arrows move through her photos ---------------
    win.person_view.grid.activated.emit(win.person_view.faces.index(0, 0))
    qtbot.waitUntil(lambda: win.viewer.canvas.pixmap is not None, timeout=10000)
    assert any(f.person_name == "Alice Example" for f in win.viewer.canvas.faces)
    first_photo = win.viewer.current()
    qtbot.keyClick(win.viewer, Qt.Key.Key_Right)
    assert win.viewer.current() != first_photo
    _wait_ops(qtbot, win)

    # -- export her album through the dialog -----------------------------------------------
    win.show_people()
    win.people_view.select_ids([alice])
    win.act_export.trigger()
    dialog = win.export_dialog
    assert dialog is not None and dialog.checked() == [(alice, "Alice Example")]
    target = tmp_path / "albums"
    dialog.target.setText(str(target))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=20000)
    exported = {p.name for p in (target / "Alice Example").iterdir() if not p.name.startswith(".")}
    assert exported == expected
    assert "written" in dialog.summary.text()
    _wait_ops(qtbot, win)
    win.close()
