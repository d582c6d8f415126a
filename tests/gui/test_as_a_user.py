"""The window as a person uses it (issue 15, points 2-10), on the scanned celebrities."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel

from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from tests.builders import face_ref, person_item

IDS = re.compile(r"group \d|#\d|person \d|\(s\)")


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=15000)


def _open_person(qtbot: Any, win: Any, pid: int) -> None:
    win.open_person(pid)
    qtbot.waitUntil(
        lambda: win.person_view.faces.rowCount() == win.people_model.item(pid).face_count,
        timeout=10000,
    )
    _idle(qtbot, win)


def _viewer_on(qtbot: Any, win: Any, pid: int) -> Any:
    win.people_view.select_ids([pid])
    win.act_photos.trigger()
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.photos_view, timeout=10000)
    win.photos_view.grid.activated.emit(win.photos_view.model.index(0, 0))
    canvas = win.viewer.canvas
    qtbot.waitUntil(lambda: canvas.pixmap is not None and bool(canvas.faces), timeout=10000)
    return canvas


# -- 2: naming a face names its group ---------------------------------------------------------
def test_naming_a_face_in_the_viewer_names_its_whole_group(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    size = model.item(pid).face_count
    assert size > 2
    canvas = _viewer_on(qtbot, win, pid)
    face = next(f for f in canvas.faces if f.person_id == pid)
    win.ask.picks.append((None, "Brad Pitt"))
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=canvas.box_rect(face).center().toPoint()
    )
    qtbot.waitUntil(lambda: model.item(pid).name == "Brad Pitt", timeout=10000)
    _idle(qtbot, win)
    brads = [p for p in model.ids() if model.item(p).name == "Brad Pitt"]
    assert brads == [pid] and model.item(pid).face_count == size  # no one-photo person
    # the chooser was given similarities and the face's box to keep clear of
    args = win.ask.pick_args[-1]
    assert args["scores"] and isinstance(args["avoid"], QRect)
    # its own group is listed, marked as the current one (picking it confirms the face)
    assert args["current"] == pid and pid in {p.id for p in args["people"]}


# -- 3: the chooser ---------------------------------------------------------------------------
def _item(pid: int, name: str | None, photos: int, path: str) -> PersonItem:
    cover = face_ref(
        pid * 10, photo_id=pid, path=path, box=(0, 0, 10, 10), person_id=pid, person_name=name
    )
    return person_item(pid, name, faces=photos, cover=cover)


def test_chooser_ranks_by_likeness_never_preselects_a_doubt_and_keeps_clear(qtbot: Any) -> None:
    from faceorganizer.gui.dialogs.person_picker import PersonPickerDialog

    people = [
        _item(1, "Angelina Jolie", 9, "/p/a.jpg"),
        _item(2, None, 3, "/p/x.jpg"),
        _item(3, None, 3, "/p/y.jpg"),
        _item(4, None, 3, "/p/z.jpg"),
    ]
    doubtful = {1: 0.30, 2: 0.33, 3: 0.12}
    dialog = PersonPickerDialog(people, "Who is this?", scores=doubtful)
    qtbot.addWidget(dialog)
    texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert len(set(texts)) == len(texts)  # never identical rows "Unnamed (3 photos)"
    assert [dialog.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(4)] == [2, 1, 3, 4]
    assert dialog.list.currentItem() is None and dialog.choice() is None  # Enter files nothing
    sure = PersonPickerDialog(people, "Who is this?", scores={1: 0.62, 2: 0.2})
    qtbot.addWidget(sure)
    assert sure.choice() == (1, None)
    # the dialog moves beside the face it asks about, never over it
    face = QRect(300, 300, 120, 120)
    dialog.keep_clear_of(face)
    assert not dialog.frameGeometry().intersects(face)


def test_export_list_rows_are_distinct(qtbot: Any, library_window: Any) -> None:
    win = library_window
    win.open_export()
    rows = win.export_dialog.people_list
    texts = [rows.item(i).text() for i in range(rows.count())]
    assert len(texts) > 3 and len(set(texts)) == len(texts)
    win.export_dialog.close()
    _idle(qtbot, win)


def test_export_shows_who_will_be_written_and_writes_exactly_them(
    qtbot: Any, library_window: Any, tmp_path: Any
) -> None:
    """Issue 31, point 2: a person pre-ticked below the visible rows was exported unseen."""
    win = library_window
    ids = win.people_model.ids()
    hidden_tick, other = ids[-1], ids[1]
    win.people_view.select_ids([hidden_tick])
    win.open_export()
    dialog = win.export_dialog
    rows = dialog.people_list
    assert rows.item(0).data(Qt.ItemDataRole.UserRole) == hidden_tick  # ticked: shown first
    first = dialog.checked()[0][1]
    assert dialog.chosen.text().startswith("1 person will be exported") and first in (
        dialog.chosen.text()
    )
    assert dialog.export_button.text() == "Export 1 album"
    row = next(
        i for i in range(rows.count()) if rows.item(i).data(Qt.ItemDataRole.UserRole) == other
    )
    rows.item(row).setCheckState(Qt.CheckState.Checked)
    names = [name for _pid, name in dialog.checked()]
    assert len(names) == 2 and dialog.chosen.text().startswith("2 people will be exported")
    assert all(n in dialog.chosen.text() for n in names)
    assert dialog.export_button.text() == "Export 2 albums"
    dialog.target.setText(str(tmp_path / "albums"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=20000)
    written = sorted(p.name for p in (tmp_path / "albums").iterdir() if not p.name.startswith("."))
    assert written == sorted(names)
    for i in range(rows.count()):
        rows.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert "No one is chosen" in dialog.chosen.text() and not dialog.export_button.isEnabled()
    dialog.close()
    _idle(qtbot, win)


# -- 4: suggestion buttons say what they act on -------------------------------------------------
def test_suggestion_buttons_say_what_they_act_on(qtbot: Any) -> None:
    from faceorganizer.gui.person_view import PersonView
    from faceorganizer.gui.thumbnails import ThumbnailCache
    from faceorganizer.gui.worker import Jobs

    view = PersonView(ThumbnailCache(Jobs()))
    qtbot.addWidget(view)
    view.set_person(person_item(1, "Katy Perry", faces=4))
    faces = [face_ref(i) for i in range(8)]
    view.set_suggestions(faces, {f.id: 0.5 for f in faces})
    assert view.yes_button.text() == "Yes to all 8" and view.no_button.text() == "No to all 8"
    sel = view.suggest_grid.selectionModel()
    for row in (0, 2, 5):
        sel.select(view.suggested.index(row, 0), sel.SelectionFlag.Select)
    assert view.yes_button.text() == "Yes to 3 selected"


# -- 5: a face unlike the rest is flagged -------------------------------------------------------
def test_a_stranger_in_a_group_is_flagged_on_the_person_page(
    qtbot: Any, library_window: Any
) -> None:
    win, model = library_window, library_window.people_model
    a, b = model.ids()[0], model.ids()[1]
    with Database(win.db_path) as db:
        stranger = PeopleRepository(db).faces_of(b)[0]
    win.run_op(lambda lib: lib.accept_faces([stranger], a))
    _idle(qtbot, win)
    _open_person(qtbot, win, a)
    qtbot.waitUntil(lambda: stranger in win.person_view.faces.flagged(), timeout=10000)
    assert "unlike" in win.person_view.subtitle.text()
    row = win.person_view.faces.row_of(stranger)
    tip = win.person_view.faces.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "unlike the others" in tip.lower()


# -- 6: unsorted faces and "same person?" questions ---------------------------------------------
def test_unsorted_faces_can_be_browsed_named_and_ignored(qtbot: Any, library_window: Any) -> None:
    win = library_window
    _idle(qtbot, win)
    with Database(win.db_path) as db:
        unsorted = PeopleRepository(db).unsorted_faces()
    assert unsorted
    button = win.people_view.unsorted_button
    qtbot.waitUntil(lambda: button.isVisible(), timeout=10000)
    assert str(len(unsorted)) in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    page = win.pages.unsorted.view
    assert win.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.faces.rowCount() == len(unsorted), timeout=10000)
    # name one
    page.grid.setCurrentIndex(page.faces.index(0, 0))
    first = page.selected_ids()[0]
    win.ask.picks.append((None, "Zoe Stranger"))
    qtbot.mouseClick(page.name_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.faces.row_of(first) == -1, timeout=10000)
    _idle(qtbot, win)
    assert any((win.people_model.item(p).name == "Zoe Stranger") for p in win.people_model.ids())
    # ignore two at once (the library leaves at least three faces unsorted, so two are left)
    assert page.faces.rowCount() >= 2
    sel = page.grid.selectionModel()
    for row in (0, 1):
        sel.select(page.faces.index(row, 0), sel.SelectionFlag.Select)
    assert page.ignore_button.text() == "Ignore 2 selected"
    left = page.faces.rowCount()
    qtbot.mouseClick(page.ignore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.faces.rowCount() == left - 2, timeout=10000)
    _idle(qtbot, win)


def test_same_person_questions_answer_with_keys(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    with Database(win.db_path) as db:
        faces = PeopleRepository(db).faces_of(pid)
    # a group split in two is a "same person?" question
    win.run_op(lambda lib: lib.split(pid, faces[:2]))
    _idle(qtbot, win)
    win.pages.people.refresh_counts()
    qtbot.waitUntil(lambda: win.people_view.review_button.isVisible(), timeout=10000)
    qtbot.mouseClick(win.people_view.review_button, Qt.MouseButton.LeftButton)
    page = win.pages.review.view
    qtbot.waitUntil(lambda: page.current is not None, timeout=10000)
    asked = page.current
    before = len(page.questions)
    qtbot.keyClick(page, Qt.Key.Key_S)  # skip: asked again later, nothing changes
    assert page.current is None or page.current.key != asked.key or before == 1
    while page.current is not None and page.current.key != asked.key:
        qtbot.keyClick(page, Qt.Key.Key_S)
    assert page.current is not None
    qtbot.keyClick(page, Qt.Key.Key_Y)
    qtbot.waitUntil(lambda: model.item(pid).face_count == len(faces), timeout=10000)
    _idle(qtbot, win)


def test_same_person_page_counts_exactly_and_offers_someone_new(
    qtbot: Any, library_window: Any
) -> None:
    """Issue 31, point 4: the counter is the number of answers the page asks for (each answer
    takes one question off), and "Someone new — name them" names the unnamed group."""
    win = library_window
    win.pages.review.show_review()
    page = win.pages.review.view
    qtbot.waitUntil(lambda: page.current is not None, timeout=15000)
    _idle(qtbot, win)
    n = len(page.questions)
    assert page.count.text() == (f"{n} question{'s' if n != 1 else ''} left")
    assert len({q.suggestion.b for q in page.questions}) == n  # one question per group
    group = page.current.suggestion.b
    win.ask.texts.append("Someone Else")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            win.people_model.item(group) is not None
            and win.people_model.item(group).name == "Someone Else"
        ),
        timeout=10000,
    )
    _idle(qtbot, win)
    # named, the group is no longer asked about (it may now be asked about as a candidate)
    qtbot.waitUntil(lambda: group not in {q.suggestion.b for q in page.questions}, timeout=10000)
    _idle(qtbot, win)
    if page.current is not None:  # a "no" takes exactly one question off
        left = len(page.questions)
        qtbot.keyClick(page, Qt.Key.Key_N)
        _idle(qtbot, win)
        qtbot.waitUntil(lambda: len(page.questions) == left - 1, timeout=10000)
        _idle(qtbot, win)
        assert len(page.questions) == left - 1
        assert page.count.text().startswith(f"{left - 1} question") or left == 1


# -- 7: undo and redo, named, offered after each change ------------------------------------------
def test_undo_and_redo_are_named_and_offered(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    win.people_view.select_ids([pid])
    win.ask.texts.append("Keanu Reeves")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: "Keanu Reeves" in win.act_undo.text(), timeout=10000)
    offer = win.history.offer
    assert offer.isVisible() and offer.button.text() == "Undo"
    assert "Keanu Reeves" in offer.text.text()
    assert not IDS.search(win.act_undo.text())
    qtbot.mouseClick(offer.button, Qt.MouseButton.LeftButton)  # the offer undoes it
    qtbot.waitUntil(lambda: model.item(pid).name is None, timeout=10000)
    qtbot.waitUntil(lambda: "Keanu Reeves" in win.act_redo.text(), timeout=10000)
    assert win.act_redo.isEnabled() and offer.button.text() == "Redo"
    win.act_redo.trigger()
    qtbot.waitUntil(lambda: model.item(pid).name == "Keanu Reeves", timeout=10000)
    _idle(qtbot, win)


def test_two_kinds_of_not_this_person_read_differently(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    _open_person(qtbot, win, pid)
    labels = []
    win.person_view.grid.setCurrentIndex(win.person_view.faces.index(0, 0))
    win.act_not_this.trigger()
    qtbot.waitUntil(lambda: bool(win.history.offer.text.text()), timeout=10000)
    _idle(qtbot, win)
    labels.append(win.history.offer.text.text())
    win.current_person = pid
    face = win.person_view.faces.face_at(0).id
    win.people_actions._reject_suggested([face])
    qtbot.waitUntil(lambda: win.history.offer.text.text() != labels[0], timeout=10000)
    labels.append(win.history.offer.text.text())
    _idle(qtbot, win)
    assert labels[0] != labels[1]
    assert not any(IDS.search(t) for t in labels)


# -- 8: counts follow at once -------------------------------------------------------------------
def test_counts_update_at_once_after_naming(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    count = win.people_view.count
    named = int(count.text().split()[0])
    pid = model.ids()[-1]
    win.people_view.select_ids([pid])
    win.ask.texts.append("Someone New")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: model.item(pid) and model.item(pid).name == "Someone New", timeout=1e4)
    assert count.text().startswith(f"{named + 1} named")
    _idle(qtbot, win)


# -- 9: first run ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1280, 800), (1500, 950), (1600, 1000)])
def test_welcome_text_is_fully_visible(qtbot: Any, settings: Any, fake_ask: Any, size: Any) -> None:
    from faceorganizer.gui.main_window import MainWindow

    win = MainWindow(settings, fake_ask, autostart=False)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=10000)
    QApplication.processEvents()
    page = win.welcome
    assert win.stack.currentWidget() is page
    for label in page.findChildren(QLabel):
        if not label.text():
            continue
        need = label.heightForWidth(label.width()) if label.wordWrap() else 0
        assert label.height() >= max(need, label.sizeHint().height() if not label.wordWrap() else 0)
        top_left = label.mapTo(page, label.rect().topLeft())
        inside = page.rect().contains(QRect(top_left, label.size()))
        assert inside and label.isVisible(), label.text()
    win.close()


def test_first_scan_shows_a_placeholder_not_a_blank_box(qtbot: Any, settings: Any) -> None:
    from faceorganizer.gui.main_window import MainWindow

    win = MainWindow(settings, autostart=False)
    qtbot.addWidget(win)
    view = win.people_view
    view.set_scan_status("Scanning: 3 of 64 photos, 2 faces", 3, 64)
    assert view.body.currentWidget() is view.empty
    assert "Scanning" in view.placeholder.text() and view.placeholder_bar.value() == 3
    qtbot.waitUntil(lambda: win.ready, timeout=10000)
    win.close()


# -- 10: merge, drag, back, help, settings, folder, boxes ----------------------------------------
def test_merge_confirmation_names_both_sides(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    a, b = model.ids()[0], model.ids()[1]
    win.ask.choices.append("Cancel")
    win.people_view.select_ids([a, b])
    win.act_merge.trigger()
    qtbot.waitUntil(lambda: bool(win.ask.choices_shown), timeout=10000)
    text, groups, buttons = win.ask.choices_shown[-1]
    assert "1 other person" not in text and "into Unnamed?" not in text
    assert len(groups) == 2 and all(faces for _c, faces in groups)
    assert all("photo" in caption for caption, _f in groups)
    assert buttons[-1] == "Merge"
    _idle(qtbot, win)
    assert model.row_of(b) != -1  # cancelled
    assert win.people_view.list.viewport().acceptDrops()  # a drop reaches the grid


def test_back_keys_and_help_menu(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    for key, mod in (
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier),
    ):
        _open_person(qtbot, win, model.ids()[0])
        win.activateWindow()
        win.person_view.grid.setFocus()
        qtbot.keyClick(win.person_view.grid, key, mod)
        assert win.stack.currentWidget() is win.people_view, key
    menus = [a.text() for a in win.menuBar().actions()]
    assert "&Help" in menus
    win.act_shortcuts.trigger()
    table = win.shortcuts_dialog.table
    rows = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert any(r.startswith("Undo") for r in rows) and any("Back" in r for r in rows)
    win.shortcuts_dialog.close()


def test_settings_speak_plain_words(qtbot: Any, settings: Any) -> None:
    from PySide6.QtWidgets import QComboBox

    from faceorganizer.gui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    words = [w.text() for w in dialog.findChildren(QLabel)]
    for combo in dialog.findChildren(QComboBox):
        words += [combo.itemText(i) for i in range(combo.count())]
    text = " ".join(words).lower()
    for jargon in ("agglomerative", "hdbscan", "distance", "threshold", "cuda", "cpu"):
        assert jargon not in text, jargon
    dialog.method.setCurrentIndex(1)
    dialog.apply()
    assert settings.method == "hdbscan"


def test_open_folder_without_a_file_manager_says_so(
    qtbot: Any, library_window: Any, monkeypatch: Any
) -> None:
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    win = library_window
    win.open_containing_folder("/photos/summer/beach.jpg")
    kind, text = win.ask.asked[-1]
    assert kind == "info" and "/photos/summer" in text
    _idle(qtbot, win)


def test_face_boxes_are_clipped_to_the_photo(qtbot: Any) -> None:
    from PySide6.QtGui import QImage

    from faceorganizer.gui.photo_view import PhotoCanvas

    canvas = PhotoCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 600)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    face = face_ref(1, path="/p/a.jpg", box=(350.0, -20.0, 120.0, 100.0))
    canvas.set_photo(image, 1.0, [face])
    target, _k = canvas._target()
    box = canvas.box_rect(face)
    assert target.contains(box) and box.width() > 0


def test_a_missed_face_is_drawn_as_a_box_in_photo_coordinates(qtbot: Any) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage

    from faceorganizer.gui.photo_view import PhotoViewer

    viewer = PhotoViewer()
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    viewer.show_list([7], 7)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    viewer.set_photo(7, "/p/a.jpg", image, 2.0, [])  # the photo is 800x600 at full size
    canvas = viewer.canvas
    viewer.add_face_button.setChecked(True)
    assert canvas.drawing
    target, k = canvas._target()
    start = QPoint(int(target.x() + 100 * k), int(target.y() + 50 * k))
    end = QPoint(int(target.x() + 300 * k), int(target.y() + 250 * k))
    with qtbot.waitSignal(viewer.face_drawn) as drawn:
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(canvas, end)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    photo, box = drawn.args
    assert photo == 7
    assert all(abs(a - b) <= 3 for a, b in zip(box, (100, 50, 200, 200), strict=True))
    assert not canvas.drawing and not viewer.add_face_button.isChecked()


def test_a_face_drawn_in_the_viewer_is_added_named_and_undone(
    qtbot: Any, library_window: Any
) -> None:
    """Draw a box the detector has no face in: the core embeds it, the box appears dashed,
    "Who is this?" opens for it, and Undo takes it away again."""
    import os

    from PySide6.QtCore import QPoint

    from faceorganizer.core.records import FLAG_MANUAL
    from faceorganizer.gui.photo_view import face_tip

    win = library_window
    pid = win.people_model.ids()[0]
    canvas = _viewer_on(qtbot, win, pid)
    viewer = win.viewer
    assert viewer.add_face_button.isVisible()  # the core offers faces.manual.add_face
    before = {f.id for f in canvas.faces}
    photo_id = viewer.current()
    target, k = canvas._target()
    # a box in the photo's top-left corner, away from the detected faces
    side = min(target.width(), target.height()) * 0.2
    start = QPoint(int(target.x() + 6), int(target.y() + 6))
    end = QPoint(int(target.x() + 6 + side), int(target.y() + 6 + side))
    win.ask.picks.append(None)  # "Who is this?" is answered with Cancel
    viewer.add_face_button.setChecked(True)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: len(canvas.faces) == len(before) + 1, timeout=30000)
    [new] = [f for f in canvas.faces if f.id not in before]
    assert new.flags & FLAG_MANUAL and new.person_id is None
    assert face_tip(new) == "Unknown (a face drawn by hand)"
    asked = ("pick", "Who is this? (now: no one yet)")
    qtbot.waitUntil(lambda: asked in win.ask.asked, timeout=10000)
    # Issue 31: centred on the window (kept clear of the box it opened at the screen's top
    # edge), with the drawn face as its preview (no thumbnail of it is cached yet).
    args = win.ask.pick_args[-1]
    assert args["avoid"] is None
    assert args["face_image"] is not None and not args["face_image"].isNull()
    qtbot.waitUntil(lambda: "Add a face by hand" in win.act_undo.text(), timeout=10000)
    _idle(qtbot, win)
    shot = os.environ.get("FACEORGANIZER_SCREENSHOT")
    if shot:
        win.grab().save(shot)
    win.act_undo.trigger()
    qtbot.waitUntil(lambda: {f.id for f in canvas.faces} == before, timeout=10000)
    assert viewer.current() == photo_id
    _idle(qtbot, win)


def test_a_face_put_in_a_person_already_in_its_photo_asks_first(
    qtbot: Any, library_window: Any
) -> None:
    """Issue 31, point 3: Move to… (and naming) put a second face of one photo in a person."""
    win = library_window
    by_photo: dict[int, list[FaceRef]] = {}
    with Database(win.db_path) as db:
        from faceorganizer.core.store.browse import faces_by_id

        ids = [f.id for f in win.library.faces()]
        for ref in faces_by_id(db, ids).values():
            by_photo.setdefault(ref.photo_id, []).append(ref)
    there, adding = next(
        (a, b)
        for refs in by_photo.values()
        for a in refs
        for b in refs
        if a.person_id is not None and b.person_id != a.person_id
    )
    pid = there.person_id
    assert pid is not None

    def members() -> list[int]:
        with Database(win.db_path) as db:
            return PeopleRepository(db).faces_of(pid)

    win.ask.choices.append("Cancel")
    win.naming.move_faces([adding.id], pid)
    qtbot.waitUntil(lambda: bool(win.ask.choices_shown), timeout=10000)
    _idle(qtbot, win)
    text, groups, buttons = win.ask.choices_shown[-1]
    assert "already in the photo" in text and buttons == ["Cancel", "Add it anyway"]
    assert [f.id for f in groups[0][1]] == [adding.id] and groups[1][1][0].id == there.id
    assert adding.id not in members()  # refused: nothing moved
    win.naming.move_faces([adding.id], pid)  # this time the user agrees
    qtbot.waitUntil(lambda: len(win.ask.choices_shown) == 2, timeout=10000)
    _idle(qtbot, win)
    assert adding.id in members()
