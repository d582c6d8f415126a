"""The photo pages: the photos of the selected people (a grid), and the viewer (one photo with
its faces: name them, find them, draw a missed one)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from faceorganizer.core.records import Changes, FaceRef
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.page import Page
from faceorganizer.gui.photo_view import PhotoGridView, PhotoViewer
from faceorganizer.gui.thumbnails import bgr_to_qimage
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

VIEWER_LONG_SIDE = 2048


class PhotosPage(Page):
    """Photos where all the selected people appear together."""

    view: PhotoGridView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, PhotoGridView(win.thumbs, win))

    def library_changed(self, change: Changed) -> None:
        """Nothing: the grid is the answer to one question (whose photos); asked again from
        the People page, it is read again."""

    def show_photos(self) -> None:
        """Photos where all the selected people appear together."""
        win = self.win
        ids = win.selected_people()
        if not ids:
            win.statusBar().showMessage("Select one or more people", 4000)
            return
        names = [(i.label if (i := win.people_model.item(p)) else "Unnamed") for p in ids]
        library = win.library

        def load(_ctx: JobContext) -> list[tuple[int, str]]:
            return library.photos_of(ids)

        def loaded(photos: list[tuple[int, str]]) -> None:
            self.view.set_photos(" & ".join(names), photos)
            win.stack.setCurrentWidget(self.view)

        win.jobs.submit(load, on_result=loaded, channel="photos", replace=True)

    def _open_grid_photo(self, photo_id: int) -> None:
        ids = [pid for pid, _ in self.view.model.photos()]
        self.win._viewer_return = self.view
        self.win.open_viewer(ids, photo_id)


class ViewerPage(Page):
    """One photo with its faces; arrows move through a list of photos."""

    view: PhotoViewer

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, PhotoViewer(win))
        self.add_face = manual_face_adder()
        self.view.add_face_button.setVisible(self.add_face is not None)
        self.view.face_drawn.connect(self.face_drawn)

    def library_changed(self, change: Changed) -> None:
        """Shown: the photo's faces read again (their names, a face drawn or ignored)."""
        pid = self.view.current()
        if self.is_shown() and pid is not None:
            self._load_photo(pid)

    def open_viewer(self, photo_ids: list[int], start: int) -> None:
        """Show one photo with its faces; arrows move through ``photo_ids``."""
        self.win.stack.setCurrentWidget(self.view)
        self.view.setFocus()
        self.view.show_list(photo_ids, start)

    def _viewer_back(self) -> None:
        win = self.win
        win.stack.setCurrentWidget(win._viewer_return)
        if win._viewer_return is win.person_view and win.current_person is not None:
            win.pages.person.load_person(win.current_person)

    def _load_photo(self, photo_id: int) -> None:
        win, library = self.win, self.win.library

        def load(ctx: JobContext) -> Any:
            from faceorganizer.core.library.pixels import read_and_decode

            path, faces = library.photo(photo_id)
            if path is None or ctx.should_stop():
                return photo_id, path or "", None, 1.0, faces
            decoded = read_and_decode(path, work_long_side=VIEWER_LONG_SIDE)
            return photo_id, path, bgr_to_qimage(decoded.pixels), decoded.scale, faces

        def failed(exc: BaseException) -> None:
            win.add_errors([(f"photo {photo_id}", f"cannot show: {exc}")])

        win.jobs.submit(
            load,
            on_result=lambda v: self.view.set_photo(*v),
            on_error=failed,
            channel="viewer",
            replace=True,
        )

    def open_containing_folder(self, path: str) -> None:
        """Open the photo's folder in the file manager."""
        if path and not QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path))):
            self.folder_not_opened(os.path.dirname(path))

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

    def who_is(self, face_id: int) -> None:
        """The viewer's "Who is this?" for one face box (the chooser keeps clear of it)."""
        canvas = self.view.canvas
        face = next((f for f in canvas.faces if f.id == face_id), None)
        if face is not None:
            self.win.naming.who_is([face], canvas.global_box(face_id))

    def face_drawn(self, photo_id: int, box: tuple[float, float, float, float]) -> None:
        """A face drawn by hand: embedded by the core (background), then "Who is this?"."""
        win, library = self.win, self.win.library
        if self.add_face is None:
            return

        def job(_ctx: JobContext) -> tuple[FaceRef | None, str, Any]:
            from faceorganizer.core.library.pixels import face_thumbnail

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
            face, label, image = value
            # "Add a face by hand" [Undo]; the photo shown reads its faces again
            faces = {face.id} if face is not None else set()
            win.hub.broadcast(Changed(Changes(label=label, faces=faces)))
            if face is not None:
                # centred on the window (no face rectangle to keep clear of: the box was just
                # drawn, and its place on screen before the reload put the chooser at the top
                # edge), with the drawn face as its preview
                win.naming.who_is([face], face_image=image)

        def failed(exc: BaseException) -> None:
            win.ask.info(win, "Add a missed face", f"Cannot add this face: {exc}")

        win.jobs.submit(job, on_result=added, on_error=failed, pool="ops", name="add face")


def manual_face_adder() -> Any:
    """Whether the core can embed a face from a box: ``Library.add_drawn_face``, or None
    while the library has none."""
    try:
        from faceorganizer.core.library import Library
    except ImportError:
        return None
    return getattr(Library, "add_drawn_face", None)
