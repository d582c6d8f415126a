"""Undo and Redo: the Edit menu's names for them ("Undo Name Anna"), and the status bar's
"Named 5 faces Anna   [Undo]" offer after each write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStatusBar, QWidget

from faceorganizer.gui.changed import Changed
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

OFFER_MS = 10000  # how long the "… Undo" offer stays in the status bar
OFFER_SETTLE_MS = 1500  # a page change this soon after the offer is part of the same action


class UndoOffer(QWidget):
    """The status bar's "Named 5 faces Anna   [Undo]" after each change, for ``OFFER_MS``
    or until the user moves to another page (Edit ▸ Undo NAME stays).

    Dismissed, it leaves the status bar: a widget merely hidden there is shown again by
    ``QStatusBar`` each time a temporary message ends, which kept an old offer on screen for
    minutes.
    """

    def __init__(self, bar: QStatusBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.setObjectName("undoOffer")
        self.text = QLabel("", self)
        self.text.setObjectName("undoOfferText")
        self.button = QPushButton("Undo", self)
        self.button.setObjectName("undoOfferButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.dismiss)
        self.since = QElapsedTimer()
        self.shown = False
        self.hide()

    def offer(self, text: str, button: str) -> None:
        """Show ``text`` with a button (Undo or Redo) for a while."""
        self.text.setText(text)
        self.button.setText(button)
        if not self.shown:
            self.bar.addWidget(self)
            self.shown = True
        self.show()
        self.since.start()
        self.timer.start(OFFER_MS)

    def dismiss(self) -> None:
        """Take the offer off the status bar."""
        self.timer.stop()
        if self.shown:
            self.bar.removeWidget(self)
            self.shown = False
        self.hide()

    def page_changed(self) -> None:
        """Another page: the offer goes, unless the change came with the action offered."""
        if self.shown and self.since.isValid() and self.since.elapsed() > OFFER_SETTLE_MS:
            self.dismiss()


class UndoHistory(QObject):
    """Undo, Redo, their names on the Edit menu and the offer (told of every write)."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.offer = UndoOffer(win.statusBar(), win)
        self.offer.button.clicked.connect(self._offer_clicked)
        win.stack.currentChanged.connect(lambda _i: self.offer.page_changed())

    def library_changed(self, change: Changed) -> None:
        """After a write: say what changed, offer to undo it, rename Undo/Redo."""
        if change.label:
            label = str(change.label)
            if label.startswith("Undone: "):
                self.offer.offer(label, "Redo")
            else:
                self.offer.offer(label, "Undo")
        if not (change.folders or change.scan_ended):  # neither is an undo step
            self.refresh_history()

    def show_history(self, undo: str | None, redo: str | None) -> None:
        """Name Edit ▸ Undo and Redo after what they would do."""
        self.win.act_undo.setText(f"&Undo {undo}" if undo else "&Undo")
        self.win.act_undo.setEnabled(bool(undo))
        self.win.act_redo.setText(f"&Redo {redo}" if redo else "&Redo")
        self.win.act_redo.setEnabled(bool(redo))

    def _offer_clicked(self) -> None:
        self.offer.dismiss()
        if self.offer.button.text() == "Redo":
            self.redo()
        else:
            self.undo()

    def refresh_history(self) -> None:
        """Read what Undo and Redo would do (background), then rename the actions."""
        library = self.win.library

        def job(_ctx: JobContext) -> tuple[str | None, str | None]:
            return library.history()

        def done(value: tuple[str | None, str | None]) -> None:
            self.show_history(*value)

        self.win.jobs.submit(job, on_result=done, channel="history", replace=True)

    def undo(self) -> None:
        """Undo the last change (its name is on the menu)."""

        def done(changes: Any) -> None:
            if changes is None:
                self.win.statusBar().showMessage("Nothing to undo", 4000)

        self.win.run_op(lambda lib: lib.undo(), label="undo", on_done=done)

    def redo(self) -> None:
        """Do again what was undone last."""

        def done(changes: Any) -> None:
            if changes is None:
                self.win.statusBar().showMessage("Nothing to redo", 4000)

        self.win.run_op(lambda lib: lib.redo(), label="redo", on_done=done)
