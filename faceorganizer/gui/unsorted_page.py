"""The Unsorted Faces page: every face in no person, a page at a time, to name, assign or
ignore in bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.page import Page
from faceorganizer.gui.unsorted_view import UnsortedView
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


class UnsortedPage(Page):
    """The unsorted faces."""

    view: UnsortedView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, UnsortedView(win.thumbs, win))
        unsorted = self.view
        unsorted.name_faces.connect(lambda ids: self._name_unsorted(ids, True))
        unsorted.assign_faces.connect(lambda ids: self._name_unsorted(ids, False))
        unsorted.ignore_faces.connect(self._ignore_unsorted)
        unsorted.open_face.connect(self._open_unsorted_face)
        unsorted.need_page.connect(self._unsorted_page)

    def library_changed(self, change: Changed) -> None:
        """Shown: the first page again (named or ignored faces leave it)."""
        if self.is_shown():
            self.load_unsorted()

    def show_unsorted(self) -> None:
        """The unsorted faces page."""
        self.win.current_person = None
        self.win.stack.setCurrentWidget(self.view)
        self.load_unsorted()

    def load_unsorted(self) -> None:
        self.view.reload()

    def _unsorted_page(self, offset: int, min_quality: float) -> None:
        """Load one page of unsorted faces (the first page again after any change)."""
        library, size = self.win.library, self.view.PAGE
        shown = self.view.faces.faces()
        after = (shown[-1].quality, shown[-1].id) if offset and shown else None

        def job(_ctx: JobContext) -> tuple[int, list[FaceRef], int | None]:
            faces, total = library.unsorted_page(offset, size, min_quality=min_quality, after=after)
            return offset, faces, total

        self.win.jobs.submit(
            job, on_result=lambda v: self.view.add_page(*v), channel="unsorted", replace=True
        )

    def _faces(self, ids: list[int]) -> list[FaceRef]:
        by_id = {f.id: f for f in self.view.faces.faces()}
        return [by_id[i] for i in ids if i in by_id]

    def _name_unsorted(self, ids: list[int], allow_new: bool) -> None:
        faces = self._faces(ids)
        if faces:
            self.win.naming.who_is(faces, allow_new=allow_new)

    def _ignore_unsorted(self, ids: list[int]) -> None:
        if ids:
            self.win.run_op(lambda lib: lib.ignore_faces(ids), label="ignore")

    def _open_unsorted_face(self, face_id: int) -> None:
        faces = self.view.faces.faces()
        face = next((f for f in faces if f.id == face_id), None)
        if face is None:
            return
        self.win._viewer_return = self.view
        self.win.open_viewer(list(dict.fromkeys(f.photo_id for f in faces)), face.photo_id)
