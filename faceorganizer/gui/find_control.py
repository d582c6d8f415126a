"""Find by photo and "Find this face": ask the library in the background, show the results."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import QFileDialog

from faceorganizer.gui.faces_model import FaceIdRole
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

    # -- same person? -----------------------------------------------------------------------
    def choose_compare_photo(self, which: str) -> str | None:
        """One of the two photos to compare (tests replace this)."""
        path, _filter = QFileDialog.getOpenFileName(
            self,
            f"Compare: the {which} photo",
            "",
            "Images (*.jpg *.jpeg *.png *.webp *.heic *.heif *.tif *.tiff *.bmp);;All files (*)",
        )
        return path or None

    def compare_photos(self, path_a: str | None = None, path_b: str | None = None) -> None:
        """File ▸ Compare Two Photos…: are the largest faces of two photos the same person?"""
        path_a = path_a or self.choose_compare_photo("first")
        if not path_a:
            return
        path_b = path_b or self.choose_compare_photo("second")
        if not path_b:
            return
        library, device = self.library, self.settings.device
        names = [os.path.basename(path_a), os.path.basename(path_b)]
        dialog = self._compare_dialog()

        def job(_ctx: JobContext) -> tuple[Any, list[Any]]:
            from faceorganizer.core.faces.pipeline import EngineOptions

            done = library.compare_photos(path_a, path_b, EngineOptions(device=device))
            images: list[Any] = [None, None]
            if done.pairs:
                pair = done.pairs[0]
                boxes = (pair.box_a, pair.box_b)
                for i, (photo, box) in enumerate(zip(done.photos, boxes, strict=True)):
                    images[i] = crop_face(photo.pixels, photo.scale, box)
            return done, images

        def shown(value: tuple[Any, list[Any]]) -> None:
            done, images = value
            dialog.show_faces(images, names)
            if done.pairs:
                self._show_verdict(dialog, done.pairs[0].similarity)
                return
            empty = [n for n, count in zip(names, done.face_counts, strict=True) if not count]
            dialog.show_verdict("No answer", f"no faces found in {', '.join(empty)}", "")

        def failed(exc: BaseException) -> None:
            from faceorganizer.core.photos.decode import DecodeError

            why = str(exc) if isinstance(exc, DecodeError) else f"{type(exc).__name__}: {exc}"
            dialog.show_verdict("No answer", f"Cannot read a photo: {why}", "")

        dialog.show_faces([None, None], names)
        self.jobs.submit(
            job, on_result=shown, on_error=failed, channel="compare", replace=True, name="compare"
        )

    def selected_faces_anywhere(self) -> list[int]:
        """The faces selected in the grid of the page shown (a person's faces and suggestions,
        or the unsorted faces)."""
        page = self.stack.currentWidget()
        unsorted_grid = self.pages.unsorted.view.grid
        grids: list[Any]
        if page is self.person_view:
            grids = [self.person_view.grid, self.person_view.suggest_grid]
        elif page is self.pages.unsorted.view:
            grids = [unsorted_grid]
        else:
            return []
        out: list[int] = []
        for grid in grids:
            rows = sorted(grid.selectionModel().selectedIndexes(), key=lambda i: i.row())
            out += [int(i.data(FaceIdRole)) for i in rows]
        return list(dict.fromkeys(out))

    def compare_selected_faces(self) -> None:
        """ "Same person?" for the two faces selected in a grid."""
        faces = self.selected_faces_anywhere()
        if len(faces) != 2:
            self.statusBar().showMessage("Select exactly two faces to compare", 4000)
            return
        library = self.library
        dialog = self._compare_dialog()

        def job(_ctx: JobContext) -> tuple[Any, list[Any]]:
            from faceorganizer.core.photos.thumbnails import face_thumbnail

            done = library.compare_faces(faces[0], faces[1])
            images: list[Any] = []
            for ref in done.faces:
                try:
                    images.append(bgr_to_qimage(face_thumbnail(ref.path, ref.box)))
                except Exception:  # noqa: BLE001 - the picture is optional
                    images.append(None)
            return done, images

        def shown(value: tuple[Any, list[Any]]) -> None:
            done, images = value
            captions = [
                f"{ref.person_name or 'Unnamed'} · {os.path.basename(ref.path)}"
                for ref in done.faces
            ]
            dialog.show_faces(images, captions)
            self._show_verdict(dialog, done.pair.similarity)

        def failed(exc: BaseException) -> None:
            dialog.show_verdict("No answer", str(exc), "")

        self.jobs.submit(
            job, on_result=shown, on_error=failed, channel="compare", replace=True, name="compare"
        )

    def _compare_dialog(self) -> Any:
        from faceorganizer.gui.dialogs.compare_dialog import CompareDialog

        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = CompareDialog(self)
        self.compare_dialog.open()
        return self.compare_dialog

    def _show_verdict(self, dialog: Any, similarity: float) -> None:
        from faceorganizer.core.search.compare import describe, thresholds_text, verdict

        words = verdict(similarity)
        dialog.show_verdict(
            f"{words[:1].upper()}{words[1:]}", describe(similarity), thresholds_text()
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
