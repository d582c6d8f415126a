"""What every page of the window is: a view in the window's stack, the loads that fill it from
the library in the background, and what it redraws after a write.

A new page is a ``Page`` subclass listed in ``pages.Pages`` (the one list the window builds its
pages from); it is then told of every write (``changed.ChangeHub``) and must say in
``library_changed`` what it redraws, even if that is nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from faceorganizer.gui.changed import Changed

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


class Page(QObject):
    """One place of the window (``view`` is the widget the window's stack shows)."""

    def __init__(self, win: MainWindow, view: QWidget) -> None:
        super().__init__(win)
        self.win = win
        self.view = view

    def is_shown(self) -> bool:
        """Whether the window shows this page now."""
        return self.win.stack.currentWidget() is self.view

    def library_changed(self, change: Changed) -> None:
        """Redraw what ``change`` concerns (each page says; nothing is a valid answer)."""
        raise NotImplementedError(f"{type(self).__name__}: what does a write redraw here?")
