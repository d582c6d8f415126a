"""Questions to the user behind one small interface, so tests can answer them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from faceorganizer.core.records import FaceRef, PersonItem

Pick = tuple[int | None, str | None]  # an existing person id, or a new name


class Ask:
    """Modal dialogs; replace with an object of the same methods in tests."""

    def text(self, parent: QWidget, title: str, label: str, default: str = "") -> str | None:
        """A line of text, or None when cancelled."""
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, default)
        return value if ok else None

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        """Yes or no."""
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def folder(self, parent: QWidget, title: str) -> str | None:
        """A folder, or None."""
        path = QFileDialog.getExistingDirectory(parent, title)
        return path or None

    def pick_person(
        self,
        parent: QWidget,
        title: str,
        people: list[PersonItem],
        allow_new: bool = True,
        **extra: Any,
    ) -> Pick | None:
        """A person from a searchable list (or a new name).

        ``extra``: ``scores`` (person id -> similarity to the face asked about), ``thumbs``,
        ``avoid`` (the face's screen rectangle, kept clear), ``face_image``.
        """
        from faceorganizer.gui.dialogs.person_picker import PersonPickerDialog

        dialog = PersonPickerDialog(people, title, allow_new=allow_new, parent=parent, **extra)
        if dialog.exec():
            return dialog.choice()
        return None

    def choose(
        self,
        parent: QWidget,
        title: str,
        text: str,
        groups: list[tuple[str, list[FaceRef]]],
        buttons: list[str],
        thumbs: Any = None,
    ) -> str | None:
        """One of ``buttons`` after showing captioned rows of faces; None when closed."""
        from faceorganizer.gui.dialogs.faces_question import FacesQuestionDialog

        dialog = FacesQuestionDialog(title, text, groups, buttons, thumbs=thumbs, parent=parent)
        dialog.exec()
        return dialog.answer

    def info(self, parent: QWidget, title: str, text: str) -> None:
        """A message."""
        QMessageBox.information(parent, title, text)
