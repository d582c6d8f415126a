"""Find by photo: for each face of a query photo, the people it may be, with their photos."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.library.comparing import DIFFERENT
from faceorganizer.core.library.finding import PEOPLE_SHOWN
from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.gui.captions import distinct_captions, photos_text
from faceorganizer.gui.menus import page_title
from faceorganizer.gui.thumbnails import FACE_SIZE, ThumbKey, ThumbnailCache, bgr_to_qimage

UNNAMED_ID = re.compile(r"^unnamed group \d+$")  # the core's label: no ids on screen
THUMB_SIZE = 128
FACE_ICON = 56  # each found person's face beside its name
QUERY_MARGIN = 0.3


@dataclass
class FoundFace:
    """One face of the query and what the library says about it (built in a worker)."""

    result: Any  # core.search.find.FaceResult
    image: QImage | None
    photos: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # person -> photos
    people: dict[int, PersonItem] = field(default_factory=dict)  # person -> name and counts
    faces: dict[int, FaceRef] = field(default_factory=dict)  # each person's most alike face


def people_details(library: Any, results: list[Any]) -> tuple[dict, dict]:
    """For find results (any thread): the ranked people's counts and their best faces."""
    ranked = [p for r in results for p in r.people[:PEOPLE_SHOWN]]
    if not ranked:
        return {}, {}
    return library.people_and_faces(
        sorted({p.person_id for p in ranked}), sorted({p.best_face_id for p in ranked})
    )


def likely(people: list[Any]) -> list[Any]:
    """The ranked people worth showing: those not judged different people."""
    return [p for p in people[:PEOPLE_SHOWN] if p.verdict != DIFFERENT]


def verdict_words(score: float, verdict: str) -> str:
    """ "similarity 73%: the same person", "similarity 33%: possibly the same person"."""
    said = {"same person": "the same person", "possibly": "possibly the same person"}
    return f"similarity {max(0.0, score):.0%}: {said.get(verdict, verdict)}"


