"""The smaller items of issue 31, point 7: each as a user would notice it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from faceorganizer.core.records import PersonItem
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from tests.builders import face_ref, person_item


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=15000)


def _person(pid: int, name: str | None, faces: int) -> PersonItem:
    cover = face_ref(pid * 10, photo_id=pid, box=(0, 0, 10, 10), person_id=pid, person_name=name)
    return person_item(pid, name, faces=faces, cover=cover)


def test_move_to_shows_faces_ranked_like_who_is_this(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    pid = max(model.ids(), key=lambda p: model.item(p).face_count)
    win.open_person(pid)
    view = win.person_view
    qtbot.waitUntil(lambda: view.faces.rowCount() > 1, timeout=10000)
    _idle(qtbot, win)
    view.grid.setCurrentIndex(view.faces.index(0, 0))
    moved = view.selected_face_ids()[0]
    other = next(p for p in model.ids() if p != pid)
    win.ask.picks.append((other, None))
    win.act_move.trigger()
    qtbot.waitUntil(lambda: ("pick", "Move this face to…") in win.ask.asked, timeout=10000)
    args = win.ask.pick_args[-1]
    assert args["scores"] and args["thumbs"] is win.thumbs  # ranked, with their pictures
    assert pid not in {p.id for p in args["people"]}
    qtbot.waitUntil(lambda: view.faces.row_of(moved) == -1, timeout=10000)
    _idle(qtbot, win)
    with Database(win.db_path) as db:
        assert moved in PeopleRepository(db).faces_of(other)  # only the face moved


def test_named_tiles_keep_their_places_when_counts_change() -> None:
    from faceorganizer.core.records import Changes
    from faceorganizer.gui.people_model import PersonListModel

    model = PersonListModel()
    model.set_people([_person(1, "Al", 5), _person(2, "Zoe", 2), _person(3, None, 9)])
    assert model.ids() == [1, 2, 3]
    # a merge into Zoe makes her the largest: she stays where she is
    model.apply(Changes(people={2}, removed_people={3}), [_person(2, "Zoe", 11)])
    assert model.ids() == [1, 2]
    model.apply(Changes(people={1}), [_person(1, "Al", 6)])
    assert model.ids() == [1, 2]


def test_the_unlike_caption_fits_its_cell(qapp: Any) -> None:
    from faceorganizer.gui.delegates import FACE_CELL
    from faceorganizer.gui.faces_model import UNLIKE_SHORT

    metrics = QFontMetrics(QApplication.font())
    assert metrics.horizontalAdvance(UNLIKE_SHORT) <= FACE_CELL.width() - 8


def test_dialog_titles_fit_their_title_bar(qtbot: Any) -> None:
    from faceorganizer.gui.dialogs.faces_question import FacesQuestionDialog
    from faceorganizer.gui.dialogs.person_picker import PersonPickerDialog
    from faceorganizer.gui.dialogs.sizing import full_title, title_width

    QApplication.setApplicationDisplayName("FaceOrganizer")
    try:
        merge = FacesQuestionDialog("Merge people", "Same?", [], ["Cancel", "Merge"])
        who = PersonPickerDialog([], "Who is this? (now: an unnamed group)")
        for dialog in (merge, who):
            qtbot.addWidget(dialog)
            dialog.show()
            assert full_title(dialog).endswith("— FaceOrganizer")
            assert dialog.width() >= title_width(dialog)
    finally:
        QApplication.setApplicationDisplayName("")


def test_the_first_time_estimate_leaves_out_the_start(library_window: Any) -> None:
    win = library_window
    win.scan_pace_from, win.scan_heap_frozen = None, True
    assert win._time_left(1, 100, 8.0) is None  # models loading: no pace yet
    assert win._time_left(2, 100, 8.1) is None
    # 10 photos in 1 s after the first: 89 left take about 9 s (not 8.0 / 11 * 89 = 65 s)
    left = win._time_left(11, 100, 9.0)
    assert left is not None and abs(left - 8.9) < 0.01
    win._scan_progress(SimpleNamespace(done=11, total=100, elapsed=9.0, faces=3))
    assert "about 9 s left" in win.scan_label.text()


def test_a_likeness_below_different_people_is_not_shown() -> None:
    from faceorganizer.gui.dialogs.person_picker import person_row_text

    assert "alike" not in person_row_text(_person(1, "Elon", 3), 0.275)
    assert "29% alike" in person_row_text(_person(1, "Elon", 3), 0.29)


def test_find_shows_the_cover_the_people_page_shows(qtbot: Any, library_window: Any) -> None:
    from faceorganizer.gui.find_view import FoundFace

    win = library_window
    pid = win.people_model.ids()[0]
    item = win.people_model.item(pid)
    assert item is not None and item.cover is not None
    other = face_ref(
        999999, photo_id=1, path="/elsewhere.jpg", box=(1, 2, 3, 4), quality=0.5, person_id=pid
    )
    result = SimpleNamespace(
        people=[SimpleNamespace(person_id=pid, person=None, score=0.6, verdict="same person",
                                best_face_id=other.id)],
    )  # fmt: skip
    found = FoundFace(result, None, {}, {pid: item}, {other.id: other})
    win.find_view.set_results("Find", [found])
    keys = [key for key, _label in win.find_view.face_labels]
    assert keys and (keys[0].path, keys[0].box) == (item.cover.path, item.cover.box)
    _idle(qtbot, win)
