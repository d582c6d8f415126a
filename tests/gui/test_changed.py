"""One notification after every write (issue 28): every page and the undo history are told
once, and each redraws what concerns it; no page of the window is left out."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from faceorganizer.core.records import Changes
from faceorganizer.gui.changed import Changed, ChangeHub


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.ops_pending == 0 and not win.jobs.active(), timeout=15000)


def _spy(monkeypatch: Any, win: Any) -> dict[str, list[Changed]]:
    """Record what each subscriber is told (then let it redraw as usual)."""
    told: dict[str, list[Changed]] = {}
    for sub in win.hub.subscribers:
        name = type(sub).__name__
        told[name] = []

        def spy(change: Changed, real: Any = sub.library_changed, name: str = name) -> None:
            told[name].append(change)
            real(change)

        monkeypatch.setattr(sub, "library_changed", spy)
    return told


def unheard(win: Any) -> list[str]:
    """What a page that forgot to subscribe looks like: a widget in the window's stack that is
    no listed page, a listed page not told of writes, or one that never says what it redraws."""
    from faceorganizer.gui.page import Page

    pages = win.pages.all
    problems = []
    for i in range(win.stack.count()):
        widget = win.stack.widget(i)
        if not any(p.view is widget for p in pages):
            problems.append(f"{type(widget).__name__} is in the stack but no page")
    for page in pages:
        if page not in win.hub.subscribers:
            problems.append(f"{type(page).__name__} is not told of writes")
        if type(page).library_changed is Page.library_changed:
            problems.append(f"{type(page).__name__} does not say what a write redraws")
    if win.history not in win.hub.subscribers:
        problems.append("the undo history is not told of writes")
    return problems


def test_naming_a_person_tells_every_page_once_and_the_grid_counts_and_undo_follow(
    qtbot: Any, library_window: Any, monkeypatch: Any
) -> None:
    win, model = library_window, library_window.people_model
    _idle(qtbot, win)
    pid = model.ids()[-1]
    named = int(win.people_view.count.text().split()[0])
    counted: list[tuple[int, int]] = []
    real_counts = win.people_view.set_extra_counts
    monkeypatch.setattr(
        win.people_view,
        "set_extra_counts",
        lambda u, q, cap=None: (counted.append((u, q)), real_counts(u, q, cap)),
    )
    win.open_person(pid)  # named on the person page: the grid is another page
    qtbot.waitUntil(lambda: win.person_view.faces.rowCount() > 0, timeout=10000)
    _idle(qtbot, win)
    told = _spy(monkeypatch, win)
    win.ask.texts.append("Ada Example")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: "Ada Example" in win.act_undo.text(), timeout=10000)
    qtbot.waitUntil(lambda: bool(counted), timeout=10000)
    _idle(qtbot, win)
    # every page and the undo history were told, once each, of the same write
    assert set(told) >= {type(p).__name__ for p in win.pages.all} | {"UndoHistory"}
    assert all(len(changes) == 1 for changes in told.values()), told
    (change,) = {id(c[0]): c[0] for c in told.values()}.values()
    assert pid in change.changes.people and "Ada Example" in change.label
    # the People grid (not shown) has the name and the count; the person page redrew its title
    assert model.item(pid).name == "Ada Example"
    assert win.people_view.count.text().startswith(f"{named + 1} named")
    assert "Ada Example" in win.person_view.title.text()
    assert "Ada Example" in win.history.offer.text.text()


def test_every_kind_of_write_broadcasts_once(
    qtbot: Any, library_window: Any, monkeypatch: Any
) -> None:
    """A people operation, undo, redo, the library's folders, the end of a scan, an import."""
    win, model = library_window, library_window.people_model
    _idle(qtbot, win)
    sent: list[Changed] = []
    real = win.hub.broadcast
    monkeypatch.setattr(win.hub, "broadcast", lambda c: (sent.append(c), real(c)))
    pid = model.ids()[0]
    win.people_view.select_ids([pid])
    win.ask.texts.append("Grace Example")
    win.act_rename.trigger()
    qtbot.waitUntil(lambda: "Grace Example" in win.act_undo.text(), timeout=10000)
    win.act_undo.trigger()
    qtbot.waitUntil(lambda: model.item(pid).name is None, timeout=10000)
    qtbot.waitUntil(lambda: "Grace Example" in win.act_redo.text(), timeout=10000)
    win.act_redo.trigger()
    qtbot.waitUntil(lambda: model.item(pid).name == "Grace Example", timeout=10000)
    _idle(qtbot, win)
    assert len(sent) == 3 and sent[1].label.startswith("Undone: ")
    win._set_folders([*win.folders, str(win.db_path.parent)])
    qtbot.waitUntil(lambda: len(sent) == 4, timeout=10000)
    assert sent[3].folders
    win._scan_ended()
    assert len(sent) == 5 and sent[4].everything and sent[4].scan_ended
    _idle(qtbot, win)
    win.open_import_names()  # File ▸ Import Names From…: what it does once names are in
    win.import_dialog.on_imported(Changes(label="Import 3 names", people={pid}))
    assert len(sent) == 6 and sent[5].everything and sent[5].label == "Import 3 names"
    win.import_dialog.close()
    _idle(qtbot, win)


def test_a_page_that_is_not_told_of_writes_is_found(qtbot: Any, library_window: Any) -> None:
    win = library_window
    assert unheard(win) == []
    # what forgetting looks like: the checks above fail for each kind
    stray = QWidget()
    win.stack.addWidget(stray)
    win.hub.subscribers.remove(win.pages.review)
    assert unheard(win) == [
        "QWidget is in the stack but no page",
        "ReviewPage is not told of writes",
    ]
    win.stack.removeWidget(stray)
    win.hub.subscribe(win.pages.review)


def test_the_hub_tells_each_subscriber_once_in_order() -> None:
    hub, heard = ChangeHub(), []

    class Sub:
        def __init__(self, name: str) -> None:
            self.name = name

        def library_changed(self, change: Changed) -> None:
            heard.append((self.name, change.label))

    a, b = Sub("a"), Sub("b")
    hub.subscribe(a)
    hub.subscribe(b)
    hub.subscribe(a)  # twice: told once
    hub.broadcast(Changed(Changes(label="Named Ada")))
    assert heard == [("a", "Named Ada"), ("b", "Named Ada")]
    nothing = Changed.after(None)  # Undo with nothing to undo: told, and nothing changed
    assert not nothing.changes and nothing.label == "" and not nothing.everything
