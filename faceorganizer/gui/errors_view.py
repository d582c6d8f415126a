"""Photos that could not be read and jobs that failed: file and reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


class ErrorsPanel(QTableWidget):
    """Two columns, newest last; duplicates are shown once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["File", "Reason"])
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setColumnWidth(0, 420)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._seen: set[tuple[str, str]] = set()

    def add(self, rows: list[tuple[str, str]]) -> int:
        """Add (file, reason) rows; returns how many were new."""
        added = 0
        for path, reason in rows:
            if (path, reason) in self._seen:
                continue
            self._seen.add((path, reason))
            r = self.rowCount()
            self.insertRow(r)
            self.setItem(r, 0, QTableWidgetItem(path))
            self.setItem(r, 1, QTableWidgetItem(reason))
            added += 1
        return added

    def entries(self) -> list[tuple[str, str]]:
        """Every (file, reason) shown."""
        out = []
        for r in range(self.rowCount()):
            path, reason = self.item(r, 0), self.item(r, 1)
            out.append((path.text() if path else "", reason.text() if reason else ""))
        return out
