"""Find by photo: a query photo's faces ranked against the library's people."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QLabel

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from tests.conftest import shared_set


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=20000)


def _photo_of(label: str) -> Path:
    root = shared_set("celebrities")
    with open(root / "labels.csv", newline="") as fh:
        name = next(r["file"] for r in csv.DictReader(fh) if r["person"] == label)
    return Path(root) / name


def test_find_by_photo_ranks_the_named_person_first(
    qtbot: Any, library_window: Any, tmp_path: Path
) -> None:
    win = library_window
    source = _photo_of("A")
    with Database(win.db_path) as db:
        (photo_id,) = db.conn.execute(
            "SELECT id FROM photos WHERE path LIKE ?", (f"%/{source.name}",)
        ).fetchone()
        face_ids = [
            r[0]
            for r in db.conn.execute(
                "SELECT id FROM faces WHERE photo_id = ? ORDER BY idx", (photo_id,)
            )
        ]
        owner = PeopleRepository(db).assignments()
    pid = next(owner[f].person_id for f in face_ids if f in owner)
    win.people_actions.name_person(pid, "Alice")
    qtbot.waitUntil(lambda: win.people_model.item(pid).name == "Alice", timeout=10000)
    _idle(qtbot, win)

    query = tmp_path / "query.jpg"
    shutil.copy(source, query)
    win.pages.find.choose_photo = lambda: str(query)
    win.act_find_photo.trigger()
    view = win.find_view
    assert win.stack.currentWidget() is view
    qtbot.waitUntil(lambda: bool(view.results), timeout=30000)
    first = view.results[0]
    assert first.image is not None
    assert first.result.people[0].person == "Alice"
    assert first.result.people[0].person_id == pid
    labels = [lbl.text() for lbl in view.body.findChildren(QLabel)]
    assert any("Alice" in t and "similarity" in t for t in labels)
    # a photo thumbnail opens the viewer on that photo
    _key, button = view.buttons[0]
    button.click()
    assert win.stack.currentWidget() is win.viewer
    assert win.viewer.current() == button.property("photo_id")
    _idle(qtbot, win)
    win.viewer.back.emit()
    assert win.stack.currentWidget() is view

    # dropping the file on the window does the same
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(query))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(event)
    assert not view.results  # cleared while searching
    qtbot.waitUntil(lambda: bool(view.results), timeout=30000)
    assert view.results[0].result.people[0].person == "Alice"
    _idle(qtbot, win)


def test_find_by_photo_unreadable_file_shows_a_message(
    qtbot: Any, library_window: Any, tmp_path: Path
) -> None:
    win = library_window
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo at all")
    win.pages.find.choose_photo = lambda: str(bad)
    win.act_find_photo.trigger()
    view = win.find_view
    qtbot.waitUntil(lambda: "Cannot read" in view.message.text(), timeout=30000)
    assert not view.results
    assert win.errors_dock.isVisibleTo(win)
    _idle(qtbot, win)
    # a photo without faces
    blank = tmp_path / "blank.png"
    img = QImage(320, 240, QImage.Format.Format_RGB888)
    img.fill(Qt.GlobalColor.gray)
    assert img.save(str(blank))
    win.pages.find.choose_photo = lambda: str(blank)
    win.act_find_photo.trigger()
    qtbot.waitUntil(lambda: view.message.text() == "No faces found in this photo.", timeout=30000)
    _idle(qtbot, win)
    # cancelling the dialog does nothing
    win.pages.find.choose_photo = lambda: None
    win.act_find_photo.trigger()
    assert not win.jobs.active()


def test_find_this_face_from_the_viewer(qtbot: Any, library_window: Any) -> None:
    win = library_window
    with Database(win.db_path) as db:
        (photo_id,) = db.conn.execute("SELECT photo_id FROM faces ORDER BY id LIMIT 1").fetchone()
    win.open_viewer([photo_id], photo_id)
    canvas = win.viewer.canvas
    qtbot.waitUntil(lambda: canvas.pixmap is not None and bool(canvas.faces), timeout=10000)
    face = canvas.faces[0]
    menu = canvas.face_menu(face.id)
    action = next(a for a in menu.actions() if a.text() == "Find this face")
    action.trigger()
    view = win.find_view
    assert win.stack.currentWidget() is view
    qtbot.waitUntil(lambda: bool(view.results), timeout=30000)
    best = view.results[0].result.matches[0]
    assert best.face_id == face.id
    assert abs(best.similarity - 1.0) < 1e-3
    _idle(qtbot, win)
    view.back_button.click()
    assert win.stack.currentWidget() is win.viewer


def test_find_by_photo_twice_loads_no_model_and_builds_no_index_the_second_time(
    qtbot: Any, library_window: Any, tmp_path: Path
) -> None:
    import time

    win = library_window
    finder = win.library.finder
    query = tmp_path / "query.jpg"
    shutil.copy(_photo_of("A"), query)
    view = win.find_view
    times = []
    for _ in range(2):
        started = time.perf_counter()
        win.find_by_photo(str(query))
        qtbot.waitUntil(lambda: bool(view.results), timeout=30000)
        times.append(time.perf_counter() - started)
        _idle(qtbot, win)
    print(f"\nfind by photo: first {times[0]:.2f} s, second {times[1]:.2f} s")
    assert finder.engines_loaded == 1
    assert finder.indexes_built == 1
    assert finder.index_updates == 0  # nothing changed in between: the index was not touched
    assert view.results[0].result.people
