"""The person page: one person's faces and suggested faces, or the ignored faces, loaded in
the background."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.page import Page
from faceorganizer.gui.person_view import PersonView
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


class PersonPage(Page):
    """A person's faces (``win.face_mode`` "person") or the ignored faces ("ignored")."""

    view: PersonView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, PersonView(win.thumbs, win))

    def library_changed(self, change: Changed) -> None:
        """Shown: read again (a person merged away or emptied: back to the people)."""
        win = self.win
        if not self.is_shown():
            return
        if win.face_mode == "ignored":
            if not change.everything:  # a scan does not change what the user ignored
                self.show_ignored()
        elif win.current_person is not None:
            if win.current_person in change.changes.removed_people:
                win.show_people()
            else:
                self.load_person(win.current_person)

    def open_person(self, pid: int) -> None:
        """Show one person's faces and suggestions."""
        win = self.win
        win.current_person = pid
        win.face_mode = "person"
        win._person_toolbar()
        self.view.set_person(win.people_model.item(pid))
        self.view.faces.set_faces([])
        self.view.set_suggestions([], {})
        win.stack.setCurrentWidget(self.view)
        self.load_person(pid)

    def load_person(self, pid: int) -> None:
        """Load a person's faces and suggested faces in the background."""
        win, library = self.win, self.win.library

        def load(_ctx: JobContext) -> Any:
            return library.person_page(pid, extras=False)

        def load_extras(_ctx: JobContext) -> Any:
            return library.person_page(pid, suggestions=30)

        def loaded(page: Any) -> None:
            if win.current_person != pid or win.face_mode != "person":
                return
            if page.person is None:
                win.show_people()
                return
            self.view.set_person(page.person)
            self.view.set_faces(page.faces)
            # then what takes longer (suggestions, faces unlike the rest), without holding
            # the faces back: a person of 5,000 faces shows at once
            win.jobs.submit(load_extras, on_result=extras, channel="person", replace=True)

        def extras(page: Any) -> None:
            if win.current_person != pid or win.face_mode != "person" or page.person is None:
                return
            self.view.set_flags(page.odd)
            self.view.set_suggestions(page.suggested, page.scores)

        win.jobs.submit(load, on_result=loaded, channel="person", replace=True)

    def show_ignored(self) -> None:
        """The faces the user ignored, with "Stop ignoring"."""
        win = self.win
        win.face_mode = "ignored"
        win.current_person = None
        win._person_toolbar()
        self.view.title.setText("Ignored faces")
        self.view.subtitle.setText("never grouped or suggested")
        self.view.set_suggestions([], {})
        win.stack.setCurrentWidget(self.view)
        library = win.library

        def load(_ctx: JobContext) -> list[FaceRef]:
            return library.ignored_faces()

        win.jobs.submit(load, on_result=self.view.faces.set_faces, channel="person", replace=True)

    def open_face(self, face_id: int) -> None:
        """Show the photo of a face, browsing the photos of the current person."""
        win, view = self.win, self.view
        face = next((f for f in view.faces.faces() if f.id == face_id), None)
        face = face or next((f for f in view.suggested.faces() if f.id == face_id), None)
        if face is None:
            return
        win._viewer_return = view
        if win.face_mode == "ignored" or win.current_person is None:
            ids = list(dict.fromkeys(f.photo_id for f in view.faces.faces()))
            win.open_viewer(ids, face.photo_id)
            return
        pid, library = win.current_person, win.library

        def load(_ctx: JobContext) -> list[int]:
            return [p for p, _ in library.photos_of([pid])]

        start = face.photo_id

        def loaded(ids: list[int]) -> None:
            win.open_viewer(ids, start)

        win.jobs.submit(load, on_result=loaded, channel="photos")
