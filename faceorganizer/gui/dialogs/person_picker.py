"""Pick a person from a searchable list, or type a new name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.store.browse import PersonItem


class PersonPickerDialog(QDialog):
    """A search box over people; Enter with no match creates a person with that name."""

    def __init__(
        self,
        people: list[PersonItem],
        title: str = "Move to…",
        *,
        allow_new: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(360, 460)
        self.allow_new = allow_new
        self.people = people
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Type a name…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.hint = QLabel("", self)
        self.hint.setStyleSheet("color: #666")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self._filter)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        for p in people:
            item = QListWidgetItem(f"{p.label}  ({p.photo_count} photos)")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, (p.name or "unnamed").casefold())
            self.list.addItem(item)
        self._filter("")

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            match = needle in str(item.data(Qt.ItemDataRole.UserRole + 1))
            item.setHidden(not match)
            if match and first is None:
                first = item
        if first is not None:
            self.list.setCurrentItem(first)
        exact = any((p.name or "").casefold() == needle for p in self.people)
        if needle and self.allow_new and not exact:
            self.hint.setText(f'Press OK with nothing selected to create "{text.strip()}"')
        else:
            self.hint.setText("")

    def choice(self) -> tuple[int | None, str | None] | None:
        """(person id, None) for a chosen person, (None, name) for a new one, or None."""
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            return int(item.data(Qt.ItemDataRole.UserRole)), None
        name = self.search.text().strip()
        if name and self.allow_new:
            return None, name
        return None
