"""The window's places and keys beyond the basic pages: unsorted faces, "same person?" review,
Redo, Back (Esc / Backspace / Alt+Left), Help ▸ Keyboard Shortcuts, and the counts on the
People page. ``install(window)`` adds them; the window calls a few of its methods.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.captions import pair_captions
from faceorganizer.gui.people_flows import PeopleFlows
from faceorganizer.gui.review_view import Question, ReviewView
from faceorganizer.gui.unsorted_view import UnsortedView
from faceorganizer.gui.worker import JobContext

log = logging.getLogger(__name__)

REVIEW_FACES = 5


class WindowExtras(QObject):
    """Owns the extra pages and actions of one window."""

    def __init__(self, win: Any) -> None:
        super().__init__(win)
        self.win = win
        self.flows = PeopleFlows(win)
        self.unsorted = UnsortedView(win.thumbs, win)
        self.review = ReviewView(win.thumbs, win)
        win.stack.addWidget(self.unsorted)
        win.stack.addWidget(self.review)
        self.unsorted.back.connect(win.show_people)
        self.unsorted.name_faces.connect(lambda ids: self._name_unsorted(ids, True))
        self.unsorted.assign_faces.connect(lambda ids: self._name_unsorted(ids, False))
        self.unsorted.ignore_faces.connect(self._ignore_unsorted)
        self.unsorted.open_face.connect(self._open_unsorted_face)
        self.unsorted.menu_actions = [win.act_compare_faces]  # two faces selected
        self.unsorted.need_page.connect(self._unsorted_page)
        self.review.back.connect(win.show_people)
        self.review.answered.connect(self._answered)
        self.review.someone_new.connect(self._someone_new)
        win.people_view.open_unsorted.connect(self.show_unsorted)
        win.people_view.open_review.connect(self.show_review)
        self.add_face = manual_face_adder()
        win.viewer.add_face_button.setVisible(self.add_face is not None)
        win.viewer.face_drawn.connect(self.face_drawn)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(300)
        self._counts_timer.timeout.connect(self.refresh_counts)
        model = win.people_model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(lambda *_a: self._counts_timer.start())
        self._build_actions()
        # the scan's progress once: in the People placeholder while it shows, else the status bar
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(0)  # after the scan control has shown its widgets
        self._progress_timer.timeout.connect(self.progress_once)
        win.people_view.placeholder_changed.connect(self._progress_timer.start)
        win.stack.currentChanged.connect(lambda _i: self._progress_timer.start())
        self.flows.history_changed.connect(self._history_changed)
        self._history_changed(None, None)

    # -- actions and menus ------------------------------------------------------------------
    def _build_actions(self) -> None:
        win, a = self.win, self.win._action
        self.act_redo = a("&Redo", self.flows.redo, QKeySequence.StandardKey.Redo)
        self.act_redo.setObjectName("actRedo")
        win.act_undo.setObjectName("actUndo")
        self.act_back = a("&Back", self.go_back)
        self.act_back.setObjectName("actBack")
        self.act_back.setShortcuts(
            [QKeySequence("Esc"), QKeySequence("Backspace"), QKeySequence("Alt+Left")]
        )
        self.act_back.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.act_unsorted = a("&Unsorted Faces", self.show_unsorted, "Ctrl+2")
        self.act_unsorted.setObjectName("actUnsorted")
        self.act_review = a("&Same Person? Questions", self.show_review, "Ctrl+3")
        self.act_review.setObjectName("actReview")
        self.act_shortcuts = a("&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.act_shortcuts.setObjectName("actShortcuts")
        self.act_about = a("&About FaceOrganizer", self.show_about)
        menus = {m.title(): m for m in _menus(win)}
        edit, view = menus.get("&Edit"), menus.get("&View")
        if edit is not None:
            actions = edit.actions()
            after = actions.index(win.act_undo) + 1 if win.act_undo in actions else 0
            before = actions[after] if after < len(actions) else None
            edit.insertAction(before, self.act_redo) if before else edit.addAction(self.act_redo)
        if view is not None:
            first = view.actions()[1] if len(view.actions()) > 1 else None
            for act in (self.act_unsorted, self.act_review):
                view.insertAction(first, act) if first else view.addAction(act)
            view.addSeparator()
            view.addAction(self.act_back)
        help_menu = win.menuBar().addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

    def _history_changed(self, undo: str | None, redo: str | None) -> None:
        self.win.act_undo.setText(f"&Undo {undo}" if undo else "&Undo")
        self.win.act_undo.setEnabled(bool(undo))
        self.act_redo.setText(f"&Redo {redo}" if redo else "&Redo")
        self.act_redo.setEnabled(bool(redo))

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts."""
        from faceorganizer.gui.help_dialog import ShortcutsDialog

        actions = [a for a in self.win.actions() if isinstance(a, QAction)]
        self.shortcuts_dialog = ShortcutsDialog(actions, self.win)
        self.shortcuts_dialog.open()

    def show_about(self) -> None:
        """Help ▸ About."""
        from faceorganizer import __version__

        self.win.ask.info(
            self.win,
            "About FaceOrganizer",
            f"FaceOrganizer {__version__}: finds the faces in your photos and groups them by "
            "person, offline, on this computer. Your photos are only ever read.",
        )

    # -- navigation -------------------------------------------------------------------------
    def go_back(self) -> None:
        """Back from the page shown (Esc, Backspace, Alt+Left)."""
        page = self.win.stack.currentWidget()
        back = getattr(page, "back", None)
        if back is not None and hasattr(back, "emit"):
            back.emit()

    def progress_once(self) -> None:
        """Show the scan's progress in one place: the status bar hides its label and bar while
        the People page's placeholder shows them (the first scan)."""
        win, view = self.win, self.win.people_view
        here = win.stack.currentWidget() is view and view.shows_scan_progress()
        running = bool(view.scan_status)  # set by the scan control from start to end
        for w in (getattr(win, "scan_label", None), getattr(win, "scan_bar", None)):
            if w is not None:
                w.setVisible(running and not here)

    # -- after each change ------------------------------------------------------------------
    def library_opened(self) -> None:
        """The library is open: counts and what Undo / Redo would do."""
        self.flows.refresh_history()
        self.refresh_counts()

    def after_change(self, changes: Any) -> None:
        """An operation ended: undo offer, menus, counts, and the extra page shown."""
        self.flows.after_change(changes)
        page = self.win.stack.currentWidget()
        if page is self.unsorted:
            self.load_unsorted()
        elif page is self.review:
            self.load_review()
        self._counts_timer.start()

    def refresh_counts(self) -> None:
        """How many unsorted faces and questions there are (background)."""
        if not getattr(self.win, "ready", False) or self.win.scanning():
            return  # while a scan runs people change every few seconds: counted at its end
        if self.win.jobs.busy("people"):
            # the People view first: the count (seconds for 20,000 groups) arrives after it
            self._counts_timer.start()
            return
        library = self.win.library

        def job(ctx: JobContext) -> tuple[int, int]:
            # exact (each answer is one); stops when a newer count replaces this one
            def replaced() -> bool:
                return ctx.cancelled

            return library.unsorted_count(), library.question_count(should_stop=replaced)

        self.win.jobs.submit(
            job,
            on_result=lambda v: self.win.people_view.set_extra_counts(*v),
            channel="extra-counts",
            replace=True,
        )

    # -- unsorted faces ---------------------------------------------------------------------
    def show_unsorted(self) -> None:
        """The unsorted faces page."""
        self.win.current_person = None
        self.win.stack.setCurrentWidget(self.unsorted)
        self.load_unsorted()

    def load_unsorted(self) -> None:
        self.unsorted.reload()

    def _unsorted_page(self, offset: int, min_quality: float) -> None:
        """Load one page of unsorted faces (the first page again after any change)."""
        library, size = self.win.library, self.unsorted.PAGE
        shown = self.unsorted.faces.faces()
        after = (shown[-1].quality, shown[-1].id) if offset and shown else None

        def job(_ctx: JobContext) -> tuple[int, list[FaceRef], int | None]:
            faces, total = library.unsorted_page(offset, size, min_quality=min_quality, after=after)
            return offset, faces, total

        self.win.jobs.submit(
            job, on_result=lambda v: self.unsorted.add_page(*v), channel="unsorted", replace=True
        )

    def _faces(self, ids: list[int]) -> list[FaceRef]:
        by_id = {f.id: f for f in self.unsorted.faces.faces()}
        return [by_id[i] for i in ids if i in by_id]

    def _name_unsorted(self, ids: list[int], allow_new: bool) -> None:
        faces = self._faces(ids)
        if faces:
            self.flows.who_is(faces, allow_new=allow_new)

    def _ignore_unsorted(self, ids: list[int]) -> None:
        if ids:
            self.win.run_op(lambda lib: lib.ignore_faces(ids), label="ignore")

    def _open_unsorted_face(self, face_id: int) -> None:
        faces = self.unsorted.faces.faces()
        face = next((f for f in faces if f.id == face_id), None)
        if face is None:
            return
        self.win._viewer_return = self.unsorted
        self.win.open_viewer(list(dict.fromkeys(f.photo_id for f in faces)), face.photo_id)

    # -- same person? -----------------------------------------------------------------------
    def show_review(self) -> None:
        """The "same person?" questions page."""
        self.win.current_person = None
        self.win.stack.setCurrentWidget(self.review)
        self.review.setFocus()
        self.load_review()

    def load_review(self) -> None:
        library = self.win.library

        def job(_ctx: JobContext) -> list[Question]:
            # all of them: the page's count is the number of answers it will ask for
            return [
                Question(q.suggestion, *pair_captions(q.person_a, q.person_b), q.faces_a, q.faces_b)
                for q in library.questions(faces_per_side=REVIEW_FACES)
            ]

        self.win.jobs.submit(
            job, on_result=self.review.set_questions, channel="review", replace=True
        )

    def _answered(self, question: Question, what: str) -> None:
        s = question.suggestion
        if what == "yes":
            self.win.run_op(lambda lib: lib.answer_question(s, True), label="same person")
        elif what == "no":
            self.win.run_op(lambda lib: lib.answer_question(s, False), label="not the same person")

    def _someone_new(self, question: Question) -> None:
        """ "Someone new — name them": the unnamed group gets a name of its own (a name that
        exists offers the merge, as naming does everywhere)."""
        group = int(question.suggestion.b)
        name = self.win.ask.text(self.win, "Someone new", "Who is this?", "")
        if name and name.strip():
            self.win.name_person(group, name.strip())

    # -- the viewer -------------------------------------------------------------------------
    def who_is(self, face_id: int) -> None:
        """The viewer's "Who is this?" for one face box (the chooser keeps clear of it)."""
        canvas = self.win.viewer.canvas
        face = next((f for f in canvas.faces if f.id == face_id), None)
        if face is not None:
            self.flows.who_is([face], canvas.global_box(face_id))

    def face_drawn(self, photo_id: int, box: tuple[float, float, float, float]) -> None:
        """A face drawn by hand: embedded by the core (background), then "Who is this?"."""
        library = self.win.library
        if self.add_face is None:
            return

        def job(_ctx: JobContext) -> tuple[FaceRef | None, str, Any]:
            from faceorganizer.core.library.pixels import face_thumbnail
            from faceorganizer.gui.thumbnails import bgr_to_qimage

            drawn = library.add_drawn_face(photo_id, box)
            face, label = drawn.face, drawn.undo_label
            image = None
            if face is not None:  # the chooser's preview: no thumbnail is cached for it yet
                try:
                    image = bgr_to_qimage(face_thumbnail(face.path, face.box))
                except Exception:  # noqa: BLE001 - the picture is optional
                    image = None
            return face, label, image

        def added(value: tuple[FaceRef | None, str, Any]) -> None:
            from faceorganizer.core.records import Changes

            face, label, image = value
            self.flows.after_change(Changes(label=label))  # "Add a face by hand" [Undo]
            if self.win.viewer.current() == photo_id:
                self.win._load_photo(photo_id)
            if face is not None:
                # centred on the window (no face rectangle to keep clear of: the box was just
                # drawn, and its place on screen before the reload put the chooser at the top
                # edge), with the drawn face as its preview
                self.flows.who_is([face], face_image=image)
            self._counts_timer.start()

        def failed(exc: BaseException) -> None:
            self.win.ask.info(self.win, "Add a missed face", f"Cannot add this face: {exc}")

        self.win.jobs.submit(job, on_result=added, on_error=failed, pool="ops", name="add face")

    def folder_not_opened(self, folder: str) -> None:
        """No file manager answered: say so, and where the photo is."""
        from PySide6.QtGui import QGuiApplication

        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(folder)
        self.win.ask.info(
            self.win,
            "Open containing folder",
            f"No file manager is set up to open folders on this computer. The photo is in:\n"
            f"{folder}\n(the path is copied to the clipboard)",
        )


def manual_face_adder() -> Any:
    """Whether the core can embed a face from a box: ``Library.add_drawn_face``, or None
    while the library has none."""
    try:
        from faceorganizer.core.library import Library
    except ImportError:
        return None
    return getattr(Library, "add_drawn_face", None)


def _menus(win: Any) -> list[QMenu]:
    return [a.menu() for a in win.menuBar().actions() if a.menu() is not None]


def install(win: Any) -> WindowExtras:
    """Add the extra pages, actions and menus to the window."""
    return WindowExtras(win)
