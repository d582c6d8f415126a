"""Use the real FaceOrganizer window for a while, the ordinary way, and write what happened.

Run by ``tests/journey/test_soak.py`` in a subprocess under Xvfb with Qt's xcb platform, on a
data folder (``FACEORGANIZER_HOME``) whose library is already scanned:

    python tests/journey/drive_soak.py --photos DIR --out DIR --seconds 60

Round after round until the time is up, by mouse and keyboard (QTest events on the real
widgets, through the journey driver's ``Journey`` helpers): the People grid walked with arrow
keys, hovered and clicked; a person opened, their faces walked, one opened in the viewer and
paged through; the Unsorted faces page; the "Same person?" questions (skipped); Find by Photo;
the export dialog opened and cancelled; a rename undone, redone and undone again. What the
window paints on the way is what long sessions paint (delegates answering ``data()`` for every
role, thumbnails arriving, pages built and torn down).

Writes ``OUT/result.json``: ``ok``/``error``, ``events`` (key presses, clicks and mouse moves
sent), ``rounds``, ``seconds``, per-page ``visits``, and the process's resident memory
(``rss_mb``: at start, after the first round, at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QListView,
    QWidget,
)

from tests.journey.drive_journey import Journey, JourneyError  # noqa: E402
from tests.journey.pace import wait_ms  # noqa: E402

NO_MODS = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)


class Soak(Journey):
    """The journey driver's eyes and hands, used over and over instead of once."""

    def __init__(self, *args: Any, seconds: float, seed: int = 24, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.events = 0
        self.visits: dict[str, int] = {}
        self.renamed = 0
        self.per_round: list[float] = []  # resident MB at the end of each round
        self.round_seconds: list[float] = []  # how long each round took

    # -- input, counted -------------------------------------------------------------------
    def press(self, key: Qt.Key, mods: Qt.KeyboardModifier = NO_MODS, pause: int = 8) -> None:
        self.key(key, mods)
        self.events += 1
        wait_ms(pause)

    def hover(self, view: QListView, moves: int = 12) -> None:
        """Move the mouse over a grid's cells (tool tips, hover painting)."""
        port = view.viewport()
        for _ in range(moves):
            pos = QPoint(self.rng.randrange(max(port.width(), 1)),
                         self.rng.randrange(max(port.height(), 1)))  # fmt: skip
            QTest.mouseMove(port, pos)
            self.events += 1
            wait_ms(6)

    def walk(self, view: QListView, steps: int) -> None:
        """Arrow keys, page keys, Home and End through a grid, as a user browses."""
        if view.model() is None or view.model().rowCount() == 0:
            return
        view.setFocus()
        if not view.currentIndex().isValid():
            self.click_row(view, 0)
            self.events += 1
        keys = [Qt.Key.Key_Right] * 6 + [Qt.Key.Key_Down] * 3 + [Qt.Key.Key_Left] * 2
        keys += [Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp]
        for _ in range(steps):
            QTest.keyClick(view, self.rng.choice(keys))
            self.events += 1
            self.inputs += 1
            wait_ms(8)
        for key in (Qt.Key.Key_End, Qt.Key.Key_Home):
            QTest.keyClick(view, key)
            self.events += 1
            wait_ms(30)

    def visit(self, page: str) -> None:
        self.visits[page] = self.visits.get(page, 0) + 1

    def back_to_people(self) -> None:
        self.go_people()
        self.events += 1

    # -- the pages ------------------------------------------------------------------------
    def people(self) -> None:
        self.back_to_people()
        grid = self.people_grid()
        self.hover(grid, 60)
        self.walk(grid, 150)
        rows = grid.model().rowCount()
        for _ in range(3):
            self.click_row(grid, self.rng.randrange(rows))
            self.events += 1
        self.visit("people")

    def person_and_viewer(self) -> None:
        self.back_to_people()
        grid = self.people_grid()
        # mostly the large groups at the top (people), sometimes any
        rows = grid.model().rowCount()
        row = self.rng.randrange(min(rows, 12) if self.rng.random() < 0.7 else rows)
        self.click_row(grid, row)
        self.press(Qt.Key.Key_Return)
        self.wait_until(lambda: self.page_name() == "personPage", 10, "the person page")
        self.settle()
        self.visit("person")
        faces = self.faces_grid()
        self.hover(faces, 30)
        self.walk(faces, 60)
        with contextlib.suppress(JourneyError):
            self.hover(self.suggest_grid(), 6)
        faces.setFocus()
        if faces.model().rowCount():
            self.click_row(faces, self.rng.randrange(faces.model().rowCount()))
            self.events += 1
            QTest.keyClick(faces, Qt.Key.Key_Return)
            self.events += 1
            self.wait_until(lambda: self.page_name() == "viewerPage", 10, "the photo viewer")
            self.settle()
            self.visit("viewer")
            canvas = self.page().findChild(QWidget, "viewerCanvas") or self.page()
            for _ in range(8):
                x = self.rng.randrange(max(canvas.width(), 1))
                QTest.mouseMove(canvas, QPoint(x, self.rng.randrange(max(canvas.height(), 1))))
                self.events += 1
                wait_ms(6)
            for key in [Qt.Key.Key_Right] * 8 + [Qt.Key.Key_Left] * 5:
                QTest.keyClick(self.page(), key)
                self.events += 1
                wait_ms(60)
            self.settle()

    def unsorted(self) -> None:
        self.back_to_people()
        self.press(Qt.Key.Key_2, CTRL)
        self.wait_until(lambda: self.page_name() == "unsortedPage", 10, "the Unsorted page")
        self.settle()
        self.visit("unsorted")
        grid = self.view("unsortedPage", ("unsortedGrid",))
        self.hover(grid, 40)
        self.walk(grid, 80)

    def same_person(self) -> None:
        self.back_to_people()
        self.press(Qt.Key.Key_3, CTRL)
        self.wait_until(lambda: self.page_name() == "reviewPage", 10, "the Same person? page")
        self.settle()
        self.visit("same_person")
        page = self.page()
        for _ in range(3):  # look, then skip: "S"
            skip = page.findChild(QAbstractButton, "reviewSkip")
            if skip is None or not skip.isVisible() or not skip.isEnabled():
                break
            self.click(skip)
            self.events += 1
            wait_ms(120)
        self.settle()

    def find(self) -> None:
        photo = self.photos / "celebrities" / self.rng.choice(["img2.jpg", "img5.jpg", "img9.jpg"])
        if not photo.exists():
            photo = next(p for p in sorted((self.photos / "celebrities").glob("*.jpg")))
        self.back_to_people()
        self.with_dialogs(
            lambda: self.press(Qt.Key.Key_F, CTRL), [self.answer_path(photo)], "find by photo"
        )
        self.events += 2
        self.wait_until(lambda: self.page_name() == "findPage", 10, "the find page")
        self.wait_until(
            lambda: (
                any(b.isVisible() for b in self.page().findChildren(QAbstractButton, "foundPhoto"))
                or any(
                    "no face" in lbl.text().casefold() for lbl in self.page().findChildren(QLabel)
                )
            ),
            90,
            "find results",
        )
        self.settle()
        self.visit("find")

    def export_cancelled(self) -> None:
        self.back_to_people()
        grid = self.people_grid()
        self.click_row(grid, self.rng.randrange(min(grid.model().rowCount(), 10)))
        self.events += 1
        self.press(Qt.Key.Key_E, CTRL)
        self.wait_until(self._export_dialog_open, 10, "the export dialog")
        dialog = self._export_dialog_open()
        assert dialog is not None
        wait_ms(150)
        for b in dialog.findChildren(QAbstractButton):
            if b.isVisible():
                QTest.mouseMove(b)
                self.events += 1
                wait_ms(10)
        closer = next(
            (
                b
                for b in dialog.findChildren(QAbstractButton)
                if b.isVisible()
                and b.isEnabled()
                and b.text().replace("&", "") in ("Cancel", "Close")
            ),
            None,
        )
        if closer is not None:
            self.click(closer)
        else:
            QTest.keyClick(dialog, Qt.Key.Key_Escape)
        self.events += 1
        self.wait_until(
            lambda: self._export_dialog_open() is None, 10, "the export dialog to close"
        )
        self.visit("export_dialog")

    def undo_redo(self) -> None:
        """Rename a person (F2), Undo, Redo, Undo: the library ends as it was."""
        self.back_to_people()
        grid = self.people_grid()
        row = self.rng.randrange(min(grid.model().rowCount(), 10))
        self.click_row(grid, row)
        pid = int(grid.model().index(row, 0).data(Qt.ItemDataRole.UserRole + 1))
        before = self.look().names.get(pid)
        self.renamed += 1
        name = f"Soak {self.renamed}"
        self.with_dialogs(
            lambda: self.press(Qt.Key.Key_F2), [self.answer_text(name)], f"rename to {name}"
        )
        self.events += 3
        self.settle()
        self.log(f"renamed row {row} person {pid} {before!r} -> {self.look().names.get(pid)!r}; "
                 f"status {self.window().statusBar().currentMessage()!r}")  # fmt: skip
        self.wait_until(lambda: self.look().names.get(pid) == name, 10, f"name {name!r}")
        for key, mods, action, want in (
            (Qt.Key.Key_Z, CTRL, "actUndo", before),
            (Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier, "actRedo", name),
            (Qt.Key.Key_Z, CTRL, "actUndo", before),
        ):
            # as a user does: the menu item is enabled once the window knows the history
            act = self.window().findChild(QAction, action)
            self.wait_until(lambda a=act: a is None or a.isEnabled(), 10, f"{action} enabled")
            self.back_to_people()
            self.click_row(grid, row)  # the keyboard on the grid, not on the search field
            self.press(key, mods)
            self.settle()
            self.wait_until(lambda w=want: self.look().names.get(pid) == w, 10, f"name {want!r}")
        self.visit("undo_redo")

    # -- the soak -------------------------------------------------------------------------
    def soak(self) -> None:
        self.wait_until(lambda: self._has_window(), 30, "the window")
        win = self.window()
        win.activateWindow()
        QTest.qWaitForWindowActive(win, 5000)
        self.settle(timeout=300, quiet_ms=1500)  # a scan of what is new, if any
        self.wait_until(lambda: self.people_grid().model().rowCount() > 0, 60, "people")
        self.result["rss_mb"] = {"start": rss_mb()}
        steps = [
            self.people,
            self.person_and_viewer,
            self.unsorted,
            self.same_person,
            self.person_and_viewer,
            self.export_cancelled,
            self.undo_redo,
            self.find,
        ]
        began = time.monotonic()
        end = began + self.seconds
        rounds = 0
        while rounds == 0 or time.monotonic() < end:
            round_began = time.monotonic()
            for step in steps:
                t0, e0 = time.monotonic(), self.events
                step()
                took = time.monotonic() - t0
                self.log(f"{step.__name__}: {self.events - e0} events in {took:.1f} s")
                if rounds and time.monotonic() >= end:
                    break
            rounds += 1
            self.round_seconds.append(round(time.monotonic() - round_began, 1))
            if rounds == 1:
                self.result["rss_mb"]["after_round_1"] = rss_mb()
            self.per_round.append(rss_mb())
            self.log(f"round {rounds}: {self.events} events, rss {rss_mb()} MB")
        self.back_to_people()
        self.result["rounds"] = rounds
        self.result["window_alive"] = self._has_window()
        self.result["rss_mb"]["end"] = rss_mb()
        self.result["rss_mb"]["per_round"] = self.per_round
        self.result["use_seconds"] = round(time.monotonic() - began, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from faceorganizer.core.settings import APP_NAME, default_db_path

    app = QApplication([APP_NAME])
    soak = Soak(
        app, args.photos.resolve(), Path(), args.out, default_db_path(), seconds=args.seconds
    )
    outcome: dict[str, Any] = {}

    def go() -> None:
        error = None
        try:
            soak.soak()
        except Exception as exc:  # noqa: BLE001 - written to result.json for the test
            error = f"{type(exc).__name__}: {exc}"
            soak.log(f"FAILED: {error}\n{traceback.format_exc()}")
        outcome.update(soak.result)
        outcome.update(
            ok=error is None,
            error=error,
            events=soak.events,
            inputs=soak.inputs,
            visits=soak.visits,
            steps=soak.steps[-40:],
            waits=soak.waits(),
            round_seconds=soak.round_seconds,
            seconds=round(time.monotonic() - soak.started, 1),
        )
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
        outcome.update(ok=False, error="the window closed before the soak ended")
        (args.out / "result.json").write_text(json.dumps(outcome, indent=2))
    return 0 if outcome.get("ok") and code == 0 else 1


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # as drive_journey.py: the result is written; skip Qt's teardown
