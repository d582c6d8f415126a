"""Window features on a scanned library: drag to merge, suggestions, hiding, photos, viewer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.gui.people_model import PersonIdRole


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=10000)


def _center_of(win: Any, pid: int) -> QPoint:
    view = win.people_view.list
    idx = win.people_view.proxy.mapFromSource(win.people_model.index_of(pid))
    return view.visualRect(idx).center()


def test_drag_a_person_onto_another_merges(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    target, source = model.ids()[0], model.ids()[1]
    total = model.item(target).face_count + model.item(source).face_count
    src_idx = win.people_view.proxy.mapFromSource(model.index_of(source))
    mime = win.people_view.proxy.mimeData([src_idx])
    view = win.people_view.list
    event = QDropEvent(
        QPointF(_center_of(win, target)),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)
    qtbot.waitUntil(lambda: model.row_of(source) == -1, timeout=10000)
    assert model.item(target).face_count == total
    # the confirmation shows both sides' faces (a "choose" question with face rows)
    assert any(kind == "choose" for kind, _ in win.ask.asked)
    _text, groups, _buttons = win.ask.choices_shown[-1]
    assert len(groups) == 2 and all(faces for _caption, faces in groups)
    _idle(qtbot, win)


def test_person_page_actions_and_suggestions(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    win.people_view.select_ids([pid])
    win.ask.texts.append("Carol")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: model.item(pid).name == "Carol", timeout=10000)
    win.open_person(pid)
    view = win.person_view
    qtbot.waitUntil(lambda: view.faces.rowCount() == model.item(pid).face_count, timeout=10000)
    assert view.title.text() == "Carol"
    # set the cover: the avatar follows
    view.grid.setCurrentIndex(view.faces.index(1, 0))
    cover = view.selected_face_ids()[0]
    win.act_cover.trigger()
    qtbot.waitUntil(lambda: model.item(pid).cover.id == cover, timeout=10000)
    # ignore one face: it leaves the person and shows under View ▸ Ignored faces
    n = view.faces.rowCount()
    view.grid.setCurrentIndex(view.faces.index(n - 1, 0))
    ignored = view.selected_face_ids()[0]
    win.act_ignore.trigger()
    qtbot.waitUntil(lambda: view.faces.rowCount() == n - 1, timeout=10000)
    win.act_ignored.trigger()
    qtbot.waitUntil(lambda: [f.id for f in view.faces.faces()] == [ignored], timeout=10000)
    view.grid.setCurrentIndex(view.faces.index(0, 0))
    win.act_unignore.trigger()
    qtbot.waitUntil(lambda: view.faces.rowCount() == 0, timeout=10000)
    # suggestions: reject one unsorted face ("No"), accept the rest ("Yes"). The scanned library
    # by itself suggests nothing for Carol; a face ignored and then restored is unsorted without
    # a rejection, so her page asks about it: the one above, and one more made so here
    with Database(win.db_path) as db:
        second = PeopleRepository(db).faces_of(pid)[-1]
    win.run_op(lambda lib: lib.ignore_faces([second]))
    win.run_op(lambda lib: lib.unignore_faces([second]))
    win.open_person(pid)
    qtbot.waitUntil(lambda: view.faces.rowCount() > 0, timeout=10000)
    _idle(qtbot, win)
    qtbot.waitUntil(lambda: view.suggested.rowCount() >= 2, timeout=10000)
    assert view.suggest_title.text() == "Is this also Carol?"
    first = view.suggested.face_at(0).id
    view.suggest_grid.setCurrentIndex(view.suggested.index(0, 0))
    view.no_button.click()
    qtbot.waitUntil(lambda: view.suggested.row_of(first) == -1, timeout=10000)
    _idle(qtbot, win)
    rest = [f.id for f in view.suggested.faces()]
    assert rest
    view.yes_button.click()
    qtbot.waitUntil(lambda: all(view.faces.row_of(f) >= 0 for f in rest), timeout=10000)
    # move a face to another person through the picker
    _idle(qtbot, win)
    other = model.ids()[1]
    view.grid.setCurrentIndex(view.faces.index(0, 0))
    moved = view.selected_face_ids()[0]
    win.ask.picks.append((other, None))
    win.act_move.trigger()
    qtbot.waitUntil(lambda: view.faces.row_of(moved) == -1, timeout=10000)
    _idle(qtbot, win)
    with Database(win.db_path) as db:
        assert moved in PeopleRepository(db).faces_of(other)
    # hide her: gone from the grid, back with View ▸ Show hidden people
    win.act_hide.trigger()
    qtbot.waitUntil(lambda: model.row_of(pid) == -1, timeout=10000)
    win.act_show_hidden.trigger()
    qtbot.waitUntil(lambda: model.row_of(pid) != -1, timeout=10000)


def test_photos_together_and_viewer_fixes_a_face(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    win.people_view.select_ids([pid])
    win.act_photos.trigger()
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.photos_view, timeout=10000)
    photos = win.photos_view.model.photos()
    assert len(photos) == model.item(pid).photo_count
    win.photos_view.grid.activated.emit(win.photos_view.model.index(0, 0))
    canvas = win.viewer.canvas
    qtbot.waitUntil(lambda: canvas.pixmap is not None and bool(canvas.faces), timeout=10000)
    face = next(f for f in canvas.faces if f.person_id == pid)
    # click the box: the picker's new name creates a person holding the face
    win.ask.picks.append((None, "Dave"))
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=canvas.box_rect(face).center().toPoint()
    )
    qtbot.waitUntil(
        lambda: any(f.id == face.id and f.person_name == "Dave" for f in canvas.faces),
        timeout=10000,
    )
    dave = next(p for p in model.ids() if model.item(p).name == "Dave")
    assert model.index_of(dave).data(PersonIdRole) == dave
    qtbot.keyClick(win.viewer, Qt.Key.Key_Escape)
    assert win.stack.currentWidget() is win.photos_view
    _idle(qtbot, win)
