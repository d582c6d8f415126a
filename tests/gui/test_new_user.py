"""What a new user noticed after issue 15's journey: offers that linger, choosers without the
current person, find results that read alike, progress shown twice, plain toolbar words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QLabel

from tests.builders import face_ref, person_item
from tests.gui.test_as_a_user import IDS, _idle, _open_person


def _rename(qtbot: Any, win: Any, pid: int, name: str) -> None:
    win.people_view.select_ids([pid])
    win.ask.texts.append(name)
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: name in win.act_undo.text(), timeout=10000)


# -- 1: the undo offer goes after a while, or on the next page ----------------------------------
def test_undo_offer_goes_after_a_while_and_never_comes_back(
    qtbot: Any, library_window: Any, monkeypatch: Any
) -> None:
    from faceorganizer.gui import undo_history

    monkeypatch.setattr(undo_history, "OFFER_MS", 300)
    win, model = library_window, library_window.people_model
    offer = win.history.offer
    _rename(qtbot, win, model.ids()[0], "Keanu Reeves")
    qtbot.waitUntil(lambda: offer.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: not offer.isVisible(), timeout=5000)
    # a temporary status message that ends does not bring the old offer back
    bar = win.statusBar()
    bar.showMessage("Select one or more people", 50)
    qtbot.wait(200)
    bar.showMessage("Nothing to undo")
    bar.clearMessage()
    QApplication.processEvents()
    assert not offer.isVisible()
    assert "Keanu Reeves" in win.act_undo.text()  # still reachable from Edit ▸ Undo NAME
    _idle(qtbot, win)


def test_undo_offer_goes_when_the_user_moves_to_another_page(
    qtbot: Any, library_window: Any, monkeypatch: Any
) -> None:
    from faceorganizer.gui import undo_history

    monkeypatch.setattr(undo_history, "OFFER_SETTLE_MS", 0, raising=False)
    win, model = library_window, library_window.people_model
    offer = win.history.offer
    pid = model.ids()[0]
    _rename(qtbot, win, pid, "Keanu Reeves")
    qtbot.waitUntil(lambda: offer.isVisible(), timeout=5000)
    qtbot.wait(20)
    _open_person(qtbot, win, pid)
    assert not offer.isVisible()
    win.statusBar().showMessage("x")
    win.statusBar().clearMessage()
    assert not offer.isVisible()
    assert undo_history.OFFER_MS <= 10000


# -- 2: "Who is this?" lists the face's own person, and faces rather than file names ------------
def test_who_is_this_lists_the_current_person_first_and_no_file_names(qtbot: Any) -> None:
    from faceorganizer.gui.dialogs.person_picker import PersonPickerDialog
    from tests.gui.test_as_a_user import _item

    people = [
        _item(1, "Angelina Jolie", 9, "/p/Female_45_2_2.jpg"),
        _item(2, None, 3, "/p/x.jpg"),
        _item(3, None, 3, "/p/y.jpg"),
        _item(4, None, 5, "/p/z.jpg"),
        _item(5, None, 3, "/p/w.jpg"),
    ]
    dialog = PersonPickerDialog(people, "Who is this?", scores={1: 0.2, 2: 0.3}, current=3)
    qtbot.addWidget(dialog)
    rows = [dialog.list.item(i) for i in range(dialog.list.count())]
    texts = [r.text() for r in rows]
    assert rows[0].data(0x0100) == 3 and "(now)" in texts[0]  # Qt.UserRole: the person's id
    assert sum("(now)" in t for t in texts) == 1
    assert not any(".jpg" in t or "e.g." in t for t in texts), texts
    assert len(set(texts)) == len(texts)  # alike unnamed groups still read differently
    assert not any(IDS.search(t) for t in texts), texts
    assert "An unnamed group of 5 photos" in texts
    dialog.list.setCurrentItem(rows[0])
    assert dialog.choice() == (3, None)  # confirming the current person is a choice


def test_viewer_chooser_offers_the_faces_own_group(qtbot: Any, library_window: Any) -> None:
    from PySide6.QtCore import Qt

    from tests.gui.test_as_a_user import _viewer_on

    win, model = library_window, library_window.people_model
    pid = model.ids()[0]
    canvas = _viewer_on(qtbot, win, pid)
    face = next(f for f in canvas.faces if f.person_id == pid)
    win.ask.picks.append((pid, None))  # "yes, this is who it is now"
    before = model.item(pid).face_count
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=canvas.box_rect(face).center().toPoint()
    )
    qtbot.waitUntil(lambda: bool(win.ask.pick_args), timeout=10000)
    args = win.ask.pick_args[-1]
    assert args["current"] == pid and pid in {p.id for p in args["people"]}
    _idle(qtbot, win)
    assert model.item(pid).face_count == before  # confirmed where it was, nothing moved


# -- 3: find results tell alike groups apart ---------------------------------------------------
def test_find_results_show_each_groups_face_and_size_and_read_differently(qtbot: Any) -> None:
    from faceorganizer.core.search.find import FaceResult, PersonScore
    from faceorganizer.gui.find_view import FindView, FoundFace
    from faceorganizer.gui.thumbnails import ThumbnailCache
    from faceorganizer.gui.worker import Jobs

    def score(pid: int, s: float) -> PersonScore:
        return PersonScore(pid, f"unnamed group {pid}", s, 3, pid * 10, "possibly", 0.5)

    people = {
        41: person_item(41, faces=5),
        42: person_item(42, faces=5),
        43: person_item(43, faces=3),
        7: person_item(7, "Brad Pitt", faces=12),
    }
    faces = {p * 10: face_ref(p * 10, photo_id=p, person_id=p) for p in people}
    ranked = [score(7, 0.62), score(41, 0.35), score(42, 0.33), score(43, 0.31)]
    result = FaceResult(0, (0, 0, 9, 9), [], ranked)
    jobs = Jobs()
    view = FindView(ThumbnailCache(jobs))
    qtbot.addWidget(view)
    view.set_results("Find: a.jpg", [FoundFace(result, None, {}, people, faces)])
    texts = [lb.text() for lb in view.findChildren(QLabel, "foundPerson")]
    assert len(texts) == 4 and len(set(texts)) == 4
    assert "An unnamed group of 5 photos" in texts[1] and "Another unnamed group of 5" in texts[2]
    assert "An unnamed group of 3 photos" in texts[3] and "Brad Pitt · 12 photos" in texts[0]
    assert not any(IDS.search(t) or "0." in t for t in texts), texts
    assert len(view.findChildren(QLabel, "foundPersonFace")) == 4  # each person's face
    qtbot.waitUntil(lambda: not jobs.active(), timeout=10000)


# -- 4: the first scan's progress is shown once ---------------------------------------------------
def test_first_scan_progress_is_shown_once(qtbot: Any, settings: Any, fake_ask: Any) -> None:
    from PySide6.QtWidgets import QProgressBar

    from faceorganizer.gui.main_window import MainWindow

    win = MainWindow(settings, fake_ask, autostart=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=10000)
    win.stack.setCurrentWidget(win.people_view)
    # what the scan control does when a scan starts: its text, then its status-bar widgets
    win.scan_label.setText("Looking for photos…")
    win.people_view.set_scan_status("Looking for photos…")
    win.scan_label.show()
    win.scan_bar.show()

    def shown() -> list[Any]:
        bars = [b for b in win.findChildren(QProgressBar) if b.isVisible()]
        texts = [lb for lb in win.findChildren(QLabel) if lb.isVisible() and "Looking" in lb.text()]
        return bars + texts

    qtbot.waitUntil(lambda: len(shown()) == 2, timeout=5000)  # one bar, one line of text
    assert win.people_view.placeholder_bar in shown()
    # on another page the status bar shows the progress
    win.stack.setCurrentWidget(win.find_view)
    qtbot.waitUntil(lambda: win.scan_bar.isVisible(), timeout=5000)
    win.stack.setCurrentWidget(win.people_view)
    qtbot.waitUntil(lambda: not win.scan_bar.isVisible(), timeout=5000)
    # the scan ends: nothing is left showing
    win.scan_label.hide()
    win.scan_bar.hide()
    win.people_view.set_scan_status("")
    QApplication.processEvents()
    assert not shown()
    win.close()


# -- 6: the photos action says whose photos ----------------------------------------------------
def test_photos_action_says_whose_photos(qtbot: Any, library_window: Any) -> None:
    win, model = library_window, library_window.people_model
    a, b = model.ids()[0], model.ids()[1]
    _rename(qtbot, win, a, "Kate & Bo")
    _idle(qtbot, win)
    win.people_view.select_ids([a])
    assert win.act_photos.text().replace("&", "") == "Photos of Kate  Bo"  # && shows one &
    win.people_view.select_ids([a, b])
    assert win.act_photos.text().replace("&", "") == "Photos with All of Them"
    win.people_view.select_ids([b])
    assert win.act_photos.text().replace("&", "") == "Photos of This Group"
    _open_person(qtbot, win, a)
    toolbar = [act.text().replace("&", "") for act in win.person_view.toolbar.actions()]
    assert "Photos of Kate  Bo" in toolbar
    assert not any("Together" in t or "Selected" in t for t in toolbar), toolbar


def test_find_results_leave_out_people_judged_different(qtbot: Any) -> None:
    from faceorganizer.core.search.find import FaceResult, PersonScore
    from faceorganizer.gui.find_view import FindView, FoundFace
    from faceorganizer.gui.thumbnails import ThumbnailCache
    from faceorganizer.gui.worker import Jobs

    people = {1: person_item(1, "Ann", faces=4), 2: person_item(2, faces=3)}
    ranked = [
        PersonScore(1, "Ann", 0.7, 3, 10, "same person", 0.99),
        PersonScore(2, "unnamed group 2", 0.2, 3, 20, "different people", 0.2),
    ]
    view = FindView(ThumbnailCache(Jobs()))
    qtbot.addWidget(view)
    view.set_results("Find", [FoundFace(FaceResult(0, (0, 0, 9, 9), [], ranked), None, {}, people)])
    texts = [lb.text() for lb in view.findChildren(QLabel, "foundPerson")]
    assert len(texts) == 1 and "Ann" in texts[0]
    view.set_results("Find", [FoundFace(FaceResult(0, (0, 0, 9, 9), [], ranked[1:]), None)])
    assert not view.findChildren(QLabel, "foundPerson")
    assert any("No one" in lb.text() for lb in view.findChildren(QLabel))


# -- questions and merges show two sides that never read the same --------------------------------
def test_two_sides_of_a_question_or_merge_read_differently() -> None:
    from faceorganizer.gui.captions import pair_captions, side_captions

    a, b = person_item(41, faces=3), person_item(42, faces=3)
    assert pair_captions(a, b) == (
        "An unnamed group of 3 photos",
        "Another unnamed group of 3 photos",
    )
    named = person_item(7, "Brad Pitt", faces=12)
    sides = side_captions([named, a, b, person_item(43, faces=3), None])
    assert sides[0] == "Brad Pitt · 12 photos" and sides[3] == "A third unnamed group of 3 photos"
    assert len(set(sides)) == len(sides) and not any(IDS.search(t) for t in sides)
