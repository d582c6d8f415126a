"""One photo with every face box labelled with its person; a grid of photos."""

from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.records import FaceRef, origin_text
from faceorganizer.gui.captions import age_on, age_text, taken_text
from faceorganizer.gui.delegates import PHOTO_CELL, ThumbDelegate
from faceorganizer.gui.menus import page_title
from faceorganizer.gui.people_view import setup_grid
from faceorganizer.gui.photos_model import PhotoIdRole, PhotoListModel
from faceorganizer.gui.thumbnails import ThumbnailCache

NAMED = QColor(46, 160, 67)
UNNAMED = QColor(240, 160, 30)
FREE = QColor(200, 60, 60)


def when_and_ages(faces: list[FaceRef]) -> str:
    """ "   ·   3 May 2019, 14:22   ·   Anna 4 years old" for a photo's caption ("" if unknown)."""
    taken = next((f.taken for f in faces if f.taken), None)
    if not taken:
        return ""
    ages = [
        f"{f.person_name} {age_text(age_on(f.person_born, taken))}"
        for f in faces
        if f.person_name and age_on(f.person_born, taken) is not None
    ]
    return "   ·   " + "   ·   ".join([taken_text(taken), *ages])


def face_tip(face: FaceRef) -> str:
    """A face box's tooltip: who, and where the face came from when not from the detector."""
    who = face.person_name or ("Unnamed" if face.person_id else "Unknown")
    origin = origin_text(face.flags)
    return who if origin is None else f"{who} (a face {origin})"


