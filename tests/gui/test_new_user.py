"""What a new user noticed after issue 15's journey: offers that linger, choosers without the
current person, find results that read alike, progress shown twice, plain toolbar words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

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
    from faceorganizer.gui import people_flows

    monkeypatch.setattr(people_flows, "OFFER_MS", 300)
    win, model = library_window, library_window.people_model
    offer = win.extras.flows.offer
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
    from faceorganizer.gui import people_flows

    monkeypatch.setattr(people_flows, "OFFER_SETTLE_MS", 0, raising=False)
    win, model = library_window, library_window.people_model
    offer = win.extras.flows.offer
    pid = model.ids()[0]
    _rename(qtbot, win, pid, "Keanu Reeves")
    qtbot.waitUntil(lambda: offer.isVisible(), timeout=5000)
    qtbot.wait(20)
    _open_person(qtbot, win, pid)
    assert not offer.isVisible()
    win.statusBar().showMessage("x")
    win.statusBar().clearMessage()
    assert not offer.isVisible()
    assert people_flows.OFFER_MS <= 10000
