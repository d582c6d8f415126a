"""Find by photo and "Find this face": ask the library in the background, show the results."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import QFileDialog

from faceorganizer.gui.find_view import FoundFace, crop_face, people_details
from faceorganizer.gui.thumbnails import bgr_to_qimage
from faceorganizer.gui.window_base import WindowBase
from faceorganizer.gui.worker import JobContext

FIND_TOP = 30  # faces listed per query face in a find


class FindControl(WindowBase):
    """The window's finds; the library keeps the engine and the index warm between them."""

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
        library, device = self.library, self.settings.device
        name = os.path.basename(path)

        def job(ctx: JobContext) -> list[FoundFace]:
            from faceorganizer.core.faces.pipeline import EngineOptions

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
        library, title = self.library, f"Find this face: {os.path.basename(face.path)}"

        def job(_ctx: JobContext) -> list[FoundFace]:
            from faceorganizer.core.photos.thumbnails import face_thumbnail

            found = library.find_face(face_id, top=FIND_TOP)
            try:
                image = bgr_to_qimage(face_thumbnail(face.path, face.box))
            except Exception:  # noqa: BLE001 - the picture is optional
                image = None
            people, faces = people_details(library, found.results)
            return [FoundFace(r, image, found.photos, people, faces) for r in found.results]

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


def local_file(mime: Any) -> str | None:
    """The first local file dropped, if any."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
            return str(url.toLocalFile())
    return None