def crop_face(pixels: np.ndarray, scale: float, box: tuple[float, float, float, float]) -> QImage:
    """A square QImage of one face (with some margin) from decoded BGR pixels (any thread).

    ``box`` is in full-resolution coordinates; ``scale`` maps pixel to full-resolution units.
    """
    import cv2

    x, y, w, h = (v / scale for v in box)
    side = max(w, h, 1.0) * (1.0 + 2.0 * QUERY_MARGIN)
    cx, cy = x + w / 2, y + h / 2
    ph, pw = pixels.shape[:2]
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(pw, int(cx + side / 2)), min(ph, int(cy + side / 2))
    crop = pixels[y0:y1, x0:x1]
    if crop.size == 0:
        crop = pixels
    crop = cv2.resize(crop, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return bgr_to_qimage(crop)


class FindView(QWidget):
    """The results page of a find."""

    back = Signal()
    open_photo = Signal(int, list)  # photo id, the photo ids to step through

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self.results: list[FoundFace] = []
        self.photo_ids: list[int] = []
        self.buttons: list[tuple[ThumbKey, QToolButton]] = []
        self.face_labels: list[tuple[ThumbKey, QLabel]] = []
        self.captions: dict[int, str] = {}
        self.setObjectName("findPage")
        self.back_button = QPushButton("◀ Back", self)
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.back.emit)
        self.title = page_title("Find by photo", self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.scroll_area.setWidget(self.body)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(8)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.scroll_area, 1)
        thumbs.ready.connect(self._thumb_ready)

    def _clear(self) -> None:
        self.results = []
        self.photo_ids = []
        self.buttons = []
        self.face_labels = []
        new = QWidget()
        self.body_layout = QVBoxLayout(new)
        self.scroll_area.setWidget(new)  # deletes the old body
        self.body = new

    def show_message(self, title: str, text: str) -> None:
        """A page with only a message (searching, no faces, cannot read)."""
        self._clear()
        self.title.setText(title)
        self.message.setText(text)

    def set_results(self, title: str, found: list[FoundFace]) -> None:
        """Show each query face with its people ranked and their matching photos."""
        self._clear()
        self.title.setText(title)
        self.results = found
        if not found:
            self.message.setText("No faces found in this photo.")
            return
        n = len(found)
        self.message.setText(f"{n} face{'s' if n != 1 else ''} found.")
        # one caption per person over the whole page, so alike groups read differently
        seen: dict[int, PersonItem] = {}
        for face in found:
            for p in likely(face.result.people):
                item = face.people.get(p.person_id)
                if item is not None:
                    seen.setdefault(item.id, item)
        self.captions = distinct_captions(seen.values())
        for face in found:
            self.body_layout.addWidget(self._section(face))
        self.body_layout.addStretch(1)

    def _section(self, face: FoundFace) -> QWidget:
        box = QFrame(self.body)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(box)
        query = QLabel(box)
        query.setFixedSize(FACE_SIZE, FACE_SIZE)
        if face.image is not None:
            query.setPixmap(QPixmap.fromImage(face.image))
        row.addWidget(query, 0, Qt.AlignmentFlag.AlignTop)
        people = QVBoxLayout()
        row.addLayout(people, 1)
        # people the verdict calls different are noise to a user: listed only when no one
        # else is, and then said plainly
        ranked = likely(face.result.people)
        if not ranked:
            none = "No one in the library looks like this face."
            people.addWidget(QLabel(none, box))
        for p in ranked:
            item = face.people.get(p.person_id)
            if item is not None:
                who = self.captions.get(item.id) or item.label
                if item.name:
                    who = f"{who} · {photos_text(item.photo_count)}"
            else:
                who = "An unnamed group" if UNNAMED_ID.match(p.person or "") else p.person
            head = QHBoxLayout()
            # the person's cover, as the People page shows them (after a merge the face most
            # like the query was another, and the two pages showed two faces for one person)
            best = item.cover if item is not None and item.cover is not None else None
            best = best or face.faces.get(p.best_face_id)
            if best is not None:
                head.addWidget(self._face_label(box, best))
            label = QLabel(f"<b>{who}</b> — {verdict_words(p.score, p.verdict)}", box)
            label.setObjectName("foundPerson")
            head.addWidget(label, 1)
            people.addLayout(head)
            strip = QHBoxLayout()
            for photo_id, path in face.photos.get(p.person_id, []):
                strip.addWidget(self._thumb_button(box, photo_id, path))
            strip.addStretch(1)
            people.addLayout(strip)
        return box

    def _face_label(self, parent: QWidget, face: FaceRef) -> QLabel:
        """The person's cover face (shows who the group is, as the People page does)."""
        label = QLabel(parent)
        label.setObjectName("foundPersonFace")
        label.setFixedSize(FACE_ICON, FACE_ICON)
        key = ThumbKey(face.path, face.box)
        self.face_labels.append((key, label))
        pix = self.thumbs.get(key, keep=True)  # a label asks once: never dropped for newer ones
        if pix is not None:
            label.setPixmap(_scaled(pix))
        return label

    def _thumb_button(self, parent: QWidget, photo_id: int, path: str) -> QToolButton:
        if photo_id not in self.photo_ids:
            self.photo_ids.append(photo_id)
        button = QToolButton(parent)
        button.setFixedSize(THUMB_SIZE + 8, THUMB_SIZE + 8)
        button.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        button.setToolTip(path)
        button.setObjectName("foundPhoto")
        button.setProperty("photo_id", photo_id)
        button.clicked.connect(lambda _c=False, pid=photo_id: self._open(pid))
        key = ThumbKey(path, None, THUMB_SIZE)
        self.buttons.append((key, button))
        pix = self.thumbs.get(key, keep=True)
        if pix is not None:
            button.setIcon(QIcon(pix))
        else:
            button.setText("…")
        return button

    def _thumb_ready(self, key: ThumbKey) -> None:
        for k, label in self.face_labels:
            if k == key and (pix := self.thumbs.get(key)) is not None:
                label.setPixmap(_scaled(pix))
        pix = self.thumbs.get(key) if any(k == key for k, _ in self.buttons) else None
        if pix is None:
            return
        for k, button in self.buttons:
            if k == key:
                button.setText("")
                button.setIcon(QIcon(pix))

    def _open(self, photo_id: int) -> None:
        self.open_photo.emit(photo_id, list(self.photo_ids))


def _scaled(pix: QPixmap) -> QPixmap:
    return pix.scaled(
        FACE_ICON,
        FACE_ICON,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
