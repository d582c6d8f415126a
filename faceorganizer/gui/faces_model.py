"""Grids of faces (a person's faces, suggestions, ignored faces): ids and boxes in memory."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

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


class FaceListModel(QAbstractListModel):
    """Faces with an optional score each (a suggestion's similarity)."""

    def __init__(self, thumbs: ThumbnailCache | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._faces: list[FaceRef] = []
        self._scores: dict[int, float] = {}
        self._flags: dict[int, float] = {}
        self._marks: dict[int, str] = {}  # face id -> caption (the year a group of faces starts)
        self._by_key: dict[tuple[str, Any], list[int]] | None = None  # (path, box) -> rows
        self.thumbs = thumbs
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._faces)

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
        self._by_key = None
        self._scores = dict(scores or {})
        self._flags = {}
        self._marks = {}
        self.endResetModel()

    def append_faces(self, faces: list[FaceRef]) -> None:
        """Add faces at the end (the next page of a long list)."""
        have = {f.id for f in self._faces}
        faces = [f for f in faces if f.id not in have]
        if not faces:
            return
        first = len(self._faces)
        self.beginInsertRows(QModelIndex(), first, first + len(faces) - 1)
        self._faces.extend(faces)
        self._by_key = None
        self.endInsertRows()

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
