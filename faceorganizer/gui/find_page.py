"""The Find page: find by photo and "Find this face", asked of the library in the background."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QWidget

from faceorganizer.gui.changed import Changed
from faceorganizer.gui.find_view import FindView, FoundFace, crop_face, people_details
from faceorganizer.gui.page import Page
from faceorganizer.gui.thumbnails import bgr_to_qimage
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

FIND_TOP = 30  # faces listed per query face in a find


class FindPage(Page):
    """The window's finds; the library keeps the engine and the index warm between them."""

    view: FindView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, FindView(win.thumbs, win))
        self.view.back.connect(self._find_back)
        self.view.open_photo.connect(self._open_found_photo)
        self._find_return: QWidget | None = None  # the page Back returns to (None: People)

    def library_changed(self, change: Changed) -> None:
        """Nothing: a find's results are the answer at the time it was asked (Find again
        asks again)."""

    def choose_photo(self) -> str | None:
        """A photo file to look for (tests replace this)."""
        path, _filter = QFileDialog.getOpenFileName(
            self.win,
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
        library, device = self.win.library, self.win.settings.device
        name = os.path.basename(path)

        def job(ctx: JobContext) -> list[FoundFace]:
            from faceorganizer.core.records import EngineOptions

            found = library.find_by_photo(  # DecodeError when unreadable
                path, EngineOptions(device=device), top=FIND_TOP, should_stop=ctx.should_stop
            )
            photo = found.photo
            people, faces = people_details(library, found.results)
            return [
                FoundFace(
                    r, crop_face(photo.pixels, photo.scale, r.box), found.photos, people, faces
                )
                for r in found.results
            ]

        def failed(exc: BaseException) -> None:
            from faceorganizer.core.library.errors import DecodeError

            why = str(exc) if isinstance(exc, DecodeError) else f"{type(exc).__name__}: {exc}"
            self.view.show_message(f"Find: {name}", f"Cannot read this photo: {why}")
            self.win.add_errors([(path, f"find by photo: {why}")])

        self._show_find(f"Find: {name}")
        self.win.jobs.submit(
            job,
            on_result=lambda found: self.view.set_results(f"Find: {name}", found),
            on_error=failed,
            channel="find",
            replace=True,
            name="find",
        )

    def find_face(self, face_id: int) -> None:
        """Rank the library's people for one stored face (the viewer's "Find this face")."""
        face = next((f for f in self.win.viewer.canvas.faces if f.id == face_id), None)
        if face is None:
            return
        library, title = self.win.library, f"Find this face: {os.path.basename(face.path)}"

        def job(_ctx: JobContext) -> list[FoundFace]:
            from faceorganizer.core.library.pixels import face_thumbnail

            found = library.find_face(face_id, top=FIND_TOP)
            try:
                image = bgr_to_qimage(face_thumbnail(face.path, face.box))
            except Exception:  # noqa: BLE001 - the picture is optional
                image = None
            people, faces = people_details(library, found.results)
            return [FoundFace(r, image, found.photos, people, faces) for r in found.results]

        def failed(exc: BaseException) -> None:
            self.view.show_message(title, f"Cannot search: {exc}")
            self.win.add_errors([(face.path, f"find this face: {exc}")])

        self._show_find(title)
        self.win.jobs.submit(
            job,
            on_result=lambda found: self.view.set_results(title, found),
            on_error=failed,
            channel="find",
            replace=True,
            name="find",
        )

    def _show_find(self, title: str) -> None:
        current = self.win.stack.currentWidget()
        if current is not None and current is not self.view:
            self._find_return = current
        self.view.show_message(title, "Searching…")
        self.win.stack.setCurrentWidget(self.view)

    def _find_back(self) -> None:
        back = self._find_return
        if back in (self.win.person_view, self.win.photos_view) or (
            back is self.win.viewer and self.win.viewer.current() is not None
        ):
            self.win.stack.setCurrentWidget(back)
        else:
            self.win.show_people()

    def _open_found_photo(self, photo_id: int, photo_ids: list[int]) -> None:
        self.win._viewer_return = self.view
        self.win.open_viewer(photo_ids, photo_id)


def local_file(mime: Any) -> str | None:
    """The first local file dropped, if any."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
            return str(url.toLocalFile())
    return None
