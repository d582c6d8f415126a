"""The window's pages: which one shows, and loading what it shows (people, a person, photos,
the viewer) from the library in the background."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.gui.thumbnails import bgr_to_qimage
from faceorganizer.gui.window_base import WindowBase
from faceorganizer.gui.worker import JobContext

VIEWER_LONG_SIDE = 2048


class Pages(WindowBase):
    """Navigation between the pages and the loads that fill them."""

    # -- people ---------------------------------------------------------------------------------
    def refresh_people(self) -> None:
        """Reload the people grid in the background (older loads are dropped)."""
        library, hidden = self.library, self.show_hidden

        def load(_ctx: JobContext) -> list[PersonItem]:
            return library.people(include_hidden=hidden)

        self.jobs.submit(
            load, on_result=self.people_model.set_people, channel="people", replace=True
        )

    def people_items(self) -> list[PersonItem]:
        """People in the grid, in display order."""
        return [i for pid in self.people_model.ids() if (i := self.people_model.item(pid))]

    def show_people(self) -> None:
        """The people page."""
        self.current_person = None
        if not self.folders and not self.people_model.rowCount():
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

    # -- person page ----------------------------------------------------------------------------
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
        library = self.library

        def load(_ctx: JobContext) -> Any:
            return library.person_page(pid, extras=False)

        def load_extras(_ctx: JobContext) -> Any:
            return library.person_page(pid, suggestions=30)

        def loaded(page: Any) -> None:
            if self.current_person != pid or self.face_mode != "person":
                return
            if page.person is None:
                self.show_people()
                return
            self.person_view.set_person(page.person)
            self.person_view.set_faces(page.faces)
            # then what takes longer (suggestions, faces unlike the rest), without holding
            # the faces back: a person of 5,000 faces shows at once
            self.jobs.submit(load_extras, on_result=extras, channel="person", replace=True)

        def extras(page: Any) -> None:
            if self.current_person != pid or self.face_mode != "person" or page.person is None:
                return
            self.person_view.set_flags(page.odd)
            self.person_view.set_suggestions(page.suggested, page.scores)

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
        library = self.library

        def load(_ctx: JobContext) -> list[FaceRef]:
            return library.ignored_faces()

        self.jobs.submit(
            load, on_result=self.person_view.faces.set_faces, channel="person", replace=True
        )

    # -- photos ---------------------------------------------------------------------------------
    def show_photos(self) -> None:
        """Photos where all the selected people appear together."""
        ids = self.selected_people()
        if not ids:
            self.statusBar().showMessage("Select one or more people", 4000)
            return
        names = [(i.label if (i := self.people_model.item(p)) else "Unnamed") for p in ids]
        library = self.library

        def load(_ctx: JobContext) -> list[tuple[int, str]]:
            return library.photos_of(ids)

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
        pid, library = self.current_person, self.library

        def load(_ctx: JobContext) -> list[int]:
            return [p for p, _ in library.photos_of([pid])]

        start = face.photo_id

        def loaded(ids: list[int]) -> None:
            self.open_viewer(ids, start)

        self.jobs.submit(load, on_result=loaded, channel="photos")

    # -- the viewer -----------------------------------------------------------------------------
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
        library = self.library

        def load(ctx: JobContext) -> Any:
            from faceorganizer.core.library.pixels import read_and_decode

            path, faces = library.photo(photo_id)
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

    def open_containing_folder(self, path: str) -> None:
        """Open the photo's folder in the file manager."""
        if path and not QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path))):
            self.extras.folder_not_opened(os.path.dirname(path))
