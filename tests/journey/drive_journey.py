"""Drive the real FaceOrganizer window the way a person does, and write what happened.

Run by ``tests/journey/test_journey.py`` in a subprocess under Xvfb with Qt's xcb platform
(``QT_QPA_PLATFORM=xcb``, ``DISPLAY`` set, ``FACEORGANIZER_HOME`` an empty folder):

    python tests/journey/drive_journey.py --photos DIR --labels CSV --out DIR

``DIR`` holds ``celebrities/`` and ``snapshots/`` (a copy: the library the app builds). The window
is the one the ``faceorganizer`` entry point opens (``gui.app.run_app``); the driver finds its
widgets by object name or visible text and works them with QTest mouse clicks and key presses, as
a user does: the welcome page adds the folders through the folder dialog, the scan runs, then the
nine labelled people are named, wrong faces taken out, split groups merged, a photo is looked up
(Find by Photo) and one person exported. The "user" knows who the 25 labelled faces are and that
nobody in the snapshots is a celebrity; what the window shows is read from the library database
read-only (the user's eyes), every change goes through the window.

Writes ``OUT/result.json`` (steps, action counts, welcome-page label checks, find and export
results) and one screenshot per page (``OUT/*.png``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from tests.journey.pace import wait_ms  # noqa: E402

# The nine labelled people of ../shared/data/celebrities (ids A-I) and the names the user types.
NAMES = {
    "A": "Alex Morgan",
    "B": "Sam Rivera",
    "C": "Jordan Lee",
    "D": "Taylor Brooks",
    "E": "Casey Kim",
    "F": "Robin Diaz",
    "G": "Morgan Price",
    "H": "Jamie Chen",
    "I": "Riley Stone",
}
WELCOME_SIZES = [(1280, 800), (1600, 1000)]
REVIEW_ANSWERS = 12  # "Same person?" questions the user answers at most
WINDOW_SIZE = (1280, 800)
PersonIdRole = Qt.ItemDataRole.UserRole + 1  # gui.people_model.PersonIdRole
FaceIdRole = Qt.ItemDataRole.UserRole + 1  # gui.faces_model.FaceIdRole
KINDS = ("name", "merge", "fix", "other", "step", "navigation")
# pages by class, where a page has no object name
PAGE_CLASSES = {
    "WelcomeView": "welcomePage",
    "PeopleView": "peoplePage",
    "PersonView": "personPage",
    "PhotoViewer": "viewerPage",
    "PhotoGridView": "photosPage",
    "FindView": "findPage",
    "ReviewView": "reviewPage",
}


class JourneyError(Exception):
    """The window did not let the user do a step."""


@dataclass
class Look:
    """What the user sees in the library now (read from the database, read-only)."""

    owner: dict[int, int]  # face id -> person id
    names: dict[int, str | None]  # person id -> name
    photos: int  # photos in the library


@dataclass
class Journey:
    app: QApplication
    photos: Path
    labels: Path
    out: Path
    db_path: Path
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    inputs: int = 0  # mouse clicks, key presses and typed strings
    steps: list[str] = field(default_factory=list)
    detours: list[str] = field(default_factory=list)
    shots: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    truth: dict[int, str] = field(default_factory=dict)  # labelled face id -> A..I
    strangers: set[int] = field(default_factory=set)  # faces in the snapshots
    files: dict[int, str] = field(default_factory=dict)  # face id -> its photo's file name
    started: float = field(default_factory=time.monotonic)
    resume: bool = False
    # where the driver's own time went (a slow run says why: see ``waits()``)
    settle_seconds: float = 0.0
    activation_seconds: float = 0.0
    activation_failures: int = 0
    settle_depth: int = 0  # a dialog's answer may settle inside a settle: count the outer one

    # -- bookkeeping -------------------------------------------------------------------------
    def log(self, text: str) -> None:
        stamp = f"{time.monotonic() - self.started:6.1f}s"
        self.steps.append(f"{stamp} {text}")
        print(f"[journey {stamp}] {text}", flush=True)

    def act(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind] += n
        self.log(f"{kind}: {what}")

    # -- waiting -------------------------------------------------------------------------------
    def wait_until(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise JourneyError(f"timed out after {timeout:.0f} s waiting for {what}")
            wait_ms(20)

    def busy(self) -> bool:
        from faceorganizer.gui import worker

        return bool(worker.running_jobs()) or any(p.activeThreadCount() for p in worker.all_pools())

    def settle(self, timeout: float = 60.0, quiet_ms: int = 300) -> None:
        """Wait until no background work has run for ``quiet_ms`` (results painted)."""
        began = time.monotonic()
        self.settle_depth += 1
        try:
            self._settle(began + timeout, timeout, quiet_ms)
        finally:
            self.settle_depth -= 1
            if not self.settle_depth:
                self.settle_seconds += time.monotonic() - began

    def _settle(self, end: float, timeout: float, quiet_ms: int) -> None:
        quiet_since: float | None = None
        while True:
            wait_ms(20)
            now = time.monotonic()
            if self.busy():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif (now - quiet_since) * 1000 >= quiet_ms:
                return
            if now > end:
                raise JourneyError(f"the window stayed busy for {timeout:.0f} s")

    # -- the window ------------------------------------------------------------------------
    def window(self) -> QMainWindow:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMainWindow) and "FaceOrganizer" in w.windowTitle():
                return w
        raise JourneyError("no FaceOrganizer window")

    def page(self) -> QWidget:
        win = self.window()
        stack = win.findChild(QStackedWidget, "pages") or win.centralWidget()
        if isinstance(stack, QStackedWidget):
            return stack.currentWidget()
        return stack

    def page_name(self) -> str:
        """The shown page: its object name, else the name its class stands for."""
        page = self.page()
        return page.objectName() or PAGE_CLASSES.get(type(page).__name__, type(page).__name__)

    def page_named(self, name: str) -> QWidget:
        """A page by object name (or class), shown or not."""
        stack = self.window().findChild(QStackedWidget, "pages") or self.window().centralWidget()
        for i in range(stack.count()):
            page = stack.widget(i)
            if name in (page.objectName(), PAGE_CLASSES.get(type(page).__name__)):
                return page
        raise JourneyError(f"no page {name}")

    def view(self, page: str, names: tuple[str, ...], widest: bool = True) -> QListView:
        """A grid of a page by object name, else its widest (or narrowest) grid."""
        root = self.page_named(page)
        for name in names:
            found = root.findChild(QListView, name)
            if found is not None:
                return found
        views = root.findChildren(QListView)
        shown = [v for v in views if v.isVisible()] or views
        if not shown or (not widest and len(shown) < 2):
            raise JourneyError(f"no grid {names} shown on {page}")
        return (
            max(shown, key=lambda v: v.width()) if widest else min(shown, key=lambda v: v.width())
        )

    def button(self, root: QWidget, names: tuple[str, ...], text: str) -> QAbstractButton:
        """A visible button by object name, else by its text."""
        for w in root.findChildren(QAbstractButton):
            if w.objectName() in names and w.isVisible():
                return w
        return self.child(root, QAbstractButton, text=text)

    def child(
        self,
        root: QWidget,
        cls: type,
        name: str | None = None,
        text: str | None = None,
        *,
        visible: bool = True,
    ) -> Any:
        """A (visible) child by object name and/or visible text (``&`` ignored)."""
        for w in root.findChildren(cls):
            if name is not None and w.objectName() != name:
                continue
            if text is not None:
                shown = (w.text() if hasattr(w, "text") else "").replace("&", "")
                if text.casefold() not in shown.casefold():
                    continue
            if w.isVisible() or not visible:
                return w
        raise JourneyError(f"no visible {cls.__name__} name={name!r} text={text!r} in {root}")

    def key(self, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """A key press where the keyboard focus is (shortcuts of the active window fire)."""
        self.ensure_active()
        target = QApplication.focusWidget() or QApplication.activeWindow() or self.window()
        self.inputs += 1
        QTest.keyClick(target, key, mods)

    def ensure_active(self) -> None:
        """Give the keyboard back to the window (Xvfb has no window manager to do it)."""
        want = QApplication.activeModalWidget() or self.window()
        if QApplication.activeWindow() is not want:
            want.activateWindow()
            began = time.monotonic()
            active = QTest.qWaitForWindowActive(want, 3000)
            self.activation_seconds += time.monotonic() - began
            if not active:
                self.activation_failures += 1
                self.log(f"warning: {want.windowTitle()!r} did not become active")

    def waits(self) -> dict[str, Any]:
        """Seconds the driver spent waiting for background work and for window activation."""
        return {
            "settle_s": round(self.settle_seconds, 1),
            "activation_s": round(self.activation_seconds, 1),
            "activation_failures": self.activation_failures,
        }

    def type_into(self, edit: QLineEdit, text: str) -> None:
        edit.setFocus()
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(edit, text)
        self.inputs += 1

    def click(self, widget: QWidget, pos: QPoint | None = None, mods: Any = None) -> None:
        self.inputs += 1
        mods = mods or Qt.KeyboardModifier.NoModifier
        if pos is None:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton, mods)
        else:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton, mods, pos)

    def click_row(self, view: QListView, row: int, mods: Any = None) -> None:
        index = view.model().index(row, 0)
        view.scrollTo(index)  # the user scrolls to it
        wait_ms(30)
        self.click(view.viewport(), view.visualRect(index).center(), mods)

    def with_dialogs(
        self,
        trigger: Callable[[], None],
        handlers: list[Callable[[QWidget], None]],
        what: str,
        timeout: float = 30.0,
        optional: int = 0,
    ) -> int:
        """Run ``trigger``; answer each dialog it opens with the next handler.

        The last ``optional`` handlers may go unused (a question the window may not ask).
        Returns how many dialogs were answered. A dialog nobody expected is cancelled and
        recorded as a detour.
        """
        from shiboken6 import isValid

        state: dict[str, Any] = {"answered": 0, "error": None}
        seen: list[QWidget] = []  # dialogs answered (kept, so their wrappers stay the same)

        def is_seen(w: QWidget) -> bool:
            return any(d is w for d in seen)

        def open_dialog() -> QWidget | None:
            modal = QApplication.activeModalWidget()
            if modal is not None and not is_seen(modal):
                return modal
            for w in QApplication.topLevelWidgets():
                if isinstance(w, QDialog) and w.isVisible() and not is_seen(w):
                    return w
            return None

        def still_open() -> bool:
            return any(isValid(d) and d.isVisible() for d in seen)

        def poll() -> None:
            dialog = open_dialog()
            if dialog is None or not dialog.isVisible():
                return
            seen.append(dialog)
            timer.stop()
            try:
                wait_ms(50)
                if state["answered"] < len(handlers):
                    handler = handlers[state["answered"]]
                    state["answered"] += 1
                    handler(dialog)
                else:
                    text = dialog.windowTitle()
                    self.detours.append(f"{what}: an unexpected dialog '{text}' (cancelled)")
                    self.log(f"unexpected dialog during {what}: {text!r}")
                    if isinstance(dialog, QDialog):
                        dialog.reject()
            except Exception as exc:  # noqa: BLE001 - reported after the dialog is closed
                state["error"] = exc
                if isValid(dialog) and isinstance(dialog, QDialog):
                    dialog.reject()
            finally:
                timer.start()

        timer = QTimer()
        timer.setInterval(40)
        timer.timeout.connect(poll)
        timer.start()
        try:
            trigger()
            needed = len(handlers) - optional
            self.wait_until(
                lambda: state["answered"] >= needed or state["error"] is not None,
                timeout,
                f"the dialog of {what}",
            )
            # a question that may follow once the change ran (a merge offer after a name)
            if optional:
                self.settle()
            # nothing may stay open
            self.wait_until(lambda: not still_open(), timeout, f"the dialog of {what} to close")
        finally:
            timer.stop()
        if state["error"] is not None:
            raise JourneyError(f"{what}: {state['error']}") from state["error"]
        return int(state["answered"])

    # -- dialog answers ----------------------------------------------------------------------
    def answer_text(self, text: str) -> Callable[[QWidget], None]:
        def answer(dialog: QWidget) -> None:
            edit = dialog.findChild(QLineEdit)
            if edit is None:
                raise JourneyError(f"no text box in '{dialog.windowTitle()}'")
            self.type_into(edit, text)
            wait_ms(50)
            self.inputs += 1
            QTest.keyClick(edit, Qt.Key.Key_Return)

        return answer

    def answer_yes(self, dialog: QWidget) -> None:
        for label in ("Yes", "Merge", "OK"):
            for b in dialog.findChildren(QAbstractButton):
                shown = b.text().replace("&", "").strip()
                usable = b.isVisible() and b.isEnabled()
                if usable and shown.casefold().startswith(label.casefold()):
                    self.click(b)
                    return
        raise JourneyError(f"no Yes button in '{dialog.windowTitle()}'")

    def answer_path(self, path: Path) -> Callable[[QWidget], None]:
        """Type a path into Qt's own file dialog and press Enter."""

        def answer(dialog: QWidget) -> None:
            if not isinstance(dialog, QFileDialog):
                raise JourneyError(f"expected a file dialog, got '{dialog.windowTitle()}'")
            edit = dialog.findChild(QLineEdit, "fileNameEdit") or dialog.findChild(QLineEdit)
            self.type_into(edit, str(path))
            wait_ms(100)
            popup = edit.completer().popup() if edit.completer() else None
            if popup is not None and popup.isVisible():
                popup.hide()
            self.inputs += 1
            QTest.keyClick(edit, Qt.Key.Key_Return)

        return answer

    # -- screenshots and checks -------------------------------------------------------------
    def shot(
        self, name: str, widget: QWidget | None = None, *, screen: bool = False, wait: bool = True
    ) -> None:
        if wait:
            self.settle()
        wait_ms(100)
        path = self.out / name
        if screen:
            pix = QGuiApplication.primaryScreen().grabWindow(0)
        else:
            pix = (widget or self.window()).grab()
        pix.save(str(path))
        self.shots.append(name)
        self.log(f"screenshot {name} ({pix.width()}x{pix.height()})")

    def clipped_labels(self, root: QWidget) -> list[str]:
        """Visible text labels under ``root`` not shown in full (cut off or too small)."""
        win = self.window()
        bad = []
        for label in root.findChildren(QLabel):
            if not label.isVisible() or not label.text().strip():
                continue
            text = label.text()[:50]
            rect = label.rect()
            if label.wordWrap():
                need_h = label.heightForWidth(label.width())
                need_h = need_h if need_h > 0 else label.sizeHint().height()
                short = label.height() < need_h
                narrow = False
            else:
                hint = label.sizeHint()
                need_h = hint.height()
                short = label.height() < need_h
                narrow = label.width() < hint.width()
            shown = label.visibleRegion().boundingRect()
            hidden = shown != rect
            top_left = label.mapTo(win, rect.topLeft())
            bottom_right = label.mapTo(win, rect.bottomRight())
            outside = not (win.rect().contains(top_left) and win.rect().contains(bottom_right))
            if short or narrow or hidden or outside:
                why = []
                if short:
                    why.append(f"height {label.height()} < {need_h}")
                if narrow:
                    why.append(f"width {label.width()} < {label.sizeHint().width()}")
                if hidden:
                    part = f"{shown.width()}x{shown.height()} of {rect.width()}x{rect.height()}"
                    why.append(f"visible {part}")
                if outside:
                    why.append("outside the window")
                bad.append(f"{text!r}: {', '.join(why)}")
        return bad

    # -- the user's eyes ---------------------------------------------------------------------
    def look(self) -> Look:
        from faceorganizer.core.store.db import Database
        from faceorganizer.core.store.people import PeopleRepository

        with Database(self.db_path, readonly=True) as db:
            repo = PeopleRepository(db)
            owner = {f: a.person_id for f, a in repo.assignments().items()}
            names = {p.id: p.name for p in repo.list_people(include_hidden=True)}
            photos = int(db.conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0])
        return Look(owner, names, photos)

    def learn_faces(self) -> None:
        """Which faces the user recognises: the labelled ones, and strangers from snapshots."""
        from faceorganizer.core.evaluate.labelled import labelled_faces, read_label_csv
        from faceorganizer.core.store.db import Database
        from faceorganizer.core.store.faces import FaceRepository

        with Database(self.db_path, readonly=True) as db:
            lab = labelled_faces(db, read_label_csv(self.labels))
            snaps = str(self.photos / "snapshots")
            rows = FaceRepository(db).rows()
            self.strangers = {r.id for r in rows if r.path.startswith(snaps)}
            self.files = {r.id: Path(r.path).name for r in rows}
        self.truth = dict(zip(lab.face_ids, lab.truth, strict=True))
        self.result["labelled_missing"] = lab.missing

    # -- pages -----------------------------------------------------------------------------
    def people_grid(self) -> QListView:
        return self.view("peoplePage", ("peopleGrid",))

    def row_of_person(self, pid: int) -> int:
        model = self.people_grid().model()
        for row in range(model.rowCount()):
            if model.index(row, 0).data(PersonIdRole) == pid:
                return row
        raise JourneyError(f"person {pid} is not in the People grid")

    def go_people(self) -> None:
        """Back to the People page the way a user does: Esc / the back button."""
        for _ in range(4):
            if self.page_name() == "peoplePage":
                return
            before = self.page()
            back = [
                b
                for b in before.findChildren(QAbstractButton)
                if b.isVisible()
                and (b.objectName().casefold().endswith("back") or b.text().startswith("◀"))
            ]
            if back:
                self.click(back[0])
            else:
                self.key(Qt.Key.Key_Escape)
            self.counts["navigation"] += 1
            self.settle()
            if self.page() is before:
                self.key(Qt.Key.Key_Escape)
                self.settle()
        if self.page_name() != "peoplePage":
            raise JourneyError(f"cannot get back to the People page from {self.page_name()}")

    def select_people(self, pids: list[int]) -> None:
        self.go_people()
        grid = self.people_grid()
        for i, pid in enumerate(pids):
            mods = Qt.KeyboardModifier.ControlModifier if i else None
            self.click_row(grid, self.row_of_person(pid), mods)
        self.counts["navigation"] += len(pids)

    def open_person(self, pid: int) -> None:
        """Select a person in the grid, Enter; wait until their faces are shown."""
        want = {f for f, p in self.look().owner.items() if p == pid}
        for attempt in range(3):
            self.select_people([pid])
            self.key(Qt.Key.Key_Return)
            self.counts["navigation"] += 1
            self.wait_until(lambda: self.page_name() == "personPage", 10, "the person page")
            self.settle()
            try:
                self.wait_until(
                    lambda: want <= set(self.face_rows(self.faces_grid())), 10, "their faces"
                )
                return
            except JourneyError:
                shown = set(self.face_rows(self.faces_grid()))
                self.log(
                    f"warning: person {pid}'s page shows {len(shown)} faces, "
                    f"missing {sorted(want - shown)} (attempt {attempt + 1})"
                )
                self.go_people()
        raise JourneyError(f"the page of person {pid} does not show their faces")

    def faces_grid(self) -> QListView:
        return self.view("personPage", ("personFaces", "faceGrid"))

    def suggest_grid(self) -> QListView:
        return self.view("personPage", ("suggestGrid", "suggestionGrid"), widest=False)

    def face_rows(self, grid: QListView) -> dict[int, int]:
        model = grid.model()
        return {int(model.index(r, 0).data(FaceIdRole)): r for r in range(model.rowCount())}

    # -- the journey ---------------------------------------------------------------------------
    def run(self) -> None:
        self.wait_until(lambda: self._has_window(), 20, "the window")
        win = self.window()
        win.activateWindow()
        QTest.qWaitForWindowActive(win, 5000)
        self.settle()
        self.log(f"window shown, page {self.page_name()}")
        if self.resume and self.page_name() != "welcomePage":
            self.log("resuming on an existing library (development)")
            self.settle(timeout=300, quiet_ms=1500)
        else:
            self.welcome()
            self.add_folders()
        self.organise()
        self.screens_of_result()
        self.same_person_page()
        self.find_by_photo()
        self.export_one()
        self.log("closing the window (Ctrl+Q)")
        self.go_people()
        self.key(Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    def run_cli_library(self) -> None:
        """A library made by ``faceorganizer scan FOLDER`` in this home: the window opens on
        its people (not the welcome page), and Settings lists the folder the scan recorded."""
        self.wait_until(lambda: self._has_window(), 20, "the window")
        win = self.window()
        win.activateWindow()
        QTest.qWaitForWindowActive(win, 5000)
        self.settle()
        self.wait_until(lambda: self.page_name() != "welcomePage", 10, "a page other than welcome")
        self.result["cli_page"] = self.page_name()
        self.wait_until(lambda: self.people_grid().model().rowCount() > 0, 20, "people")
        self.result["cli_people"] = self.people_grid().model().rowCount()
        self.shot("cli-library.png")
        action = next(a for a in win.actions() if a.text().replace("&", "") == "Settings…")

        def read_folders(dialog: QWidget) -> None:
            from PySide6.QtWidgets import QListWidget

            folders = dialog.findChild(QListWidget, "settingsFolders")
            if folders is None:
                raise JourneyError("the Settings dialog shows no folder list")
            self.result["cli_folders"] = [folders.item(i).text() for i in range(folders.count())]
            labels = [lb.text() for lb in dialog.findChildren(QLabel) if lb.isVisible()]
            self.result["settings_labels"] = labels
            self.shot("settings.png", dialog, wait=False)
            if isinstance(dialog, QDialog):
                dialog.reject()

        self.with_dialogs(action.trigger, [read_folders], "File ▸ Settings…")
        self.counts["navigation"] += 1
        self.key(Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    def _has_window(self) -> bool:
        try:
            return self.window().isVisible()
        except JourneyError:
            return False

    def welcome(self) -> None:
        if self.page_name() != "welcomePage":
            raise JourneyError(f"an empty home opened on {self.page_name()}, not the welcome")
        win = self.window()
        checks = {}
        for w, h in WELCOME_SIZES:
            win.resize(w, h)
            self.wait_until(lambda w=w, h=h: win.width() == w and win.height() == h, 5, "resize")
            wait_ms(200)
            bad = self.clipped_labels(self.page())
            checks[f"{w}x{h}"] = bad
            self.log(f"welcome at {w}x{h}: {bad or 'all text visible'}")
            self.shot(f"welcome-{w}x{h}.png")
        self.result["welcome_clipped"] = checks
        win.resize(*WINDOW_SIZE)
        wait_ms(200)
        self.shot("welcome.png")

    def add_folders(self) -> None:
        celebrities, snapshots = self.photos / "celebrities", self.photos / "snapshots"
        button = self.button(self.page(), ("welcomeAddFolder",), "Add a photo folder")
        self.with_dialogs(
            lambda: self.click(button), [self.answer_path(celebrities)], "add a folder"
        )
        self.act("step", f"added {celebrities.name} from the welcome page")
        # the scan of the first folder has begun; add the second one as well (File ▸ Add, Ctrl+O)
        wait_ms(2500)
        self.shot("scanning.png", wait=False)
        self.with_dialogs(
            lambda: self.key(Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
            [self.answer_path(snapshots)],
            "add a second folder",
        )
        self.act("step", f"added {snapshots.name} with Ctrl+O")
        t0 = time.monotonic()
        self.settle(timeout=300, quiet_ms=1500)
        n = self.look().photos
        self.log(f"scan settled after {time.monotonic() - t0:.1f} s: {n} photos in the library")
        want = sum(1 for _ in celebrities.iterdir()) + sum(1 for _ in snapshots.iterdir())
        if n < want:
            self.detours.append(
                f"adding a folder during a scan did not scan it ({n} of {want} photos): "
                "Scan for New Photos (Ctrl+R) needed"
            )
            self.key(Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
            self.act("other", "Ctrl+R: scan again for the second folder's photos")
            wait_ms(500)
            self.settle(timeout=300, quiet_ms=1500)
            n = self.look().photos
        self.result["photos"] = n
        self.result["scan_seconds"] = round(time.monotonic() - t0, 1)
        if n < want:
            raise JourneyError(f"only {n} of {want} photos scanned")
        self.wait_until(lambda: self.people_grid().model().rowCount() > 0, 20, "people")

    def homes(self, look: Look) -> dict[str, int]:
        """Each labelled person's group: the one holding most of their faces (one each)."""
        counts: dict[tuple[str, int], int] = {}
        for face, who in self.truth.items():
            pid = look.owner.get(face)
            if pid is not None:
                counts[(who, pid)] = counts.get((who, pid), 0) + 1
        homes: dict[str, int] = {}
        taken: set[int] = set()
        # a group already named after someone is their home; then the largest shares
        for (who, pid), _n in sorted(
            counts.items(), key=lambda kv: (look.names.get(kv[0][1]) != NAMES[kv[0][0]], -kv[1])
        ):
            if who not in homes and pid not in taken:
                homes[who] = pid
                taken.add(pid)
        return homes

    def organise(self) -> None:
        """Name the nine, merge split groups, take wrong faces out, add missed ones."""
        self.learn_faces()
        self.log(f"the user knows {len(self.truth)} labelled faces, {len(self.strangers)} others")
        self.result["before"] = self.describe(self.look())
        for round_no in range(4):
            look = self.look()
            homes = self.homes(look)
            did = self.name_round(look, homes)
            did += self.merge_round()
            did += self.fix_round()
            did += self.unsorted_round()
            self.log(f"round {round_no + 1}: {did} changes")
            if not did:
                break
        self.result["after"] = self.describe(self.look())

    def describe(self, look: Look) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for face, who in sorted(self.truth.items()):
            pid = look.owner.get(face)
            key = "unsorted" if pid is None else f"{pid}:{look.names.get(pid) or ''}"
            groups.setdefault(key, []).append(who)
        homes = set(self.homes(look).values())
        strangers = sum(1 for f in self.strangers if look.owner.get(f) in homes)
        return {"groups": groups, "strangers_in_their_groups": strangers}

    def name_round(self, look: Look, homes: dict[str, int]) -> int:
        done = 0
        for who, pid in sorted(homes.items(), key=lambda kv: self.row_of_person(kv[1])):
            name = NAMES[who]
            if look.names.get(pid) == name:
                continue
            self.select_people([pid])
            answered = self.with_dialogs(
                lambda: self.key(Qt.Key.Key_F2),
                [self.answer_text(name), self.answer_yes],
                f"name {name}",
                optional=1,
            )
            self.settle()
            if answered > 1:
                self.act("merge", f"named a group {name!r}, which the window offered to merge")
            else:
                self.act("name", f"F2 {name!r}")
            done += 1
        return done

    def merge_round(self) -> int:
        """Groups holding only one named person's labelled faces merge into that person."""
        done = 0
        look = self.look()
        homes = self.homes(look)
        for who, home in homes.items():
            pieces = {
                look.owner[f]
                for f, w in self.truth.items()
                if w == who and look.owner.get(f) not in (None, home)
            }
            for piece in sorted(pieces):
                others = {w for f, w in self.truth.items() if look.owner.get(f) == piece}
                if others != {who} or piece in homes.values():
                    continue  # a mixed group: its faces are fixed one by one
                self.select_people([home, piece])
                self.with_dialogs(
                    lambda: self.key(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier),
                    [self.answer_yes],
                    f"merge into {NAMES[who]}",
                )
                self.settle()
                self.act("merge", f"Ctrl+M: a split group into {NAMES[who]!r}")
                done += 1
        return done

    def fix_round(self) -> int:
        """In each named person's page, take out faces that are not them."""
        done = 0
        look = self.look()
        homes = self.homes(look)
        home_of = {pid: who for who, pid in homes.items()}
        groups_with_labels = {look.owner[f] for f in self.truth if f in look.owner}
        for pid in sorted(groups_with_labels, key=self.row_of_person):
            who = home_of.get(pid)
            faces = [f for f, p in look.owner.items() if p == pid]
            wrong = {f: self.truth[f] for f in faces if f in self.truth and self.truth[f] != who}
            strangers = [f for f in faces if f in self.strangers] if who else []
            if not wrong and not strangers:
                continue
            self.open_person(pid)
            for face, really in sorted(wrong.items()):
                target = NAMES[really]
                self.pick_faces([face])
                self.with_dialogs(
                    lambda: self.key(
                        Qt.Key.Key_M,
                        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
                    ),
                    [self.answer_text(target)],
                    f"move a face to {target}",
                )
                self.settle()
                self.act("fix", f"moved {target} ({self.files[face]}) to them, out of group {pid}")
                done += 1
            if strangers:
                self.pick_faces(strangers)
                self.key(Qt.Key.Key_Delete)
                self.settle()
                seen = ", ".join(self.files[f] for f in strangers)
                self.act("fix", f"Not {NAMES[who]} (Del): a stranger in {seen}", len(strangers))
                done += 1
        return done

    def pick_faces(self, faces: list[int]) -> None:
        grid = self.faces_grid()
        rows = self.face_rows(grid)
        for i, face in enumerate(faces):
            if face not in rows:
                raise JourneyError(f"face {face} is not on the person page")
            mods = Qt.KeyboardModifier.ControlModifier if i else None
            self.click_row(grid, rows[face], mods)

    def unsorted_round(self) -> int:
        """Labelled faces in no group: accept them where the person page suggests them."""
        done = 0
        look = self.look()
        homes = self.homes(look)
        loose: dict[str, list[int]] = {}
        for face, who in self.truth.items():
            if face not in look.owner:
                loose.setdefault(who, []).append(face)
        for who, faces in sorted(loose.items()):
            if who not in homes:
                if self.add_from_unsorted(who, faces):
                    done += 1
                else:
                    self.detour(f"{NAMES[who]}: no group at all for {len(faces)} face(s)")
                continue
            self.open_person(homes[who])
            try:
                rows = self.face_rows(self.suggest_grid())
            except JourneyError:
                rows = {}
            offered = [f for f in faces if f in rows]
            if not offered:
                if self.add_from_unsorted(who, faces):
                    done += 1
                else:
                    self.detour(f"{NAMES[who]}: {len(faces)} face(s) in no group, not offered")
                continue
            grid = self.suggest_grid()
            for i, face in enumerate(offered):
                mods = Qt.KeyboardModifier.ControlModifier if i else None
                self.click_row(grid, rows[face], mods)
            self.click(self.button(self.page(), ("suggestYes",), "Yes"))
            self.settle()
            self.act("merge", f"'Is this also {NAMES[who]}?' yes to {len(offered)} face(s)")
            done += 1
        return done

    def add_from_unsorted(self, who: str, faces: list[int]) -> bool:
        """The Unsorted faces page, where there is one: pick the faces, Add to person…."""
        self.go_people()
        try:
            opener = self.button(self.page(), ("openUnsorted",), "Unsorted")
        except JourneyError:
            return False
        self.click(opener)
        self.counts["navigation"] += 1
        self.wait_until(lambda: self.page_name() == "unsortedPage", 10, "the Unsorted page")
        self.settle()
        grid = self.view("unsortedPage", ("unsortedGrid",))
        rows = self.face_rows(grid)
        offered = [f for f in faces if f in rows]
        if not offered:
            return False
        for i, face in enumerate(offered):
            mods = Qt.KeyboardModifier.ControlModifier if i else None
            self.click_row(grid, self.face_rows(grid)[face], mods)
        assign = self.button(self.page(), ("unsortedAssign",), "Add to person")
        self.with_dialogs(
            lambda: self.click(assign), [self.answer_text(NAMES[who])], f"add to {NAMES[who]}"
        )
        self.settle()
        self.act("merge", f"Unsorted faces: {len(offered)} added to {NAMES[who]!r}")
        return True

    def detour(self, text: str) -> None:
        if text not in self.detours:
            self.detours.append(text)
            self.log(f"detour: {text}")

    def screens_of_result(self) -> None:
        self.go_people()
        self.shot("people.png")
        look = self.look()
        homes = self.homes(look)
        self.open_person(homes["A"])
        self.shot("person.png")

    def find_by_photo(self) -> None:
        """File ▸ Find by Photo (Ctrl+F) with a photo of a known person; open a result."""
        photo = self.photos / "celebrities" / "img2.jpg"  # labelled A
        self.go_people()
        self.with_dialogs(
            lambda: self.key(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier),
            [self.answer_path(photo)],
            "find by photo",
        )
        self.act("step", f"Find by Photo: {photo.name}")
        self.wait_until(lambda: self.page_name() == "findPage", 10, "the find page")
        want = NAMES["A"]
        self.wait_until(
            lambda: any(
                want in lbl.text() for lbl in self.page().findChildren(QLabel) if lbl.isVisible()
            ),
            90,
            f"{want} among the find results",
        )
        texts = [
            lbl.text() for lbl in self.page().findChildren(QLabel) if lbl.isVisible() and lbl.text()
        ]
        self.result["find_texts"] = texts[:12]
        self.shot("find.png")
        found = [
            b for b in self.page().findChildren(QAbstractButton, "foundPhoto") if b.isVisible()
        ]
        if not found:
            raise JourneyError("the find results show no photo to open")
        self.click(found[0])
        self.counts["navigation"] += 1
        self.wait_until(lambda: self.page_name() == "viewerPage", 10, "the photo viewer")
        self.settle()
        self.shot("viewer.png")
        self.who_is_this_screen()

    def who_is_this_screen(self) -> None:
        """Click a face box in the viewer: the chooser, shot with the whole screen, then Esc.

        Only for the screenshot (the user would cancel); not counted as an action.
        """
        canvas = next(
            (
                w
                for w in self.page().findChildren(QWidget)
                if w.objectName() == "viewerCanvas" or type(w).__name__ == "PhotoCanvas"
            ),
            None,
        )
        if canvas is None:
            return
        faces = list(getattr(canvas, "faces", []))
        if not faces or not hasattr(canvas, "box_rect"):
            return
        face = max(faces, key=lambda f: f.box[2] * f.box[3])
        centre = canvas.box_rect(face).center().toPoint()

        def shoot_and_cancel(dialog: QWidget) -> None:
            wait_ms(300)
            pix = QGuiApplication.primaryScreen().grabWindow(0)
            pix.save(str(self.out / "viewer-who.png"))
            self.shots.append("viewer-who.png")
            self.log("screenshot viewer-who.png (the whole screen)")
            if isinstance(dialog, QDialog):
                QTest.keyClick(dialog, Qt.Key.Key_Escape)

        self.with_dialogs(
            lambda: QTest.mouseClick(
                canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre
            ),
            [shoot_and_cancel],
            "who is this (screenshot)",
        )
        self.settle()

    def export_one(self) -> None:
        """Select one person, Export Albums (Ctrl+E), tick a second one in the dialog's list,
        read who will be written (the count and the names, before the button), type a folder,
        Export, Close."""
        look = self.look()
        homes = self.homes(look)
        pid, second = homes["A"], homes["B"]
        target = self.out.parent / "export"
        self.select_people([pid])
        self.key(Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        self.wait_until(self._export_dialog_open, 10, "the export dialog")
        dialog = self._export_dialog_open()
        assert dialog is not None
        rows = dialog.findChild(QListView, "exportPeopleList") or self.child(dialog, QListView)
        ticked = [
            r
            for r in range(rows.model().rowCount())
            if rows.model().index(r, 0).data(Qt.ItemDataRole.CheckStateRole)
            == Qt.CheckState.Checked.value
        ]
        self.result["export_preticked_rows"] = ticked
        row = next(
            r
            for r in range(rows.model().rowCount())
            if rows.model().index(r, 0).data(Qt.ItemDataRole.UserRole) == second
        )
        rows.scrollTo(rows.model().index(row, 0))
        rect = rows.visualRect(rows.model().index(row, 0))
        self.click(rows.viewport(), rect.center())  # the row, then Space ticks it
        self.inputs += 1
        QTest.keyClick(rows, Qt.Key.Key_Space)
        self.act("step", f"ticked {NAMES['B']} as well in the export list")
        chosen = dialog.findChild(QLabel, "exportChosen")
        self.wait_until(
            lambda: chosen is not None and chosen.text().startswith("2 people"), 5, "the count"
        )
        assert chosen is not None
        self.result["export_chosen"] = chosen.text()
        self.result["export_button"] = self.button(dialog, ("exportButton",), "Export").text()
        self.result["export_people"] = [NAMES["A"], NAMES["B"]]
        edit = dialog.findChild(QLineEdit, "exportTarget") or self.child(dialog, QLineEdit)
        self.type_into(edit, str(target))
        self.shot("export-chosen.png", dialog)
        self.click(self.button(dialog, ("exportButton",), "Export"))
        summary = dialog.findChild(QLabel, "exportSummary")

        def written() -> bool:
            labels = [summary] if summary is not None else dialog.findChildren(QLabel)
            return any("written" in lbl.text() for lbl in labels)

        self.wait_until(written, 60, "the export to finish")
        summary = summary or next(
            lb for lb in dialog.findChildren(QLabel) if "written" in lb.text()
        )
        self.act("step", f"exported {NAMES['A']} and {NAMES['B']} to {target}")
        self.result["export_summary"] = summary.text()
        self.result["export_dir"] = str(target)
        self.shot("export.png", dialog)
        self.click(self.child(dialog, QAbstractButton, text="Close"))
        self.settle()

    # -- the "Same person?" page ---------------------------------------------------------------
    def same_person_page(self) -> None:
        """View ▸ Same Person? Questions (Ctrl+3): read the counter, answer as the user knows
        (the same labelled person: Y; a labelled person and a stranger, or two labelled people:
        N; two groups of strangers: S), and check each Y / N takes one question off."""
        self.go_people()
        self.key(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        self.wait_until(lambda: self.page_name() == "reviewPage", 10, "the same-person page")
        self.settle()
        page = self.page()
        count = page.findChild(QLabel, "reviewCount")

        def left() -> int:
            text = count.text() if count is not None else ""
            return int(text.split()[0]) if text and text[0].isdigit() else 0

        review: dict[str, Any] = {"first": count.text() if count else "", "answers": []}
        self.shot("review.png")
        skipped: set[tuple[int, int]] = set()
        for _ in range(REVIEW_ANSWERS):
            before = left()
            current = getattr(page, "current", None)
            if not before or current is None:
                break
            a, b = int(current.suggestion.a), int(current.suggestion.b)
            if (a, b) in skipped:
                break  # only skipped questions are left
            look = self.look()
            side = [
                (
                    {w for f, w in self.truth.items() if look.owner.get(f) == g},
                    any(look.owner.get(f) == g for f in self.strangers),
                )
                for g in (a, b)
            ]
            (la, sa), (lb, sb) = side
            if la and la == lb and len(la) == 1 and not (sa or sb):
                answer, key = "yes", Qt.Key.Key_Y
            elif (la or sa) and (lb or sb) and not (la & lb) and (la or lb):
                answer, key = "no", Qt.Key.Key_N
            else:
                answer, key = "skip", Qt.Key.Key_S
                skipped.add((a, b))
            self.key(key)
            self.act("merge" if answer == "yes" else "step", f"Same person? {answer}")
            self.settle()
            review["answers"].append([answer, before, left()])
        review["last"] = count.text() if count else ""
        self.result["review"] = review
        self.log(f"same person? page: {review}")

    def _export_dialog_open(self) -> QDialog | None:
        for w in QApplication.topLevelWidgets():
            export = w.objectName() == "exportDialog" or w.windowTitle().startswith("Export")
            if isinstance(w, QDialog) and export and w.isVisible():
                return w
        return None

    def finish(self, error: str | None) -> dict[str, Any]:
        actions = sum(self.counts[k] for k in ("name", "merge", "fix", "other"))
        self.result.update(
            ok=error is None,
            error=error,
            counts=self.counts,
            actions=actions,
            inputs=self.inputs,
            steps=self.steps,
            detours=self.detours,
            screenshots=self.shots,
            names=NAMES,
            db=str(self.db_path),
            seconds=round(time.monotonic() - self.started, 1),
            waits=self.waits(),
        )
        return self.result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", required=True, type=Path)
    parser.add_argument("--labels", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--resume", action="store_true", help="development: reuse the home")
    parser.add_argument(
        "--cli-library", action="store_true", help="open a library `scan` made; check its folders"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from faceorganizer.core.settings import APP_NAME, default_db_path

    app = QApplication([APP_NAME])
    journey = Journey(app, args.photos.resolve(), args.labels, args.out, default_db_path())
    journey.resume = args.resume
    if args.cli_library:
        journey.run = journey.run_cli_library  # type: ignore[method-assign]
    outcome: dict[str, Any] = {}

    def go() -> None:
        error = None
        try:
            journey.run()
        except Exception as exc:  # noqa: BLE001 - written to result.json for the test
            error = f"{type(exc).__name__}: {exc}"
            journey.log(f"FAILED: {error}\n{traceback.format_exc()}")
            with contextlib.suppress(Exception):
                journey.shot("failure.png", screen=True)
        outcome.update(journey.finish(error))
        (args.out / "result.json").write_text(json.dumps(outcome, indent=2))
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                w.reject()
        QTimer.singleShot(0, lambda: [w.close() for w in QApplication.topLevelWidgets()])
        QTimer.singleShot(5000, app.quit)

    QTimer.singleShot(0, go)
    from faceorganizer.gui.app import run_app

    code = run_app([APP_NAME])
    if not outcome:
        outcome.update(journey.finish("the window closed before the journey ended"))
        (args.out / "result.json").write_text(json.dumps(outcome, indent=2))
    return 0 if outcome.get("ok") and code == 0 else 1


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown of Qt objects: the result is written, and a crash while
    # PySide deallocates at exit would only hide it.
    os._exit(status)
