"""A grid of photos (of one person, or of several people together)."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from faceorganizer.gui.thumbnails import PHOTO_SIZE, ThumbKey, ThumbnailCache

PhotoIdRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


class PhotoListModel(QAbstractListModel):
    """(photo id, path) rows."""

    def __init__(self, thumbs: ThumbnailCache | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._photos: list[tuple[int, str]] = []
        self.thumbs = thumbs
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._photos)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._photos):
            return None
        pid, path = self._photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(path)
        if role == PhotoIdRole:
            return pid
        if role == PathRole:
            return path
        if role == Qt.ItemDataRole.ToolTipRole:
            return path
        if role == Qt.ItemDataRole.DecorationRole and self.thumbs is not None:
            return self.thumbs.get(ThumbKey(path, None, PHOTO_SIZE))
        return None

    def set_photos(self, photos: list[tuple[int, str]]) -> None:
        """Replace the photos."""
        self.beginResetModel()
        self._photos = list(photos)
        self.endResetModel()

    def photos(self) -> list[tuple[int, str]]:
        """(photo id, path) in order."""
        return list(self._photos)

    def _thumb_ready(self, key: ThumbKey) -> None:
        if key.box is not None:
            return
        for row, (_pid, path) in enumerate(self._photos):
            if path == key.path:
                idx = self.index(row, 0)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])
