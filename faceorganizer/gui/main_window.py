"""The main window: assembles the pages, the scan control, finds, people actions and menus.

The GUI thread never opens the database: every read and write is a call of the library
(``core.library.Library``) run as a job (``worker.Jobs``), and results come back by signal.
After every write the window broadcasts one ``changed.Changed`` (``self.hub``); each page
(``pages.Pages``: the one list of them) and the undo history redraw what concerns them.
Each job of the window lives in its own module: ``scan_control``, ``people_actions``,
``naming_questions``, ``comparisons``, ``undo_history`` and ``window_menus``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDockWidget, QStackedWidget, QWidget

from faceorganizer.core.library import Library
from faceorganizer.core.records import PersonItem
from faceorganizer.gui.ask import Ask
from faceorganizer.gui.changed import Changed, ChangeHub
from faceorganizer.gui.comparisons import Comparisons
from faceorganizer.gui.errors_view import ErrorsPanel
from faceorganizer.gui.find_page import FIND_TOP, local_file
from faceorganizer.gui.heap import freeze_heap
from faceorganizer.gui.naming_questions import NamingQuestions
from faceorganizer.gui.pages import Pages
from faceorganizer.gui.people_actions import PeopleActions
from faceorganizer.gui.people_model import PersonListModel
from faceorganizer.gui.photo_pages import VIEWER_LONG_SIDE
from faceorganizer.gui.scan_control import LIVE_INTERVAL_S, ScanControl, ScanOptions, run_scan
from faceorganizer.gui.settings import AppSettings
from faceorganizer.gui.thumbnails import ThumbnailCache
from faceorganizer.gui.undo_history import UndoHistory
from faceorganizer.gui.window_menus import WindowMenus
from faceorganizer.gui.worker import Job, JobContext, Jobs

log = logging.getLogger(__name__)

__all__ = [
    "FIND_TOP",
    "LIVE_INTERVAL_S",
    "VIEWER_LONG_SIDE",
    "MainWindow",
    "ScanOptions",
    "run_scan",
]

GUI_SWITCH_INTERVAL_S = 0.0005


@dataclass
class OpenedLibrary:
    """What opening the library found: unreadable photos, its folders, how many photos."""

    skipped: list[tuple[str, str]]
    folders: list[str]
    photos: int


class MainWindow(ScanControl, WindowMenus):
    """FaceOrganizer's window."""

    def __init__(
        self,
        settings: AppSettings | None = None,
        ask: Ask | Any = None,
        *,
        autostart: bool = True,
    ) -> None:
        super().__init__()
        # Worker threads run Python too: hand the GIL back to the GUI thread sooner than the
        # default 5 ms so painting and input never wait behind a busy worker.
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        self.setWindowTitle("FaceOrganizer")
        self.settings = settings or AppSettings()
        self.ask = ask or Ask()
        self.db_path = self.settings.db_path
        self.library = Library(self.db_path)
        self.jobs = Jobs(self)
        self.thumbs = ThumbnailCache(self.jobs, parent=self)
        self.people_model = PersonListModel(self.thumbs, self)
        self.show_hidden = False
        self.ready = False
        self.scan_job: Job | None = None
        self.scan_pace_from: tuple[int, float] | None = None
        self.scan_in_child = True
        self.scan_queue: list[str] = []
        self.last_summary: Any = None
        self.last_scan_pid = 0
        self.current_person: int | None = None
        self.face_mode = "person"  # or "ignored"
        self.export_dialog: Any = None
        self.settings_dialog: Any = None
        self.ops_pending = 0
        self.hub = ChangeHub()  # told after every write: the pages, then the undo history
        self.naming = NamingQuestions(self)
        self.people_actions = PeopleActions(self)
        self.comparisons = Comparisons(self)
        self._build_pages()
        self.history = UndoHistory(self)
        self.hub.subscribe(self.history)
        self._build_status()
        self._build_actions()
        self.history.show_history(None, None)
        self.live_interval_s = LIVE_INTERVAL_S
        # The library's folders live in the library; until it answers, what an older version
        # kept in the settings (adopted into the library once it opens) or, for a library
        # that exists, the people page (a library scanned from the command line is not empty).
        self.folders: list[str] = list(self.settings.folders)
        if self.folders or self.db_path.exists():
            self.stack.setCurrentWidget(self.people_view)
        else:
            self.stack.setCurrentWidget(self.welcome)
        self._autostart = autostart
        QTimer.singleShot(0, self._open_library)

    # -- construction -----------------------------------------------------------------------
    def _build_pages(self) -> None:
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        self.pages = Pages(self, self.hub)
        pages = self.pages
        self.welcome = pages.welcome.view
        self.people_view = pages.people.view
        self.person_view = pages.person.view
        self.photos_view = pages.photos.view
        self.viewer = pages.viewer.view
        self.find_view = pages.find.view
        self.setCentralWidget(self.stack)
        self.welcome.add_folder.connect(self.add_folder)
        self.people_view.open_person.connect(self.open_person)
        self.people_view.list.merge_requested.connect(self.people_actions.merge_people)
        self.people_view.open_unsorted.connect(pages.unsorted.show_unsorted)
        self.people_view.open_review.connect(pages.review.show_review)
        self.person_view.back.connect(self.show_people)
        self.person_view.open_face.connect(pages.person.open_face)
        self.person_view.accept_suggested.connect(self.people_actions._accept_suggested)
        self.person_view.reject_suggested.connect(self.people_actions._reject_suggested)
        self.photos_view.back.connect(self.show_people)
        self.photos_view.open_photo.connect(pages.photos._open_grid_photo)
        self.viewer.back.connect(pages.viewer._viewer_back)
        self.viewer.photo_requested.connect(pages.viewer._load_photo)
        self.viewer.face_clicked.connect(self.people_actions.fix_face)
        self.viewer.open_folder.connect(self.open_containing_folder)
        self.viewer.find_face.connect(pages.find.find_face)
        self.viewer.hide_others.connect(self.people_actions.hide_strangers_in_photo)
        pages.unsorted.view.back.connect(self.show_people)
        pages.review.view.back.connect(self.show_people)
        self.setAcceptDrops(True)
        self.errors = ErrorsPanel(self)
        self.errors_dock = QDockWidget("Problems", self)
        self.errors_dock.setObjectName("errors")
        self.errors_dock.setWidget(self.errors)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.errors_dock.hide()
        self._viewer_return: QWidget = self.people_view

    # -- navigation (the pages do it; the window's parts and its users call these) -------------
    def refresh_people(self) -> None:
        """Reload the people grid in the background."""
        self.pages.people.refresh_people()

    def people_items(self) -> list[PersonItem]:
        """People in the grid, in display order."""
        return self.pages.people.people_items()

    def show_people(self) -> None:
        """The people page (the welcome page while the library is empty)."""
        self.pages.people.show_people()

    def selected_people(self) -> list[int]:
        """People the user points at: the grid's selection, or the person page's person."""
        return self.pages.people.selected_people()

    def open_person(self, pid: int) -> None:
        """Show one person's faces and suggestions."""
        self.pages.person.open_person(pid)

    def load_person(self, pid: int) -> None:
        """Read a person's faces and suggestions again."""
        self.pages.person.load_person(pid)

    def open_viewer(self, photo_ids: list[int], start: int) -> None:
        """Show one photo with its faces; arrows move through ``photo_ids``."""
        self.pages.viewer.open_viewer(photo_ids, start)

    def find_by_photo(self, path: str | None = None) -> None:
        """Who is in this photo? (File ▸ Find by Photo…, a photo dropped or handed over.)"""
        self.pages.find.find_by_photo(path)

    def open_containing_folder(self, path: str) -> None:
        """Open the photo's folder in the file manager."""
        self.pages.viewer.open_containing_folder(path)

    # -- writes ---------------------------------------------------------------------------------
    def run_op(
        self,
        fn: Callable[[Any], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn(Library) -> Changes`` (one of the library's people use cases) on the ops
        pool, then broadcast what changed with the people it changed, read afresh in the same
        job."""
        library, hidden = self.library, self.show_hidden

        def job(_ctx: JobContext) -> Any:
            changes = fn(library)
            return changes, library.changed_people(changes, include_hidden=hidden)

        self.ops_pending += 1

        def done(value: Any) -> None:
            changes, fresh = value
            # every page and the undo history decide what to redraw (None: nothing was done)
            self.broadcast(Changed.after(changes, fresh))
            if on_done is not None:
                on_done(changes)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self._op_error(exc)

        def ended() -> None:
            self.ops_pending -= 1

        self.jobs.submit(
            job, on_result=done, on_error=failed, on_finished=ended, pool="ops", name=label
        )

    def _op_error(self, exc: BaseException) -> None:
        from faceorganizer.core.library.errors import PeopleError

        if isinstance(exc, PeopleError):
            self.statusBar().showMessage(str(exc), 8000)
            self.ask.info(self, "FaceOrganizer", str(exc))
        else:
            log.error("operation failed: %s", exc)
            self.add_errors([("(operation)", f"{type(exc).__name__}: {exc}")])

    def broadcast(self, change: Changed) -> None:
        """Tell every page and the undo history what a write changed."""
        self.hub.broadcast(change)

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    # -- library ----------------------------------------------------------------------------
    def _open_library(self) -> None:
        """Create or migrate the database in the background, then load and maybe scan."""
        library = self.library
        legacy = list(self.settings.folders)
        scan_setting = bool(self._autostart and self.settings.scan_on_start)

        def open_db(_ctx: JobContext) -> OpenedLibrary:
            skipped = library.open()
            # Folders an older version kept in the settings join the library's own, once.
            folders = library.add_folders(legacy) if legacy else library.folders()
            if scan_setting and folders:  # its imports now, not while the window paints
                library.prepare_scan()
            return OpenedLibrary(skipped, folders, library.photo_count())

        self.jobs.submit(
            open_db, on_result=self._library_open, on_error=self._library_failed, name="open"
        )

    def _library_open(self, opened: OpenedLibrary) -> None:
        self.ready = True
        freeze_heap()  # the window's long-lived objects: no collector pass walks them again
        self.folders = opened.folders
        if self.settings.folders:  # adopted by the library: the settings no longer hold them
            self.settings.folders = []
            self.settings.db_path = self.db_path
            self.settings.sync()
        if self.stack.currentWidget() in (self.welcome, self.people_view):
            empty = not opened.folders and not opened.photos
            self.stack.setCurrentWidget(self.welcome if empty else self.people_view)
        self.errors.add(opened.skipped)
        self.refresh_people()
        scan_now = self._scan_on_open()
        if scan_now:
            self.start_scan()  # first: the counts' queries then wait for its end, not run beside it
        self.history.refresh_history()  # what Undo / Redo would do
        self.pages.people.refresh_counts()
        if not scan_now and self._autostart:  # a scan may come later (a folder added, Scan)
            library = self.library
            self.jobs.submit(
                lambda _ctx: library.prepare_scan(),
                on_result=lambda _r: self._prepared(),
                name="prepare scan",
            )

    def _scan_on_open(self) -> bool:
        """Whether opening the library starts a scan of the known folders."""
        return bool(self._autostart and self.folders and self.settings.scan_on_start)

    def _prepared(self) -> None:
        freeze_heap()

    def _library_failed(self, exc: BaseException) -> None:
        self.add_errors([(str(self.db_path), f"cannot open the library: {exc}")])

    def add_errors(self, rows: list[tuple[str, str]]) -> None:
        """Show problems in the panel."""
        if self.errors.add(rows):
            self.errors_dock.show()

    def add_folder(self) -> None:
        """Add a library folder and scan it."""
        folder = self.ask.folder(self, "Add a photo folder")
        if not folder:
            return
        if folder not in self.folders:
            self.folders.append(folder)  # at once: the scan below reads it
            self.settings.db_path = self.db_path
            self.settings.sync()
            library = self.library
            self.jobs.submit(
                lambda _ctx: library.add_folders([folder]),
                on_result=self._folders_saved,
                on_error=self._library_failed,
                channel="folders",
                pool="ops",
                name="add folder",
            )
        self.stack.setCurrentWidget(self.people_view)
        if self.ready and self.scanning():
            self.scan_folders([folder])
            self.statusBar().showMessage(
                f"{folder} will be scanned when the scan under way ends", 10000
            )
        elif self.ready:
            self.start_scan()

    def _folders_saved(self, folders: list[str]) -> None:
        self.folders = folders
        self.broadcast(Changed(folders=True))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = local_file(event.mimeData())
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.find_by_photo(path)

    # -- dialogs ----------------------------------------------------------------------------
    def open_export(self) -> None:
        """The export dialog (non-blocking), with the selected people checked."""
        from faceorganizer.gui.dialogs.export_dialog import ExportDialog

        if self.export_dialog is not None:
            self.export_dialog.close()
        self.export_dialog = ExportDialog(
            self.jobs,
            self.library,
            [p for p in self.people_items()],
            preselect=self.selected_people(),
            ask_folder=self.ask.folder,
            parent=self,
            thumbs=self.thumbs,
        )
        self.export_dialog.open()

    def open_settings(self) -> None:
        """The settings dialog (non-blocking)."""
        from faceorganizer.gui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.settings, ask_folder=self.ask.folder, parent=self, folders=list(self.folders)
        )
        dialog.accepted.connect(lambda: self._set_folders(dialog.chosen_folders()))
        self.settings_dialog = dialog
        dialog.open()

    def _set_folders(self, chosen: list[str]) -> None:
        """Write the Settings dialog's folder list to the library."""
        gone = [f for f in self.folders if f not in chosen]
        new = [f for f in chosen if f not in self.folders]
        if not gone and not new:
            return
        self.folders = list(chosen)
        library = self.library

        def save(_ctx: JobContext) -> list[str]:
            if gone:
                library.remove_folders(gone)
            return library.add_folders(new) if new else library.folders()

        self.jobs.submit(
            save,
            on_result=self._folders_saved,
            on_error=self._library_failed,
            channel="folders",
            pool="ops",
            name="folders",
        )

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.export_dialog is not None:
            self.export_dialog.close()
        self.jobs.shutdown()
        self.settings.sync()
        super().closeEvent(event)
