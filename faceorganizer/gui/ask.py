"""Questions to the user behind one small interface, so tests can answer them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from faceorganizer.core.store.browse import PersonItem

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
        self, parent: QWidget, title: str, people: list[PersonItem], allow_new: bool = True
    ) -> Pick | None:
        """A person from a searchable list (or a new name)."""
        from faceorganizer.gui.dialogs.person_picker import PersonPickerDialog

        dialog = PersonPickerDialog(people, title, allow_new=allow_new, parent=parent)
        if dialog.exec():
            return dialog.choice()
        return None

    def info(self, parent: QWidget, title: str, text: str) -> None:
        """A message."""
        QMessageBox.information(parent, title, text)
