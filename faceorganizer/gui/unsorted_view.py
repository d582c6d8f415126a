"""Unsorted faces: every face in no person, to browse and name, assign or ignore in bulk."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.delegates import FACE_CELL, ThumbDelegate
from faceorganizer.gui.faces_model import FaceIdRole, FaceListModel
from faceorganizer.gui.heap import freeze_heap
from faceorganizer.gui.menus import page_header, page_title, popup_actions
from faceorganizer.gui.people_view import setup_grid
from faceorganizer.gui.thumbnails import ThumbnailCache


class UnsortedView(QWidget):
    """A grid of unsorted faces with Name…, Add to person… and Ignore for the selection."""

    back = Signal()
    name_faces = Signal(list)  # face ids
    assign_faces = Signal(list)
    ignore_faces = Signal(list)
    open_face = Signal(int)
    need_page = Signal(int, float)  # offset, least quality: load the next page of faces

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unsortedPage")
        self.faces = FaceListModel(thumbs, self)
        self.back_button = QPushButton("◀ People", self)
        self.back_button.setObjectName("unsortedBack")
        self.back_button.clicked.connect(self.back.emit)
        self.title = page_title("Unsorted faces", self)
        self.subtitle = QLabel("", self)
        self.subtitle.setObjectName("unsortedCount")
        self.subtitle.setStyleSheet("color: #666")
        self.grid = QListView(self)
        self.grid.setObjectName("unsortedGrid")
        setup_grid(self.grid, FACE_CELL)
        self.grid.setModel(self.faces)
        self.grid.setItemDelegate(ThumbDelegate(FACE_CELL, self.grid))
        self.grid.activated.connect(self._activated)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(
            lambda pos: popup_actions(self, self.grid, pos, self.menu_actions)
        )
        self.menu_actions: list[QAction | None] = []  # the window's (Same person?)
        self.grid.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        # 50,000 faces come a page at a time: the next page when the scroll nears the end
        self.total = 0
        self.loading = False
        self.grid.verticalScrollBar().valueChanged.connect(lambda _v: self._maybe_more())
        self.quality = QComboBox(self)
        self.quality.setObjectName("unsortedFilter")
        self.quality.addItem("All faces", 0.0)
        self.quality.addItem("Clear faces only", 0.3)  # what may seed a group (grouping.py)
        self.quality.addItem("Best faces only", 0.6)
        self.quality.currentIndexChanged.connect(lambda _i: self.reload())
        self.name_button = QPushButton("Name…", self)
        self.name_button.setObjectName("unsortedName")
        self.assign_button = QPushButton("Add to person…", self)
        self.assign_button.setObjectName("unsortedAssign")
        self.ignore_button = QPushButton("Ignore", self)
        self.ignore_button.setObjectName("unsortedIgnore")
        self.name_button.clicked.connect(lambda: self.name_faces.emit(self.selected_ids()))
        self.assign_button.clicked.connect(lambda: self.assign_faces.emit(self.selected_ids()))
        self.ignore_button.clicked.connect(lambda: self.ignore_faces.emit(self.selected_ids()))
        self.hint = QLabel(
            "Select faces of one person (Ctrl+click, Shift+click), then name them or add them "
            "to someone. Ignore strangers and things that are not faces.",
            self,
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666")
        header = page_header(self.back_button, self.title, self.subtitle)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.quality)
        for b in (self.ignore_button, self.assign_button, self.name_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        layout.addLayout(buttons)
        layout.addWidget(self.grid, 1)
        self._update_buttons()

    PAGE = 600  # faces a page: a few screens, loaded in ~20 ms

    def min_quality(self) -> float:
        """The least quality the filter shows."""
        return float(self.quality.currentData() or 0.0)

    def reload(self) -> None:
        """Start again from the first page (after a change, or another filter)."""
        self.loading = True
        self.need_page.emit(0, self.min_quality())

    def set_faces(self, faces: list[FaceRef], total: int | None = None) -> None:
        """Show these faces (best first): the first page of ``total``."""
        self.faces.set_faces(faces)
        self._shown(len(faces) if total is None else total)

    def add_page(self, offset: int, faces: list[FaceRef], total: int | None) -> None:
        """A page has arrived: the first replaces the grid, the next ones extend it (``total``:
        None when not counted again)."""
        self.loading = False
        total = self.total if total is None else total
        if offset == 0:
            self.faces.set_faces(faces)
        else:
            self.faces.append_faces(faces)
        # the faces stay as long as the page: out of the collector's full passes, which walked
        # every face shown (30-50 ms each, the longest stalls once 50,000 were loaded)
        freeze_heap()
        self._shown(total)
        self._maybe_more()

    def _shown(self, total: int) -> None:
        self.total = total
        shown = self.faces.rowCount()
        more = f" (showing {shown}; scroll for more)" if shown < total else ""
        self.subtitle.setText(f"{total} face{'s' if total != 1 else ''} in no person{more}")
        self._update_buttons()

    def _maybe_more(self) -> None:
        bar = self.grid.verticalScrollBar()
        near_end = bar.value() >= bar.maximum() - 2 * max(bar.pageStep(), 1)
        if near_end and not self.loading and self.faces.rowCount() < self.total:
            self.loading = True
            self.need_page.emit(self.faces.rowCount(), self.min_quality())

    def selected_ids(self) -> list[int]:
        """Selected faces in grid order."""
        rows = sorted(self.grid.selectionModel().selectedIndexes(), key=lambda i: i.row())
        return [int(i.data(FaceIdRole)) for i in rows]

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        some = f" {n} selected" if n > 1 else ""
        self.name_button.setText(f"Name{some}…" if n != 1 else "Name this face…")
        self.assign_button.setText(f"Add{some} to person…" if n != 1 else "Add to person…")
        self.ignore_button.setText(f"Ignore{some}" if n != 1 else "Ignore this face")
        for b in (self.name_button, self.assign_button, self.ignore_button):
            b.setEnabled(n > 0)

    def _activated(self, index: QModelIndex) -> None:
        self.open_face.emit(int(index.data(FaceIdRole)))

    def keyPressEvent(self, event: object) -> None:  # noqa: D401 - Qt override
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Delete:
            ids = self.selected_ids()
            if ids:
                self.ignore_faces.emit(ids)
                return
        super().keyPressEvent(event)  # type: ignore[arg-type]