class PhotoCanvas(QWidget):
    """Paints the photo scaled to fit, with boxes and name tags; a click on a box picks it."""

    face_clicked = Signal(int)
    find_face = Signal(int)  # "Find this face" on a box
    face_drawn = Signal(tuple)  # (x, y, w, h) in full-resolution photo coordinates
    drawing_done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap: QPixmap | None = None
        self.scale = 1.0  # full-resolution coordinates per pixmap pixel
        self.faces: list[FaceRef] = []
        self.highlight: int | None = None
        self.drawing = False
        self.drag_from: QPointF | None = None
        self.drag_rect: QRectF | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setMouseTracking(True)

    def set_photo(self, image: QImage | None, scale: float, faces: list[FaceRef]) -> None:
        """Show a decoded photo and its faces."""
        self.pixmap = QPixmap.fromImage(image) if image is not None else None
        self.scale = scale
        self.faces = faces
        self.update()

    def _target(self) -> tuple[QRectF, float]:
        """Where the pixmap is drawn and widget pixels per full-resolution unit."""
        if self.pixmap is None or self.pixmap.isNull():
            return QRectF(), 1.0
        pw, ph = self.pixmap.width(), self.pixmap.height()
        k = min(self.width() / pw, self.height() / ph)
        w, h = pw * k, ph * k
        rect = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        return rect, k / self.scale

    def box_rect(self, face: FaceRef) -> QRectF:
        """A face's box in widget coordinates, clipped to the photo (a detector's box may
        reach past the edge for a face cut by it)."""
        rect, k = self._target()
        x, y, w, h = face.box
        box = QRectF(rect.x() + x * k, rect.y() + y * k, w * k, h * k)
        return box.intersected(rect) if not rect.isNull() else box

    def global_box(self, face_id: int) -> QRect | None:
        """A face's box in screen coordinates (dialogs keep clear of it)."""
        face = next((f for f in self.faces if f.id == face_id), None)
        if face is None:
            return None
        box = self.box_rect(face).toAlignedRect()
        return QRect(self.mapToGlobal(box.topLeft()), box.size())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor(30, 30, 32))
        if self.pixmap is None:
            painter.setPen(QColor(180, 180, 180))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loading…")
            return
        target, _k = self._target()
        painter.drawPixmap(target, self.pixmap, QRectF(self.pixmap.rect()))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for face in self.faces:
            box = self.box_rect(face)
            color = NAMED if face.person_name else UNNAMED if face.person_id else FREE
            width = 3.0 if face.id == self.highlight else 2.0
            # a face drawn by hand or read from the file (not found by the detector): dashed
            dashed = origin_text(face.flags) is not None
            painter.setPen(
                QPen(color, width, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 4, 4)
            label = face.person_name or ("Unnamed" if face.person_id else "Unknown")
            tw = metrics.horizontalAdvance(label) + 10
            th = metrics.height() + 4
            tag = QRectF(box.x(), box.y() - th - 2, tw, th)
            if tag.y() < target.y():
                tag.moveTop(box.bottom() + 2)
            if tag.bottom() > target.bottom():
                tag.moveTop(box.y() + 2)  # inside the box when there is no room around it
            tag.moveLeft(max(target.x(), min(tag.x(), target.right() - tag.width())))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(tag, 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
        if self.drawing and self.drag_rect is not None:
            painter.setPen(QPen(QColor(80, 160, 255), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.drag_rect.intersected(target))

    def face_at(self, pos: QPointF) -> FaceRef | None:
        """The face whose box holds a point (the smallest when nested)."""
        hits = [f for f in self.faces if self.box_rect(f).contains(pos)]
        return min(hits, key=lambda f: f.box[2] * f.box[3]) if hits else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.drawing and event.button() == Qt.MouseButton.LeftButton:
            self.drag_from = event.position()
            self.drag_rect = QRectF(self.drag_from, self.drag_from)
            return
        face = self.face_at(event.position())
        if face is not None and event.button() == Qt.MouseButton.LeftButton:
            self.face_clicked.emit(face.id)
        else:
            super().mousePressEvent(event)

    # -- drawing a face the detector missed ---------------------------------------------------
    def set_drawing(self, on: bool) -> None:
        """Drag a box around a face the detector missed (the next drag draws one)."""
        self.drawing = on
        self.drag_from = None
        self.drag_rect = None
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.update()

    def photo_box(self, rect: QRectF) -> tuple[float, float, float, float] | None:
        """A widget rectangle as a box in the photo's full-resolution coordinates, clipped to
        the photo; None when too small to be a face (under 8 pixels of the photo)."""
        target, k = self._target()
        if target.isNull() or k <= 0:
            return None
        r = rect.normalized().intersected(target)
        x, y = (r.x() - target.x()) / k, (r.y() - target.y()) / k
        w, h = r.width() / k, r.height() / k
        if w < 8 or h < 8:
            return None
        return (round(x, 1), round(y, 1), round(w, 1), round(h, 1))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drawing and self.drag_from is not None:
            rect = QRectF(self.drag_from, event.position())
            box = self.photo_box(rect)
            self.set_drawing(False)
            self.drawing_done.emit()
            if box is not None:
                self.face_drawn.emit(box)
            return
        super().mouseReleaseEvent(event)

    def face_menu(self, face_id: int) -> QMenu:
        """The context menu of one face box."""
        menu = QMenu(self)
        find = menu.addAction("Find this face")
        find.triggered.connect(lambda _c=False: self.find_face.emit(face_id))
        who = menu.addAction("Who is this?…")
        who.triggered.connect(lambda _c=False: self.face_clicked.emit(face_id))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        face = self.face_at(QPointF(event.pos()))
        if face is None:
            super().contextMenuEvent(event)
            return
        menu = self.face_menu(face.id)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.drawing:
            if self.drag_from is not None:
                self.drag_rect = QRectF(self.drag_from, event.position()).normalized()
                self.update()
            return
        face = self.face_at(event.position())
        new = face.id if face else None
        if new != self.highlight:
            self.highlight = new
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if face else Qt.CursorShape.ArrowCursor
            )
            self.setToolTip(face_tip(face) if face else "")
            self.update()


class PhotoViewer(QWidget):
    """One photo at a time; ←/→ move through the current list of photos."""

    photo_requested = Signal(int)  # photo id to load
    face_clicked = Signal(int)
    find_face = Signal(int)
    back = Signal()
    open_folder = Signal(str)
    face_drawn = Signal(int, tuple)  # photo id, (x, y, w, h) in full-resolution coordinates
    hide_others = Signal(list)  # the photo's faces: hide the unnamed groups among them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo_ids: list[int] = []
        self.position = -1
        self.path = ""
        self.back_button = QPushButton("◀ Back", self)
        self.back_button.clicked.connect(self.back.emit)
        self.prev_button = QPushButton("←", self)
        self.next_button = QPushButton("→", self)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.setObjectName("viewerPage")
        self.folder_button = QPushButton("Open containing folder", self)
        self.folder_button.setObjectName("viewerOpenFolder")
        self.folder_button.clicked.connect(lambda: self.open_folder.emit(self.path))
        self.caption = QLabel("", self)
        self.hide_button = QPushButton("Hide everyone else", self)
        self.hide_button.setObjectName("viewerHideOthers")
        self.hide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide_button.setToolTip(
            "Hide every unnamed group with a face in this photo (strangers); named people stay."
            " One undo shows them again."
        )
        self.hide_button.clicked.connect(self._hide_others)
        self.hint = QLabel("Click a box to say who it is; right-click to find it", self)
        self.hint.setStyleSheet("color: #777")
        for b in (self.prev_button, self.next_button, self.back_button, self.folder_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.canvas = PhotoCanvas(self)
        self.canvas.setObjectName("viewerCanvas")
        self.canvas.face_clicked.connect(self.face_clicked.emit)
        self.canvas.find_face.connect(self.find_face.emit)
        self.add_face_button = QPushButton("Add a missed face", self)
        self.add_face_button.setObjectName("viewerAddFace")
        self.add_face_button.setCheckable(True)
        self.add_face_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.add_face_button.setToolTip("Drag a box around a face that has no box")
        self.add_face_button.toggled.connect(self._toggle_drawing)
        self.add_face_button.hide()  # shown when the library can embed a drawn face
        self.canvas.drawing_done.connect(lambda: self.add_face_button.setChecked(False))
        self.canvas.face_drawn.connect(self._drawn)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)
        top.addSpacing(8)
        top.addWidget(self.caption, 1)
        top.addWidget(self.hint)
        top.addWidget(self.add_face_button)
        top.addWidget(self.hide_button)
        top.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _toggle_drawing(self, on: bool) -> None:
        self.canvas.set_drawing(on)
        self.hint.setText(
            "Drag a box around the face"
            if on
            else "Click a box to say who it is; right-click to find it"
        )

    def _hide_others(self) -> None:
        self.hide_others.emit(list(self.canvas.faces))

    def _drawn(self, box: tuple[float, float, float, float]) -> None:
        pid = self.current()
        if pid is not None:
            self.face_drawn.emit(pid, box)

    def show_list(self, photo_ids: list[int], start: int) -> None:
        """Browse these photos, starting with ``start``."""
        self.photo_ids = list(photo_ids) or [start]
        self.position = self.photo_ids.index(start) if start in self.photo_ids else 0
        self._request()

    def current(self) -> int | None:
        """The photo shown."""
        return self.photo_ids[self.position] if 0 <= self.position < len(self.photo_ids) else None

    def step(self, delta: int) -> None:
        """Go to the next (1) or previous (-1) photo."""
        if not self.photo_ids:
            return
        new = max(0, min(len(self.photo_ids) - 1, self.position + delta))
        if new != self.position:
            self.position = new
            self._request()

    def _request(self) -> None:
        pid = self.current()
        if pid is not None:
            self.caption.setText(f"{self.position + 1} / {len(self.photo_ids)}")
            self.photo_requested.emit(pid)

    def set_photo(
        self, photo_id: int, path: str, image: QImage | None, scale: float, faces: list[FaceRef]
    ) -> None:
        """The loaded photo (ignored when the user moved on meanwhile)."""
        if photo_id != self.current():
            return
        self.path = path
        self.caption.setText(
            f"{self.position + 1} / {len(self.photo_ids)}   {os.path.basename(path)}"
            + when_and_ages(faces)
        )
        self.canvas.set_photo(image, scale, faces)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown):
            self.step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self.step(-1)
        elif key == Qt.Key.Key_Escape:
            self.back.emit()
        else:
            super().keyPressEvent(event)


class PhotoGridView(QWidget):
    """Photos of one person or of several people together."""

    open_photo = Signal(int)
    back = Signal()

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PhotoListModel(thumbs, self)
        self.back_button = QPushButton("◀ People", self)
        self.back_button.clicked.connect(self.back.emit)
        self.title = page_title("", self)
        self.grid = QListView(self)
        setup_grid(self.grid, PHOTO_CELL)
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(ThumbDelegate(PHOTO_CELL, self.grid))
        self.grid.activated.connect(self._activated)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(8)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)

    def set_photos(self, title: str, photos: list[tuple[int, str]]) -> None:
        """Show photos under a title."""
        self.title.setText(f"{title} — {len(photos)} photo{'s' if len(photos) != 1 else ''}")
        self.model.set_photos(photos)

    def _activated(self, index: QModelIndex) -> None:
        self.open_photo.emit(int(index.data(PhotoIdRole)))
