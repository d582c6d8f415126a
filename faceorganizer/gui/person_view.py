"""One person: their faces as a grid with actions, and "Is this also NAME?" suggestions."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.gui.captions import age_on
from faceorganizer.gui.delegates import FACE_CELL, ThumbDelegate
from faceorganizer.gui.faces_model import FaceIdRole, FaceListModel
from faceorganizer.gui.heap import freeze_heap
from faceorganizer.gui.menus import page_header, popup_actions
from faceorganizer.gui.people_view import setup_grid
from faceorganizer.gui.thumbnails import ThumbnailCache


class PersonView(QWidget):
    """The faces of one person and what can be done with them."""

    open_face = Signal(int)  # face id: show its photo
    accept_suggested = Signal(list)  # face ids
    reject_suggested = Signal(list)  # face ids
    back = Signal()

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.person: PersonItem | None = None
        self.faces = FaceListModel(thumbs, self)
        self.suggested = FaceListModel(thumbs, self)

        self.back_button = QPushButton("◀ People", self)
        self.back_button.clicked.connect(self.back.emit)
        self.title = QLabel("", self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel("", self)
        self.subtitle.setStyleSheet("color: #666")
        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # the person through the years: newest first, one button per year to jump to it
        self.year_strip = QToolBar(self)
        self.year_strip.setObjectName("yearStrip")
        self.year_strip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.year_strip.hide()
        self.year_rows: dict[str, int] = {}

        self.grid = QListView(self)
        setup_grid(self.grid, FACE_CELL)
        self.grid.setModel(self.faces)
        self.grid.setItemDelegate(ThumbDelegate(FACE_CELL, self.grid))
        self.grid.activated.connect(self._activated)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(self._menu)
        self.menu_actions: list[QAction | None] = []

        self.suggest_box = QFrame(self)
        self.suggest_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.suggest_title = QLabel("", self.suggest_box)
        self.suggest_title.setWordWrap(True)
        bold = self.suggest_title.font()
        bold.setBold(True)
        self.suggest_title.setFont(bold)
        self.suggest_grid = QListView(self.suggest_box)
        setup_grid(self.suggest_grid, FACE_CELL)
        self.suggest_grid.setModel(self.suggested)
        self.suggest_grid.setItemDelegate(ThumbDelegate(FACE_CELL, self.suggest_grid))
        self.suggest_grid.activated.connect(self._activated)
        self.yes_button = QPushButton("Yes", self.suggest_box)
        self.no_button = QPushButton("No", self.suggest_box)
        self.yes_button.setObjectName("suggestYes")
        self.no_button.setObjectName("suggestNo")
        self.suggest_grid.setObjectName("suggestGrid")
        self.grid.setObjectName("personFaces")
        self.setObjectName("personPage")
        self.back_button.setObjectName("personBack")
        self.suggest_grid.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_suggest_buttons()
        )
        self.yes_button.clicked.connect(lambda: self.accept_suggested.emit(self._suggest_ids()))
        self.no_button.clicked.connect(lambda: self.reject_suggested.emit(self._suggest_ids()))
        sbox = QVBoxLayout(self.suggest_box)
        sbox.addWidget(self.suggest_title)
        sbox.addWidget(self.suggest_grid, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.no_button)
        buttons.addWidget(self.yes_button)
        sbox.addLayout(buttons)
        self.suggest_box.hide()

        header = page_header(self.back_button, self.title, self.subtitle)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.grid)
        split.addWidget(self.suggest_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.year_strip)
        layout.addWidget(split, 1)

    # -- content ----------------------------------------------------------------------------
    def set_person(self, person: PersonItem | None) -> None:
        """Show the header of a person (faces come with ``set_faces``)."""
        self.person = person
        if person is None:
            self.title.setText("")
            self.subtitle.setText("")
            return
        self.title.setText(person.label)
        self.subtitle.setText(
            f"{person.photo_count} photo{'s' if person.photo_count != 1 else ''}"
            f" · {person.face_count} face{'s' if person.face_count != 1 else ''}"
            + (f" · born {person.born}" if person.born else "")
        )

    def set_faces(self, faces: list[FaceRef]) -> None:
        """The person's faces grouped by the year their photos were taken, newest year first
        (best first within a year; undated last), with the year strip to jump between them."""
        ordered = sorted(faces, key=lambda f: -int(f.taken[:4]) if f.taken else 1)
        self.year_rows = {}
        marks: dict[int, str] = {}
        counts: dict[str, int] = {}
        born = self.person.born if self.person else None
        for row, face in enumerate(ordered):
            year = face.taken[:4] if face.taken else "Undated"
            counts[year] = counts.get(year, 0) + 1
            if year not in self.year_rows:
                self.year_rows[year] = row
                age = age_on(born, face.taken)
                marks[face.id] = year if age is None else f"{year} · age {age}"
        self.faces.set_faces(ordered)
        self.faces.set_marks(marks)
        freeze_heap()  # thousands of faces kept while the page is open: out of collector passes
        self.year_strip.clear()
        for year, row in self.year_rows.items():
            action = self.year_strip.addAction(f"{year} ({counts[year]})")
            action.setToolTip(f"Jump to {year}")
            action.triggered.connect(lambda _c=False, r=row: self.jump_to_row(r))
        self.year_strip.setVisible(len(self.year_rows) > 1)

    def jump_to_row(self, row: int) -> None:
        """Scroll the faces so that ``row`` is at the top."""
        index = self.faces.index(row, 0)
        self.grid.scrollTo(index, QListView.ScrollHint.PositionAtTop)
        self.grid.setCurrentIndex(index)

    def set_suggestions(self, faces: list[FaceRef], scores: dict[int, float]) -> None:
        """Faces that might be this person too."""
        self.suggested.set_faces(faces, scores)
        if self.person is not None and self.person.name:
            self.suggest_title.setText(f"Is this also {self.person.name}?")
        else:
            self.suggest_title.setText("The same person too?")
        self.suggest_box.setVisible(bool(faces))
        self._update_suggest_buttons()

    def set_flags(self, flags: dict[int, float]) -> None:
        """Mark the faces that look unlike the rest of this person."""
        self.faces.set_flags(flags)
        n = len(self.faces.flagged())
        if n and self.person is not None:
            self.subtitle.setText(
                self.subtitle.text().split("  ⚠")[0]
                + f"  ⚠ {n} face{'s' if n != 1 else ''} look{'s' if n == 1 else ''} unlike"
                " the others (outlined)"
            )

    def _update_suggest_buttons(self) -> None:
        """The buttons say what they act on: the selection, or every face shown."""
        n = len(self.suggest_grid.selectionModel().selectedIndexes())
        total = self.suggested.rowCount()
        if n:
            what, tip = f"{n} selected", f"the {n} selected face{'s' if n != 1 else ''}"
        else:
            what = f"all {total}" if total > 1 else "this one"
            tip = f"all {total} faces shown" if total > 1 else "the face shown"
        self.yes_button.setText(f"Yes to {what}")
        self.no_button.setText(f"No to {what}")
        label = self.person.label if self.person else "this person"
        self.yes_button.setToolTip(f"Add {tip} to {label}")
        self.no_button.setToolTip(f"Not {label}: never suggest {tip} again")

    def selected_face_ids(self) -> list[int]:
        """Selected faces in grid order."""
        rows = sorted(self.grid.selectionModel().selectedIndexes(), key=lambda i: i.row())
        return [int(i.data(FaceIdRole)) for i in rows]

    def _suggest_ids(self) -> list[int]:
        rows = self.suggest_grid.selectionModel().selectedIndexes()
        if rows:
            return [int(i.data(FaceIdRole)) for i in sorted(rows, key=lambda i: i.row())]
        return [f.id for f in self.suggested.faces()]

    def _activated(self, index: QModelIndex) -> None:
        self.open_face.emit(int(index.data(FaceIdRole)))

    def _menu(self, pos: QPoint) -> None:
        popup_actions(self, self.grid, pos, self.menu_actions)
