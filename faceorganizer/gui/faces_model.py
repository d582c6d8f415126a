"""Grids of faces (a person's faces, suggestions, ignored faces): ids and boxes in memory."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItemModel

from faceorganizer.core.records import FaceRef, origin_text
from faceorganizer.gui.thumbnails import ThumbKey, ThumbnailCache

FaceIdRole = Qt.ItemDataRole.UserRole + 1
PhotoIdRole = Qt.ItemDataRole.UserRole + 2
ScoreRole = Qt.ItemDataRole.UserRole + 3
FlagRole = Qt.ItemDataRole.UserRole + 4  # "looks unlike the others" (similarity to the rest)
OriginRole = Qt.ItemDataRole.UserRole + 5  # "drawn by hand" / "from the file", else None
UNLIKE = "Looks unlike the others"
UNLIKE_SHORT = "⚠ Unlike the rest"  # the caption under a face: fits a cell, never elided

AnyIndex = QModelIndex | QPersistentModelIndex


class FaceListModel(QStandardItemModel):
    """Faces with an optional score each (a suggestion's similarity).

    A list of faces, not of items: the base class only keeps the row count, in C++. A grid
    lays out every row on each change (a page appended, a resize) and asks ``rowCount`` twice a
    row; answered in Python, that is 100,000 calls into the interpreter at 50,000 faces (a
    quarter of a second with the GUI frozen), answered in C++ a few milliseconds. No item is
    ever made: the rows are empty and ``data`` answers from ``_faces``.
    """

    def __init__(self, thumbs: ThumbnailCache | None = None, parent: Any = None) -> None:
        super().__init__(0, 1, parent)
        self._faces: list[FaceRef] = []
        self._scores: dict[int, float] = {}
        self._flags: dict[int, float] = {}
        self._marks: dict[int, str] = {}  # face id -> caption (the year a group of faces starts)
        self._by_key: dict[tuple[str, Any], list[int]] | None = None  # (path, box) -> rows
        self._ids: set[int] = set()  # the face ids shown (a page appended skips those)
        self.thumbs = thumbs
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    def _set_row_count(self, rows: int) -> None:
        """The C++ row count, silently (inside a reset, which tells the views)."""
        blocked = self.blockSignals(True)
        try:
            self.setRowCount(rows)
        finally:
            self.blockSignals(blocked)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._faces):
            return None
        face = self._faces[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            score = self._scores.get(face.id)
            if score is None and face.id in self._flags:
                return UNLIKE_SHORT
            return f"{score:.0%}" if score is not None else self._marks.get(face.id, "")
        if role == FlagRole:
            return self._flags.get(face.id)
        if role == FaceIdRole:
            return face.id
        if role == PhotoIdRole:
            return face.photo_id
        if role == ScoreRole:
            return self._scores.get(face.id)
        if role == Qt.ItemDataRole.DecorationRole and self.thumbs is not None:
            return self.thumbs.get(ThumbKey(face.path, face.box))
        if role == OriginRole:
            return origin_text(face.flags)
        if role == Qt.ItemDataRole.ToolTipRole:
            origin = origin_text(face.flags)
            tip = face.path if origin is None else f"A face {origin}\n{face.path}"
            if face.id in self._flags:
                return (
                    f"{UNLIKE} in this group ({self._flags[face.id]:.0%} alike): "
                    f"check it is the same person.\n{tip}"
                )
            return tip
        return None

    def set_faces(self, faces: list[FaceRef], scores: dict[int, float] | None = None) -> None:
        """Replace the faces."""
        self.beginResetModel()
        self._faces = list(faces)
        self._ids = {f.id for f in self._faces}
        self._by_key = None
        self._scores = dict(scores or {})
        self._flags = {}
        self._marks = {}
        self._set_row_count(len(self._faces))
        self.endResetModel()

    def append_faces(self, faces: list[FaceRef]) -> None:
        """Add faces at the end (the next page of a long list)."""
        # the page's own work only: 50,000 faces shown, a page of 600 must not walk them all
        fresh: list[FaceRef] = []
        for f in faces:
            if f.id not in self._ids:
                self._ids.add(f.id)
                fresh.append(f)
        if not fresh:
            return
        first = len(self._faces)
        self._faces.extend(fresh)
        if self._by_key is not None:
            for row, face in enumerate(fresh, first):
                self._by_key.setdefault((face.path, face.box), []).append(row)
        self.insertRows(first, len(fresh))  # tells the views (the faces are in place)

    def set_marks(self, marks: dict[int, str]) -> None:
        """Captions for some faces (face id -> text), such as the year each year starts."""
        self._marks = dict(marks)
        if self._faces:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._faces) - 1, 0))

    def set_flags(self, flags: dict[int, float]) -> None:
        """Faces that look unlike the rest of their group: face id -> similarity to the rest."""
        self._flags = dict(flags)
        if self._faces:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._faces) - 1, 0))

    def flagged(self) -> list[int]:
        """Flagged faces in order."""
        return [f.id for f in self._faces if f.id in self._flags]

    def faces(self) -> list[FaceRef]:
        """The faces in order."""
        return list(self._faces)

    def face_at(self, row: int) -> FaceRef:
        """The face of a row."""
        return self._faces[row]

    def row_of(self, face_id: int) -> int:
        """The row of a face, or -1."""
        return next((r for r, f in enumerate(self._faces) if f.id == face_id), -1)

    def _thumb_ready(self, key: ThumbKey) -> None:
        # a lookup, not a walk: 50,000 faces and a thumbnail arriving every few milliseconds
        if self._by_key is None:
            self._by_key = {}
            for row, face in enumerate(self._faces):
                self._by_key.setdefault((face.path, face.box), []).append(row)
        for row in self._by_key.get((key.path, key.box), ()):
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])
