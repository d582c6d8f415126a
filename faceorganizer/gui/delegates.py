"""Painting grid cells: round person avatars with name and count, square face thumbnails."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from faceorganizer.gui.people_model import NameRole, PhotoCountRole

AnyIndex = QModelIndex | QPersistentModelIndex

FLAG_ROLE = Qt.ItemDataRole.UserRole + 4  # faces_model.FlagRole
FLAG_COLOR = QColor(230, 120, 20)
ORIGIN_ROLE = Qt.ItemDataRole.UserRole + 5  # faces_model.OriginRole
ORIGIN_BADGE = {"drawn by hand": "drawn", "from the file": "file"}
PERSON_CELL = QSize(150, 186)
AVATAR = 116
FACE_CELL = QSize(136, 152)
PHOTO_CELL = QSize(200, 190)
TILE_BYTES = 24 * 1024 * 1024  # painted person cells kept: ~220 cells of ~110 KB, 6 screens


def _bytes(pix: QPixmap) -> int:
    return pix.width() * pix.height() * max(pix.depth(), 8) // 8


def _placeholder(painter: QPainter, rect: QRect, round_: bool) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(200, 200, 205))
    if round_:
        painter.drawEllipse(rect)
    else:
        painter.drawRoundedRect(rect, 6, 6)


def _draw_selection(painter: QPainter, option: QStyleOptionViewItem, rect: QRect) -> None:
    if option.state & QStyle.StateFlag.State_Selected:
        color = option.palette.color(QPalette.ColorRole.Highlight)
        color.setAlpha(70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 10, 10)
    elif option.state & QStyle.StateFlag.State_MouseOver:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 18))
        painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 10, 10)


def _origin_badge(painter: QPainter, box: QRect, word: str) -> None:
    """A small dark tag in the thumbnail's bottom-left corner: where the face came from."""
    metrics = painter.fontMetrics()
    w, h = metrics.horizontalAdvance(word) + 8, metrics.height() + 2
    tag = QRectF(box.x() + 4, box.bottom() - h - 3, w, h)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 160))
    painter.drawRoundedRect(tag, 4, 4)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, word)


class PersonDelegate(QStyledItemDelegate):
    """A round face, the name (or "Unnamed") and the photo count."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return PERSON_CELL

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._tiles: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        self._tile_bytes = 0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """One cached picture of the whole cell: a grid repaints with one call a cell.

        Painting a cell takes a few dozen calls into Qt, each of which may wait for the GIL
        while a scan runs on worker threads; a cached cell takes one.
        """
        rect: QRect = option.rect
        pix: Any = index.data(Qt.ItemDataRole.DecorationRole)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        ratio = painter.device().devicePixelRatioF()
        key = (
            index.data(NameRole),
            index.data(PhotoCountRole),
            pix.cacheKey() if isinstance(pix, QPixmap) else 0,
            rect.width(),
            rect.height(),
            selected,
            hover,
            ratio,
            option.font.key(),
            option.palette.cacheKey(),
        )
        tile = self._tiles.get(key)
        if tile is None:
            tile = QPixmap(rect.size() * ratio)
            tile.setDevicePixelRatio(ratio)
            tile.fill(Qt.GlobalColor.transparent)
            local = QStyleOptionViewItem(option)
            local.rect = QRect(0, 0, rect.width(), rect.height())
            tile_painter = QPainter(tile)
            try:
                self._draw(tile_painter, local, index)
            finally:
                tile_painter.end()
            self._tiles[key] = tile
            self._tile_bytes += _bytes(tile)
            while self._tile_bytes > TILE_BYTES and len(self._tiles) > 1:
                _k, gone = self._tiles.popitem(last=False)
                self._tile_bytes -= _bytes(gone)
        else:
            self._tiles.move_to_end(key)
        painter.drawPixmap(rect.topLeft(), tile)

    def _draw(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw_selection(painter, option, rect)
        avatar = QRect(rect.x() + (rect.width() - AVATAR) // 2, rect.y() + 10, AVATAR, AVATAR)
        pix: Any = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pix, QPixmap) and not pix.isNull():
            path = QPainterPath()
            path.addEllipse(QRectF(avatar))
            painter.setClipPath(path)
            painter.drawPixmap(avatar, pix)
            painter.setClipping(False)
        else:
            _placeholder(painter, avatar, True)
        name = index.data(NameRole)
        label = str(name) if name else "Unnamed"
        font = QFont(option.font)
        font.setBold(bool(name))
        font.setItalic(not name)
        painter.setFont(font)
        text_color = option.palette.color(QPalette.ColorRole.Text)
        if not name:
            text_color = QColor(110, 110, 115)
        painter.setPen(text_color)
        metrics = painter.fontMetrics()
        text_rect = QRect(rect.x() + 4, avatar.bottom() + 8, rect.width() - 8, metrics.height())
        elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter, elided)
        count = int(index.data(PhotoCountRole) or 0)
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(QColor(120, 120, 125))
        count_rect = text_rect.translated(0, metrics.height() + 1)
        painter.drawText(
            count_rect, Qt.AlignmentFlag.AlignHCenter, f"{count} photo{'s' if count != 1 else ''}"
        )
        painter.restore()


class ThumbDelegate(QStyledItemDelegate):
    """A square thumbnail with an optional caption under it (faces and photos)."""

    def __init__(self, cell: QSize = FACE_CELL, parent: Any = None) -> None:
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return self.cell

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        _draw_selection(painter, option, rect)
        side = min(rect.width() - 16, rect.height() - 28)
        box = QRect(rect.x() + (rect.width() - side) // 2, rect.y() + 6, side, side)
        pix: Any = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pix, QPixmap) and not pix.isNull():
            scaled = pix.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(
                box.x() + (box.width() - scaled.width()) // 2,
                box.y() + (box.height() - scaled.height()) // 2,
                scaled.width(),
                scaled.height(),
            )
            clip = QPainterPath()
            clip.addRoundedRect(QRectF(target), 6, 6)
            painter.setClipPath(clip)
            painter.drawPixmap(target, pix)
            painter.setClipping(False)
        else:
            _placeholder(painter, box, False)
        if index.data(FLAG_ROLE) is not None:  # looks unlike the rest of its group
            painter.setPen(QPen(FLAG_COLOR, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(box).adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
        origin = index.data(ORIGIN_ROLE)
        if origin:  # a face drawn by hand or read from the file, not found by the detector
            _origin_badge(painter, box, ORIGIN_BADGE.get(str(origin), str(origin)))
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text:
            painter.setPen(option.palette.color(QPalette.ColorRole.Text))
            metrics = painter.fontMetrics()
            text_rect = QRect(rect.x() + 4, box.bottom() + 4, rect.width() - 8, metrics.height())
            elided = metrics.elidedText(str(text), Qt.TextElideMode.ElideMiddle, text_rect.width())
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter, elided)
        painter.restore()
