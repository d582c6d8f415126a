"""What the window's two mixed-in parts (``scan_control``, ``window_menus``) expect of it: the
state and widgets they read, and the calls they make, so each type-checks on its own.

Everything else of the window is an object it holds and that is typed against ``MainWindow``
itself: its pages (``pages.Pages``), the change notification (``changed.ChangeHub``), the
people actions, the naming questions, the comparisons and the undo history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStackedWidget

from faceorganizer.core.library import Library
from faceorganizer.gui.ask import Ask
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.people_model import PersonListModel
from faceorganizer.gui.people_view import PeopleView
from faceorganizer.gui.person_view import PersonView
from faceorganizer.gui.settings import AppSettings
from faceorganizer.gui.thumbnails import ThumbnailCache
from faceorganizer.gui.worker import Jobs


class WindowBase(QMainWindow):
    """The window's shared widgets and state (set up by ``MainWindow``)."""

    settings: AppSettings
    ask: Ask | Any
    db_path: Path
    library: Library
    jobs: Jobs
    thumbs: ThumbnailCache
    people_model: PersonListModel
    show_hidden: bool
    ready: bool
    folders: list[str]  # the library's folders (the library keeps them; this is its answer)
    face_mode: str  # the person page shows a person ("person") or the ignored faces
    stack: QStackedWidget
    people_view: PeopleView
    person_view: PersonView
    errors_dock: QDockWidget
    act_scan: QAction  # window_menus

    # -- calls between the parts (each is defined by the part named) ----------------------------
    def add_errors(self, rows: list[tuple[str, str]]) -> None:  # main_window
        raise NotImplementedError

    def broadcast(self, change: Changed) -> None:  # main_window
        raise NotImplementedError
