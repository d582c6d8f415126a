"""The main window: pages (welcome, people, person, photos, viewer), menus and background work.

The GUI thread never opens the database: every read and write runs as a job (``worker.Jobs``)
with its own connection, and results come back by signal.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from faceorganizer.core.store.browse import FaceRef, PersonItem
from faceorganizer.gui.ask import Ask
from faceorganizer.gui.errors_view import ErrorsPanel
from faceorganizer.gui.find_view import FindView, FoundFace
from faceorganizer.gui.people_model import PersonListModel
from faceorganizer.gui.people_view import PeopleView
from faceorganizer.gui.person_view import PersonView
from faceorganizer.gui.photo_view import PhotoGridView, PhotoViewer
from faceorganizer.gui.settings import AppSettings
from faceorganizer.gui.thumbnails import ThumbnailCache, bgr_to_qimage
from faceorganizer.gui.welcome_view import WelcomeView
from faceorganizer.gui.worker import Job, JobContext, Jobs

log = logging.getLogger(__name__)

LIVE_INTERVAL_S = 4.0
GUI_SWITCH_INTERVAL_S = 0.0005
VIEWER_LONG_SIDE = 2048
FIND_TOP = 30  # faces listed per query face in a find


@dataclasses.dataclass
class ScanOptions:
    """What a scan job needs from the settings (copied on the GUI thread)."""

    roots: list[str]
    device: str
    detect_score: float
    threads: int
    method: str
    threshold: float | None
    live_interval: float = LIVE_INTERVAL_S
    hidden: bool = False


def _grouping(opts: ScanOptions) -> Any:
    from faceorganizer.core.people.grouping import GroupingOptions

    return GroupingOptions(incremental=True).with_method(opts.method, opts.threshold)


def run_scan(ctx: JobContext, db_path: Path, opts: ScanOptions) -> Any:
    """The scan job: scan_library, then regroup(incremental) (worker thread).

    Every ``opts.live_interval`` seconds, between two photos and while the scan holds no write
    transaction, the faces found so far are grouped and the people sent to the window as
    progress ``("people", items)``: people appear while the scan runs.
    """
    from faceorganizer.core.faces.pipeline import EngineOptions
    from faceorganizer.core.faces.scan import ScanProgress, scan_library
    from faceorganizer.core.people.grouping import regroup
    from faceorganizer.core.store.browse import load_people
    from faceorganizer.core.store.db import Database

    last = [0.0]

    def progress(p: ScanProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1 or p.done >= p.total:
            last[0] = now
            ctx.progress(dataclasses.replace(p))

    engine = EngineOptions(device=opts.device, detect_score=opts.detect_score, threads=opts.threads)
    with Database(db_path) as db:
        live = {"at": time.monotonic(), "every": opts.live_interval}

        def should_stop() -> bool:
            if ctx.should_stop():
                return True
            due = time.monotonic() - live["at"] >= live["every"]
            if opts.live_interval > 0 and due and not db.conn.in_transaction:
                started = time.monotonic()
                try:
                    regroup(db, _grouping(opts))
                    ctx.progress(("people", load_people(db, include_hidden=opts.hidden)))
                except Exception as exc:  # noqa: BLE001 - the final grouping reports errors
                    log.warning("live grouping failed: %s", exc)
                live["at"] = time.monotonic()
                # never spend more than a fifth of the scan on live grouping
                live["every"] = max(opts.live_interval, 5 * (live["at"] - started))
            return False

        summary = scan_library(
            db,
            opts.roots,
            options=engine,
            progress=progress,
            should_stop=should_stop,
            thumbnails=True,
        )
        if summary.cancelled or ctx.cancelled:
            return summary, None
        ctx.progress("grouping")
        changes = regroup(db, _grouping(opts))
    return summary, changes


class MainWindow(QMainWindow):
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
        self.jobs = Jobs(self)
        self.thumbs = ThumbnailCache(self.jobs, parent=self)
        self.people_model = PersonListModel(self.thumbs, self)
        self.show_hidden = False
        self.ready = False
        self.scan_job: Job | None = None
        self.last_summary: Any = None
        self.current_person: int | None = None
        self.face_mode = "person"  # or "ignored"
        self.export_dialog: Any = None
        self.settings_dialog: Any = None
        self.ops_pending = 0
        self._build_pages()
        self._build_status()
        self._build_actions()
        self.live_interval_s = LIVE_INTERVAL_S
        if self.settings.folders:
            self.stack.setCurrentWidget(self.people_view)
        else:
            self.stack.setCurrentWidget(self.welcome)
        self._autostart = autostart
        QTimer.singleShot(0, self._open_library)

    # -- construction -----------------------------------------------------------------------
    def _build_pages(self) -> None:
        self.stack = QStackedWidget(self)
        self.welcome = WelcomeView(self)
        self.people_view = PeopleView(self.people_model, self)
        self.person_view = PersonView(self.thumbs, self)
        self.photos_view = PhotoGridView(self.thumbs, self)
        self.viewer = PhotoViewer(self)
        self.find_view = FindView(self.thumbs, self)
        for page in (
            self.welcome,
            self.people_view,
            self.person_view,
            self.photos_view,
            self.viewer,
            self.find_view,
        ):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.welcome.add_folder.connect(self.add_folder)
        self.people_view.open_person.connect(self.open_person)
        self.people_view.list.merge_requested.connect(self.merge_people)
        self.person_view.back.connect(self.show_people)
        self.person_view.open_face.connect(self.open_face)
        self.person_view.accept_suggested.connect(self._accept_suggested)
        self.person_view.reject_suggested.connect(self._reject_suggested)
        self.photos_view.back.connect(self.show_people)
        self.photos_view.open_photo.connect(self._open_grid_photo)
        self.viewer.back.connect(self._viewer_back)
        self.viewer.photo_requested.connect(self._load_photo)
        self.viewer.face_clicked.connect(self.fix_face)
        self.viewer.open_folder.connect(self.open_containing_folder)
        self.viewer.find_face.connect(self.find_face)
        self.find_view.back.connect(self._find_back)
        self.find_view.open_photo.connect(self._open_found_photo)
        self._find_return: QWidget = self.people_view
        self.setAcceptDrops(True)
        self.errors = ErrorsPanel(self)
        self.errors_dock = QDockWidget("Problems", self)
        self.errors_dock.setObjectName("errors")
        self.errors_dock.setWidget(self.errors)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.errors_dock.hide()
        self._viewer_return: QWidget = self.people_view

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.scan_label = QLabel("", self)
        self.scan_bar = QProgressBar(self)
        self.scan_bar.setMaximumWidth(260)
        self.scan_bar.setTextVisible(True)
        self.pause_button = QPushButton("Pause", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button.clicked.connect(self.cancel_scan)
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            bar.addPermanentWidget(w)
            w.hide()

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_add_folder = a("&Add Photo Folder…", self.add_folder, "Ctrl+O")
        self.act_scan = a("&Scan for New Photos", self.start_scan, "Ctrl+R")
        self.act_find_photo = a("&Find by Photo…", self.find_by_photo, "Ctrl+F")
        self.act_export = a("&Export Albums…", self.open_export, "Ctrl+E")
        self.act_settings = a(
            "Se&ttings…", self.open_settings, QKeySequence.StandardKey.Preferences
        )
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo = a("&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.act_rename = a("&Name / Rename…", self.rename, "F2")
        self.act_merge = a("&Merge Selected People", self.merge_selected, "Ctrl+M")
        self.act_hide = a("&Hide / Show Person", self.toggle_hidden_person, "Ctrl+H")
        self.act_not_this = a("&Not This Person", self.not_this_person, "Del")
        self.act_move = a("Mo&ve to Person…", self.move_faces, "Ctrl+Shift+M")
        self.act_ignore = a("&Ignore Faces", self.ignore_faces, "Ctrl+I")
        self.act_unignore = a("Stop &Ignoring", self.unignore_faces)
        self.act_cover = a("Use as &Cover", self.set_cover)
        self.act_people = a("&People", self.show_people, "Ctrl+1")
        self.act_photos = a("P&hotos of Selected People (Together)", self.show_photos, "Ctrl+P")
        self.act_show_hidden = a(
            "Show &Hidden People", self.toggle_show_hidden, "Ctrl+Shift+H", checkable=True
        )
        self.act_ignored = a("I&gnored Faces", self.show_ignored)
        self.act_errors = self.errors_dock.toggleViewAction()
        self.act_errors.setText("P&roblems Panel")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for act in (
            self.act_add_folder,
            self.act_scan,
            self.act_find_photo,
            None,
            self.act_export,
            None,
        ):
            file_menu.addSeparator() if act is None else file_menu.addAction(act)
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = menu.addMenu("&Edit")
        for act in (
            self.act_undo,
            None,
            self.act_rename,
            self.act_merge,
            self.act_hide,
            None,
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
        ):
            edit.addSeparator() if act is None else edit.addAction(act)
        view = menu.addMenu("&View")
        for act in (
            self.act_people,
            self.act_photos,
            None,
            self.act_show_hidden,
            self.act_ignored,
            self.act_errors,
        ):
            view.addSeparator() if act is None else view.addAction(act)

        self.people_view.menu_actions = [
            self.act_rename,
            self.act_merge,
            self.act_photos,
            None,
            self.act_hide,
            self.act_export,
        ]
        self.person_view.menu_actions = [
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
        ]
        self._person_toolbar()

    def _person_toolbar(self) -> None:
        tb = self.person_view.toolbar
        tb.clear()
        if self.face_mode == "ignored":
            tb.addAction(self.act_unignore)
            return
        for act in (
            self.act_rename,
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
            self.act_photos,
        ):
            tb.addAction(act)

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    # -- library ----------------------------------------------------------------------------
    def _open_library(self) -> None:
        """Create or migrate the database in the background, then load and maybe scan."""
        db_path = self.db_path

        def open_db(_ctx: JobContext) -> list[tuple[str, str]]:
            from faceorganizer.core.store.browse import skipped_photos
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                return skipped_photos(db)

        self.jobs.submit(
            open_db, on_result=self._library_open, on_error=self._library_failed, name="open"
        )

    def _library_open(self, skipped: list[tuple[str, str]]) -> None:
        self.ready = True
        self.errors.add(skipped)
        self.refresh_people()
        if self._autostart and self.settings.folders and self.settings.scan_on_start:
            self.start_scan()

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
        folders = self.settings.folders
        if folder not in folders:
            folders.append(folder)
            self.settings.folders = folders
            self.settings.db_path = self.db_path
            self.settings.sync()
        self.stack.setCurrentWidget(self.people_view)
        if self.ready:
            self.start_scan()

    # -- people -----------------------------------------------------------------------------
    def refresh_people(self) -> None:
        """Reload the people grid in the background (older loads are dropped)."""
        db_path, hidden = self.db_path, self.show_hidden

        def load(_ctx: JobContext) -> list[PersonItem]:
            from faceorganizer.core.store.browse import load_people
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                return load_people(db, include_hidden=hidden)

        self.jobs.submit(
            load, on_result=self.people_model.set_people, channel="people", replace=True
        )

    def people_items(self) -> list[PersonItem]:
        """People in the grid, in display order."""
        return [i for pid in self.people_model.ids() if (i := self.people_model.item(pid))]

    def show_people(self) -> None:
        """The people page."""
        self.current_person = None
        if not self.settings.folders and not self.people_model.rowCount():
            self.stack.setCurrentWidget(self.welcome)
        else:
            self.stack.setCurrentWidget(self.people_view)

    def selected_people(self) -> list[int]:
        """People the user points at: the grid's selection, or the person page's person."""
        if self.stack.currentWidget() is self.person_view and self.current_person is not None:
            return [self.current_person]
        return self.people_view.selected_ids()

    def toggle_show_hidden(self) -> None:
        """Show or hide hidden people in the grid."""
        self.show_hidden = self.act_show_hidden.isChecked()
        self.refresh_people()

    # -- operations -------------------------------------------------------------------------
    def run_op(
        self,
        fn: Callable[[Any], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn(PeopleOps) -> Changes`` on the ops pool, then update the views."""
        db_path, hidden = self.db_path, self.show_hidden

        def job(_ctx: JobContext) -> Any:
            from faceorganizer.core.people.ops import PeopleOps
            from faceorganizer.core.store.browse import load_people
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                changes = fn(PeopleOps(db))
                if not changes:
                    return changes, []
                ids = sorted(changes.people | changes.created_people)
                fresh = load_people(db, include_hidden=hidden, person_ids=ids) if ids else []
                return changes, fresh

        self.ops_pending += 1

        def done(value: Any) -> None:
            changes, fresh = value
            if changes is not None:
                self.people_model.apply(changes, fresh)
                if changes.label:
                    self.statusBar().showMessage(changes.label, 5000)
            self._after_change(changes)
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
        from faceorganizer.core.people.ops import PeopleError

        if isinstance(exc, PeopleError):
            self.statusBar().showMessage(str(exc), 8000)
            self.ask.info(self, "FaceOrganizer", str(exc))
        else:
            log.error("operation failed: %s", exc)
            self.add_errors([("(operation)", f"{type(exc).__name__}: {exc}")])

    def _after_change(self, changes: Any) -> None:
        """Refresh whichever page shows what changed."""
        page = self.stack.currentWidget()
        if page is self.person_view:
            if self.face_mode == "ignored":
                self.show_ignored()
            elif self.current_person is not None:
                if changes is not None and self.current_person in changes.removed_people:
                    self.show_people()
                else:
                    self.load_person(self.current_person)
        elif page is self.viewer:
            pid = self.viewer.current()
            if pid is not None:
                self._load_photo(pid)

    def undo(self) -> None:
        """Undo the last operation on people."""

        def op(ops: Any) -> Any:
            return ops.undo()

        def done(changes: Any) -> None:
            if changes is None:
                self.statusBar().showMessage("Nothing to undo", 4000)

        self.run_op(op, label="undo", on_done=done)

    def rename(self) -> None:
        """Name or rename the selected person."""
        ids = self.selected_people()
        if len(ids) != 1:
            self.statusBar().showMessage("Select one person to name", 4000)
            return
        pid = ids[0]
        item = self.people_model.item(pid)
        current = item.name if item and item.name else ""
        name = self.ask.text(self, "Name", "Who is this?", current)
        if name is None or not name.strip() or name.strip() == current:
            return
        self.name_person(pid, name.strip())

    def name_person(self, pid: int, name: str) -> None:
        """Name a person; a name someone else has offers to merge them."""
        from faceorganizer.core.people.ops import NameTaken

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NameTaken):
                if self.ask.confirm(
                    self,
                    "Merge?",
                    f"“{exc.name}” is already someone. Are they the same person? "
                    "Merge the two into one.",
                ):
                    existing = exc.existing_id
                    self.run_op(lambda ops: ops.merge(existing, [pid]), label="merge")
            else:
                self._op_error(exc)

        self.run_op(lambda ops: ops.name(pid, name), label="name", on_error=failed)

    def merge_selected(self) -> None:
        """Merge the selected people into one (the named one, else the largest)."""
        ids = self.people_view.selected_ids()
        if len(ids) < 2:
            self.statusBar().showMessage("Select two or more people to merge", 4000)
            return
        items = [self.people_model.item(i) for i in ids]
        named = [i for i in items if i and i.name]
        target = named[0].id if named else ids[0]
        self.merge_people(target, [i for i in ids if i != target])

    def merge_people(self, target: int, sources: list[int]) -> None:
        """Merge ``sources`` into ``target`` after asking."""
        if not sources:
            return
        t = self.people_model.item(target)
        label = t.label if t else f"group {target}"
        n = len(sources)
        if not self.ask.confirm(
            self,
            "Merge people",
            f"Merge {n} other {'person' if n == 1 else 'people'} into {label}?",
        ):
            return
        self.run_op(lambda ops: ops.merge(target, sources), label="merge")

    def toggle_hidden_person(self) -> None:
        """Hide the selected people (or show them again)."""
        for pid in self.selected_people():
            item = self.people_model.item(pid)
            hide = not (item.hidden if item else False)
            self.run_op(partial(_set_hidden, person=pid, hidden=hide), label="hide")
        if not self.show_hidden and self.stack.currentWidget() is self.person_view:
            self.show_people()

    # -- person page ------------------------------------------------------------------------
    def open_person(self, pid: int) -> None:
        """Show one person's faces and suggestions."""
        self.current_person = pid
        self.face_mode = "person"
        self._person_toolbar()
        self.person_view.set_person(self.people_model.item(pid))
        self.person_view.faces.set_faces([])
        self.person_view.set_suggestions([], {})
        self.stack.setCurrentWidget(self.person_view)
        self.load_person(pid)

    def load_person(self, pid: int) -> None:
        """Load a person's faces and suggested faces in the background."""
        db_path = self.db_path

        def load(_ctx: JobContext) -> Any:
            from faceorganizer.core.store.browse import faces_by_id, load_people, person_faces
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                rows = load_people(db, include_hidden=True, person_ids=[pid])
                faces = person_faces(db, pid)
                scores: dict[int, float] = {}
                try:
                    from faceorganizer.core.people.suggest import suggest_faces_for

                    scores = dict(suggest_faces_for(db, pid, limit=30))
                except ImportError:
                    pass
                except Exception as exc:  # noqa: BLE001 - suggestions are optional
                    log.warning("no suggestions: %s", exc)
                found = faces_by_id(db, list(scores))
                suggested = [found[f] for f in scores if f in found]
            return (rows[0] if rows else None), faces, suggested, scores

        def loaded(value: Any) -> None:
            item, faces, suggested, scores = value
            if self.current_person != pid or self.face_mode != "person":
                return
            if item is None:
                self.show_people()
                return
            self.person_view.set_person(item)
            self.person_view.faces.set_faces(faces)
            self.person_view.set_suggestions(suggested, scores)

        self.jobs.submit(load, on_result=loaded, channel="person", replace=True)

    def show_ignored(self) -> None:
        """The faces the user ignored, with "Stop ignoring"."""
        self.face_mode = "ignored"
        self.current_person = None
        self._person_toolbar()
        self.person_view.title.setText("Ignored faces")
        self.person_view.subtitle.setText("never grouped or suggested")
        self.person_view.set_suggestions([], {})
        self.stack.setCurrentWidget(self.person_view)
        db_path = self.db_path

        def load(_ctx: JobContext) -> list[FaceRef]:
            from faceorganizer.core.store.browse import ignored_faces
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                return ignored_faces(db)

        self.jobs.submit(
            load, on_result=self.person_view.faces.set_faces, channel="person", replace=True
        )

    def _selected_faces(self) -> list[int]:
        if self.stack.currentWidget() is not self.person_view:
            return []
        faces = self.person_view.selected_face_ids()
        if not faces:
            self.statusBar().showMessage("Select one or more faces first", 4000)
        return faces

    def not_this_person(self) -> None:
        """The selected faces are not this person: they leave it for good."""
        faces, pid = self._selected_faces(), self.current_person
        if faces and pid is not None:
            self.run_op(lambda ops: ops.reject(faces, pid), label="reject")

    def ignore_faces(self) -> None:
        """Never group the selected faces."""
        faces = self._selected_faces()
        if faces:
            self.run_op(lambda ops: ops.ignore(faces), label="ignore")

    def unignore_faces(self) -> None:
        """Let the selected ignored faces be grouped again."""
        faces = self._selected_faces()
        if faces:
            self.run_op(lambda ops: ops.unignore(faces), label="unignore")

    def set_cover(self) -> None:
        """Use the selected face as the person's avatar."""
        faces, pid = self._selected_faces(), self.current_person
        if faces and pid is not None:
            face = faces[0]
            self.run_op(lambda ops: ops.set_cover(pid, face), label="cover")

    def move_faces(self, faces: list[int] | None = None) -> None:
        """Move faces to a person picked from a list (or a new person)."""
        faces = faces or self._selected_faces()
        if not faces:
            return
        people = [p for p in self.people_items() if p.id != self.current_person]
        pick = self.ask.pick_person(self, "Move to…", people)
        if pick is None:
            return
        target, new_name = pick
        if target is not None:
            self.run_op(lambda ops: ops.move(faces, target), label="move")
        elif new_name:
            self.run_op(lambda ops: ops.create_person(new_name, faces)[1], label="create")

    def _accept_suggested(self, faces: list[int]) -> None:
        pid = self.current_person
        if faces and pid is not None:
            self.run_op(lambda ops: ops.move(faces, pid), label="accept")

    def _reject_suggested(self, faces: list[int]) -> None:
        pid = self.current_person
        if faces and pid is not None:
            self.run_op(lambda ops: ops.reject(faces, pid), label="reject")

    # -- photos -----------------------------------------------------------------------------
    def show_photos(self) -> None:
        """Photos where all the selected people appear together."""
        ids = self.selected_people()
        if not ids:
            self.statusBar().showMessage("Select one or more people", 4000)
            return
        names = [(i.label if (i := self.people_model.item(p)) else f"#{p}") for p in ids]
        db_path = self.db_path

        def load(_ctx: JobContext) -> list[tuple[int, str]]:
            from faceorganizer.core.store.browse import photos_of
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                return photos_of(db, ids)

        def loaded(photos: list[tuple[int, str]]) -> None:
            self.photos_view.set_photos(" & ".join(names), photos)
            self.stack.setCurrentWidget(self.photos_view)

        self.jobs.submit(load, on_result=loaded, channel="photos", replace=True)

    def _open_grid_photo(self, photo_id: int) -> None:
        ids = [pid for pid, _ in self.photos_view.model.photos()]
        self._viewer_return = self.photos_view
        self.open_viewer(ids, photo_id)

    def open_face(self, face_id: int) -> None:
        """Show the photo of a face, browsing the photos of the current person."""
        face = next((f for f in self.person_view.faces.faces() if f.id == face_id), None)
        face = face or next(
            (f for f in self.person_view.suggested.faces() if f.id == face_id), None
        )
        if face is None:
            return
        self._viewer_return = self.person_view
        if self.face_mode == "ignored" or self.current_person is None:
            ids = list(dict.fromkeys(f.photo_id for f in self.person_view.faces.faces()))
            self.open_viewer(ids, face.photo_id)
            return
        pid, db_path = self.current_person, self.db_path

        def load(_ctx: JobContext) -> list[int]:
            from faceorganizer.core.store.browse import photos_of
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                return [p for p, _ in photos_of(db, [pid])]

        start = face.photo_id

        def loaded(ids: list[int]) -> None:
            self.open_viewer(ids, start)

        self.jobs.submit(load, on_result=loaded, channel="photos")

    def open_viewer(self, photo_ids: list[int], start: int) -> None:
        """Show one photo with its faces; arrows move through ``photo_ids``."""
        self.stack.setCurrentWidget(self.viewer)
        self.viewer.setFocus()
        self.viewer.show_list(photo_ids, start)

    def _viewer_back(self) -> None:
        self.stack.setCurrentWidget(self._viewer_return)
        if self._viewer_return is self.person_view and self.current_person is not None:
            self.load_person(self.current_person)

    def _load_photo(self, photo_id: int) -> None:
        db_path = self.db_path

        def load(ctx: JobContext) -> Any:
            from faceorganizer.core.photos.decode import read_and_decode
            from faceorganizer.core.store.browse import photo_faces, photo_path
            from faceorganizer.core.store.db import Database

            with Database(db_path) as db:
                path = photo_path(db, photo_id)
                faces = photo_faces(db, photo_id)
            if path is None or ctx.should_stop():
                return photo_id, path or "", None, 1.0, faces
            decoded = read_and_decode(path, work_long_side=VIEWER_LONG_SIDE)
            return photo_id, path, bgr_to_qimage(decoded.pixels), decoded.scale, faces

        def failed(exc: BaseException) -> None:
            self.add_errors([(f"photo {photo_id}", f"cannot show: {exc}")])

        self.jobs.submit(
            load,
            on_result=lambda v: self.viewer.set_photo(*v),
            on_error=failed,
            channel="viewer",
            replace=True,
        )

    def fix_face(self, face_id: int) -> None:
        """Say who a face in the viewer is."""
        face = next((f for f in self.viewer.canvas.faces if f.id == face_id), None)
        people = self.people_items()
        title = f"Who is this? (now: {face.person_name or 'unnamed'})" if face else "Who is this?"
        pick = self.ask.pick_person(self, title, people)
        if pick is None:
            return
        target, new_name = pick
        if target is not None:
            self.run_op(lambda ops: ops.move([face_id], target), label="move")
        elif new_name:
            self.run_op(lambda ops: ops.create_person(new_name, [face_id])[1], label="create")

    def open_containing_folder(self, path: str) -> None:
        """Open the photo's folder in the file manager."""
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    # -- find by photo ----------------------------------------------------------------------
    def choose_photo(self) -> str | None:
        """A photo file to look for (tests replace this)."""
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Find by photo",
            "",
            "Images (*.jpg *.jpeg *.png *.webp *.heic *.heif *.tif *.tiff *.bmp);;All files (*)",
        )
        return path or None

    def find_by_photo(self, path: str | None = None) -> None:
        """Who is in this photo? Detect its faces and rank the library's people (background)."""
        path = path or self.choose_photo()
        if not path:
            return
        db_path, device = self.db_path, self.settings.device
        name = os.path.basename(path)

        def job(ctx: JobContext) -> list[FoundFace]:
            from faceorganizer.core.faces.pipeline import EngineOptions, FaceEngine
            from faceorganizer.core.search.compare import load_photo
            from faceorganizer.core.search.find import find_faces
            from faceorganizer.core.store.db import Database
            from faceorganizer.gui.find_view import crop_face, photos_by_person

            photo = load_photo(path)  # DecodeError when unreadable
            engine = FaceEngine(EngineOptions(device=device))
            faces = engine.analyse(photo)
            if not faces or ctx.should_stop():
                return []
            with Database(db_path) as db:
                results = find_faces(db, faces, top=FIND_TOP)
                photos = photos_by_person(db, results)
            return [
                FoundFace(r, crop_face(photo.pixels, photo.scale, r.box), photos) for r in results
            ]

        def failed(exc: BaseException) -> None:
            from faceorganizer.core.photos.decode import DecodeError

            why = str(exc) if isinstance(exc, DecodeError) else f"{type(exc).__name__}: {exc}"
            self.find_view.show_message(f"Find: {name}", f"Cannot read this photo: {why}")
            self.add_errors([(path, f"find by photo: {why}")])

        self._show_find(f"Find: {name}")
        self.jobs.submit(
            job,
            on_result=lambda found: self.find_view.set_results(f"Find: {name}", found),
            on_error=failed,
            channel="find",
            replace=True,
            name="find",
        )

    def find_face(self, face_id: int) -> None:
        """Rank the library's people for one stored face (the viewer's "Find this face")."""
        face = next((f for f in self.viewer.canvas.faces if f.id == face_id), None)
        if face is None:
            return
        db_path, title = self.db_path, f"Find this face: {os.path.basename(face.path)}"

        def job(_ctx: JobContext) -> list[FoundFace]:
            import numpy as np

            from faceorganizer.core.photos.thumbnails import face_thumbnail
            from faceorganizer.core.search.find import find_faces
            from faceorganizer.core.store.db import Database
            from faceorganizer.core.store.faces import FaceRepository, NewFace
            from faceorganizer.gui.find_view import photos_by_person

            with Database(db_path) as db:
                vecs = FaceRepository(db).vectors()
                hit = np.flatnonzero(vecs.ids == face_id)
                if not len(hit):
                    raise LookupError(f"face {face_id} is no longer in the library")
                query = NewFace(
                    box=face.box,
                    landmarks=[],
                    det_score=1.0,
                    quality=face.quality,
                    size_px=max(face.box[2], face.box[3]),
                    blur=0.0,
                    yaw=0.0,
                    norm=1.0,
                    flags=0,
                    embedding=vecs.vectors[int(hit[0])],
                )
                results = find_faces(db, [query], top=FIND_TOP)
                photos = photos_by_person(db, results)
            try:
                image = bgr_to_qimage(face_thumbnail(face.path, face.box))
            except Exception:  # noqa: BLE001 - the picture is optional
                image = None
            return [FoundFace(r, image, photos) for r in results]

        def failed(exc: BaseException) -> None:
            self.find_view.show_message(title, f"Cannot search: {exc}")
            self.add_errors([(face.path, f"find this face: {exc}")])

        self._show_find(title)
        self.jobs.submit(
            job,
            on_result=lambda found: self.find_view.set_results(title, found),
            on_error=failed,
            channel="find",
            replace=True,
            name="find",
        )

    def _show_find(self, title: str) -> None:
        current = self.stack.currentWidget()
        if current is not None and current is not self.find_view:
            self._find_return = current
        self.find_view.show_message(title, "Searching…")
        self.stack.setCurrentWidget(self.find_view)

    def _find_back(self) -> None:
        back = self._find_return
        if back in (self.person_view, self.photos_view) or (
            back is self.viewer and self.viewer.current() is not None
        ):
            self.stack.setCurrentWidget(back)
        else:
            self.show_people()

    def _open_found_photo(self, photo_id: int, photo_ids: list[int]) -> None:
        self._viewer_return = self.find_view
        self.open_viewer(photo_ids, photo_id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = _local_file(event.mimeData())
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.find_by_photo(path)

    # -- scanning ---------------------------------------------------------------------------
    def scan_options(self) -> ScanOptions:
        """The scan's options from the settings."""
        s = self.settings
        return ScanOptions(
            roots=s.folders,
            device=s.device,
            detect_score=s.detect_score,
            threads=s.threads,
            method=s.method,
            threshold=s.threshold,
            live_interval=self.live_interval_s,
            hidden=self.show_hidden,
        )

    def scanning(self) -> bool:
        """Whether a scan is under way."""
        return self.jobs.busy("scan")

    def start_scan(self) -> None:
        """Scan new and changed photos in the background, then group them."""
        if not self.ready or self.scanning() or not self.settings.folders:
            return
        opts, db_path = self.scan_options(), self.db_path
        self.scan_started = time.monotonic()
        self.scan_job = self.jobs.submit(
            lambda ctx: run_scan(ctx, db_path, opts),
            on_result=self._scan_done,
            on_error=self._scan_failed,
            on_progress=self._scan_progress,
            on_finished=self._scan_ended,
            channel="scan",
            name="scan",
        )
        self.scan_label.setText("Looking for photos…")
        self.scan_bar.setRange(0, 0)
        self.pause_button.setText("Pause")
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            w.show()
        self.act_scan.setEnabled(False)

    def _scan_progress(self, p: Any) -> None:
        if isinstance(p, tuple) and p[0] == "people":
            self.people_model.set_people(p[1])
            return
        if p == "grouping":
            self.scan_label.setText("Grouping faces…")
            self.scan_bar.setRange(0, 0)
            return
        self.scan_bar.setRange(0, max(1, p.total))
        self.scan_bar.setValue(p.done)
        self.scan_bar.setFormat(f"{p.done} / {p.total}")
        left = ""
        if p.done and p.total > p.done:
            secs = p.elapsed / p.done * (p.total - p.done)
            left = f" · about {_duration(secs)} left"
        paused = " (paused)" if self.scan_job is not None and self.scan_job.ctx.paused else ""
        self.scan_label.setText(
            f"Scanning: {p.done} of {p.total} photos, {p.faces} faces{left}{paused}"
        )

    def _scan_done(self, value: Any) -> None:
        summary, _changes = value
        self.last_summary = summary
        rows = list(summary.skipped) + [(w.path, w.reason) for w in summary.problems]
        self.add_errors(rows)
        self.statusBar().showMessage(
            f"Scan done: {summary.processed} new or changed photos, {summary.faces_found} faces"
            f" ({summary.elapsed:.1f} s)",
            10000,
        )

    def _scan_failed(self, exc: BaseException) -> None:
        self.add_errors([("(scan)", f"{type(exc).__name__}: {exc}")])
        self.statusBar().showMessage(f"Scan failed: {exc}", 10000)

    def _scan_ended(self) -> None:
        self.scan_job = None
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            w.hide()
        self.act_scan.setEnabled(True)
        self.thumbs.forget_failures()
        self.refresh_people()
        if self.stack.currentWidget() is self.person_view and self.current_person is not None:
            self.load_person(self.current_person)

    def toggle_pause(self) -> None:
        """Pause or resume the scan (between photos)."""
        job = self.scan_job
        if job is None:
            return
        if job.ctx.paused:
            job.resume()
            self.pause_button.setText("Pause")
        else:
            job.pause()
            self.pause_button.setText("Resume")
            self.scan_label.setText(self.scan_label.text() + " (paused)")

    def cancel_scan(self) -> None:
        """Stop the scan; what was scanned stays."""
        if self.scan_job is not None:
            self.scan_job.cancel()
            self.statusBar().showMessage("Scan cancelled", 5000)

    # -- dialogs ----------------------------------------------------------------------------
    def open_export(self) -> None:
        """The export dialog (non-blocking), with the selected people checked."""
        from faceorganizer.gui.dialogs.export_dialog import ExportDialog

        if self.export_dialog is not None:
            self.export_dialog.close()
        self.export_dialog = ExportDialog(
            self.jobs,
            self.db_path,
            [p for p in self.people_items()],
            preselect=self.selected_people(),
            ask_folder=self.ask.folder,
            parent=self,
        )
        self.export_dialog.open()

    def open_settings(self) -> None:
        """The settings dialog (non-blocking)."""
        from faceorganizer.gui.dialogs.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(
            self.settings, ask_folder=self.ask.folder, parent=self
        )
        self.settings_dialog.open()

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.export_dialog is not None:
            self.export_dialog.close()
        self.jobs.shutdown()
        self.settings.sync()
        super().closeEvent(event)


def _local_file(mime: Any) -> str | None:
    """The first local file dropped, if any."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
            return str(url.toLocalFile())
    return None


def _set_hidden(ops: Any, person: int, hidden: bool) -> Any:
    return ops.set_hidden(person, hidden)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
