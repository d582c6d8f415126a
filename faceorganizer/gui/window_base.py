"""What the window's parts share: its widgets and state, and the calls between the parts.

The window is assembled from ``scan_control`` and ``window_menus`` and holds its pages
(``pages.Pages``), the change notification (``changed.ChangeHub``), the people actions, the
naming questions, the comparisons and the undo history; each part states here what it expects
of the others, so every part type-checks on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from faceorganizer.core.library import Library
from faceorganizer.core.store.browse import PersonItem
from faceorganizer.gui.ask import Ask
from faceorganizer.gui.changed import Changed, ChangeHub
from faceorganizer.gui.errors_view import ErrorsPanel
from faceorganizer.gui.find_view import FindView
from faceorganizer.gui.naming_questions import NamingQuestions
from faceorganizer.gui.pages import Pages
from faceorganizer.gui.people_actions import PeopleActions
from faceorganizer.gui.people_model import PersonListModel
from faceorganizer.gui.people_view import PeopleView
from faceorganizer.gui.person_view import PersonView
from faceorganizer.gui.photo_view import PhotoGridView, PhotoViewer
from faceorganizer.gui.settings import AppSettings
from faceorganizer.gui.thumbnails import ThumbnailCache
from faceorganizer.gui.undo_history import UndoHistory
from faceorganizer.gui.welcome_view import WelcomeView
from faceorganizer.gui.worker import Job, Jobs


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
    current_person: int | None
    face_mode: str
    ops_pending: int
    live_interval_s: float
    scan_in_child: bool  # the scan runs in a child process (the app's way)
    scan_queue: list[str]  # folders added while a scan ran: scanned when it ends
    scan_job: Job | None
    last_summary: Any
    last_scan_pid: int  # the process that scanned the photos last time
    hub: ChangeHub  # told after every write (``broadcast``)
    pages: Pages  # every page, in the order of the stack
    naming: NamingQuestions  # who is this?, only this face?, merge?
    people_actions: PeopleActions  # the Edit menu's operations
    history: UndoHistory  # Undo / Redo and the status bar's offer
    scan_started: float
    scan_pace_from: tuple[int, float] | None  # (photos done, seconds) when the pace is timed from
    scan_heap_frozen: bool  # freeze_heap() ran since the scan started
    # pages (their views: ``pages`` holds the pages)
    stack: QStackedWidget
    welcome: WelcomeView
    people_view: PeopleView
    person_view: PersonView
    photos_view: PhotoGridView
    viewer: PhotoViewer
    find_view: FindView
    errors: ErrorsPanel
    errors_dock: QDockWidget
    _viewer_return: QWidget
    # status bar
    scan_label: QLabel
    scan_bar: QProgressBar
    pause_button: QPushButton
    cancel_button: QPushButton
    # actions
    act_scan: QAction
    act_undo: QAction
    act_redo: QAction
    act_show_hidden: QAction
    act_unignore: QAction
    act_rename: QAction
    act_not_this: QAction
    act_move: QAction
    act_ignore: QAction
    act_cover: QAction
    act_photos: QAction

    # -- calls between the parts (each is defined by the part named) ----------------------------
    def add_errors(self, rows: list[tuple[str, str]]) -> None:  # main_window
        raise NotImplementedError

    def broadcast(self, change: Changed) -> None:  # main_window
        raise NotImplementedError

    def refresh_people(self) -> None:  # main_window
        raise NotImplementedError

    def people_items(self) -> list[PersonItem]:  # main_window
        raise NotImplementedError

    def show_people(self) -> None:  # main_window
        raise NotImplementedError

    def selected_people(self) -> list[int]:  # main_window
        raise NotImplementedError

    def load_person(self, pid: int) -> None:  # main_window
        raise NotImplementedError

    def open_viewer(self, photo_ids: list[int], start: int) -> None:  # main_window
        raise NotImplementedError

    def _person_toolbar(self) -> None:  # window_menus
        raise NotImplementedError

    def run_op(
        self,
        fn: Callable[[Any], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:  # main_window
        raise NotImplementedError

    def start_scan(self) -> None:  # scan_control
        raise NotImplementedError

    def scan_folders(self, roots: list[str]) -> None:  # scan_control
        raise NotImplementedError
