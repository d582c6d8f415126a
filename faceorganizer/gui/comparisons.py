"""Same person? Two photos (File ▸ Compare Two Photos…) or the two faces selected in a grid
(Edit ▸ Same Person?): the library's verdict in a dialog."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from faceorganizer.gui.faces_model import FaceIdRole
from faceorganizer.gui.find_view import crop_face
from faceorganizer.gui.thumbnails import bgr_to_qimage
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


class Comparisons(QObject):
    """The window's comparisons and their dialog (the last one shown)."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.dialog: Any = None

    def choose_compare_photo(self, which: str) -> str | None:
        """One of the two photos to compare (tests replace this)."""
        path, _filter = QFileDialog.getOpenFileName(
            self.win,
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
        library, device = self.win.library, self.win.settings.device
        names = [os.path.basename(path_a), os.path.basename(path_b)]
        dialog = self._compare_dialog()

        def job(_ctx: JobContext) -> tuple[Any, list[Any]]:
            from faceorganizer.core.records import EngineOptions

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
            from faceorganizer.core.library.errors import DecodeError

            why = str(exc) if isinstance(exc, DecodeError) else f"{type(exc).__name__}: {exc}"
            dialog.show_verdict("No answer", f"Cannot read a photo: {why}", "")

        dialog.show_faces([None, None], names)
        self.win.jobs.submit(
            job, on_result=shown, on_error=failed, channel="compare", replace=True, name="compare"
        )

    def selected_faces_anywhere(self) -> list[int]:
        """The faces selected in the grid of the page shown (a person's faces and suggestions,
        or the unsorted faces)."""
        page = self.win.stack.currentWidget()
        unsorted_grid = self.win.pages.unsorted.view.grid
        grids: list[Any]
        if page is self.win.person_view:
            grids = [self.win.person_view.grid, self.win.person_view.suggest_grid]
        elif page is self.win.pages.unsorted.view:
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
            self.win.statusBar().showMessage("Select exactly two faces to compare", 4000)
            return
        library = self.win.library
        dialog = self._compare_dialog()

        def job(_ctx: JobContext) -> tuple[Any, list[Any]]:
            from faceorganizer.core.library.pixels import face_thumbnail

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

        self.win.jobs.submit(
            job, on_result=shown, on_error=failed, channel="compare", replace=True, name="compare"
        )

    def _compare_dialog(self) -> Any:
        from faceorganizer.gui.dialogs.compare_dialog import CompareDialog

        if self.dialog is not None:
            self.dialog.close()
        self.dialog = CompareDialog(self.win)
        self.dialog.open()
        return self.dialog

    def _show_verdict(self, dialog: Any, similarity: float) -> None:
        from faceorganizer.core.library.comparing import describe, thresholds_text, verdict

        words = verdict(similarity)
        dialog.show_verdict(
            f"{words[:1].upper()}{words[1:]}", describe(similarity), thresholds_text()
        )
