"""Pick a person from a searchable list of faces, or type a new name.

People are listed with their face, most alike first when the face in question is known
(``scores``); a person is selected in advance only when the face clearly looks like them, so
Enter never files a face under a doubtful guess. The dialog keeps clear of ``avoid`` (the face
it asks about, in screen coordinates).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
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

from faceorganizer.core.library import name_key
from faceorganizer.core.library.comparing import DIFFERENT_THRESHOLD as DIFFERENT
from faceorganizer.core.records import PersonItem
from faceorganizer.gui.captions import distinct_captions, photos_text, unnamed_caption
from faceorganizer.gui.dialogs.sizing import fit_title

SURE = 0.38  # "same person" at or above (docs/thresholds.md): FMR below 0.1 % on every set
SURE_MARGIN = 0.05  # and clearly ahead of the next person
ICON = 48
MIN_WIDTH, MIN_HEIGHT = 260, 240


def person_row_text(
    p: PersonItem, score: float | None = None, caption: str | None = None, current: bool = False
) -> str:
    """One line for a person: the name (or ``caption``, "Another unnamed group of 3 photos"),
    the photo count, how alike, and whether the face is theirs now. Never a file name: the
    row's picture shows the face."""
    # below the "different people" verdict a likeness is noise ("28% alike" offered Musk for
    # Jolie): the row is listed, without a number that reads as a chance
    alike = f" · {score:.0%} alike" if score is not None and score >= DIFFERENT else ""
    now = " (now)" if current else ""
    if p.name:
        return f"{caption or p.name}{now} · {photos_text(p.photo_count)}{alike}"
    return f"{caption or unnamed_caption(p.photo_count)}{now}{alike}"


def row_texts(
    people: list[PersonItem],
    scores: dict[int, float] | None = None,
    current: int | None = None,
) -> dict[int, str]:
    """Every row's text, in the order given; no two alike."""
    captions = distinct_captions(people)
    scores = scores or {}
    return {
        p.id: person_row_text(p, scores.get(p.id), captions[p.id], p.id == current) for p in people
    }


def preselect(scores: dict[int, float]) -> int | None:
    """The person to select in advance: only a clear, sure best match."""
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] < SURE:
        return None
    if len(ranked) > 1 and ranked[0] - ranked[1] < SURE_MARGIN:
        return None
    return max(scores, key=lambda k: scores[k])


class PersonPickerDialog(QDialog):
    """A search box over people; OK with no person chosen creates one with the typed name."""

    def __init__(
        self,
        people: list[PersonItem],
        title: str = "Move to…",
        *,
        allow_new: bool = True,
        parent: QWidget | None = None,
        scores: dict[int, float] | None = None,
        thumbs: Any = None,
        avoid: QRect | None = None,
        face_image: QPixmap | None = None,
        current: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("personPicker")
        self.setWindowTitle(title)
        fit_title(self)  # the title bar shows it whole
        self.resize(420, 520)
        self.allow_new = allow_new
        self.scores = dict(scores or {})
        self.thumbs = thumbs
        self.current = current
        order = {p.id: i for i, p in enumerate(people)}
        # the face's own person first (marked "now": picking it confirms the face), then the
        # others most alike first
        self.people = sorted(
            people,
            key=lambda p: (p.id != current, -self.scores.get(p.id, -2.0), order[p.id]),
        )
        self.face = QLabel(self)
        self.face.setObjectName("personPickerFace")
        if face_image is not None and not face_image.isNull():
            self.face.setPixmap(
                face_image.scaled(
                    96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )  # fmt: skip
        else:
            self.face.hide()
        self.search = QLineEdit(self)
        self.search.setObjectName("personPickerSearch")
        self.search.setPlaceholderText("Type a name, or pick a person below…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("personPickerList")
        self.list.setIconSize(QSize(ICON, ICON))
        self.list.setWordWrap(True)
        self.hint = QLabel("", self)
        self.hint.setObjectName("personPickerHint")
        self.hint.setStyleSheet("color: #666")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.face, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.search.textChanged.connect(self._filter)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        self.list.currentItemChanged.connect(lambda *_a: self._update_ok())
        self._items: dict[int, QListWidgetItem] = {}
        texts = row_texts(self.people, self.scores, current)
        for p in self.people:
            item = QListWidgetItem(texts[p.id])
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, name_key(p.name or "unnamed"))
            item.setSizeHint(QSize(0, ICON + 8))
            self._set_icon(item, p)
            self.list.addItem(item)
            self._items[p.id] = item
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)
        self._filter("")
        sure = preselect(self.scores)
        if sure is not None and sure in self._items:
            self.list.setCurrentItem(self._items[sure])
        self.search.setFocus()
        if avoid is not None:
            self.keep_clear_of(avoid)

    # -- faces --------------------------------------------------------------------------
    def _set_icon(self, item: QListWidgetItem, p: PersonItem) -> None:
        from faceorganizer.gui.thumbnails import set_cover_icon

        set_cover_icon(item, self.thumbs, p)

    def _thumb_ready(self, key: Any) -> None:
        for p in self.people:
            if p.cover is not None and (p.cover.path, p.cover.box) == (key.path, key.box):
                self._set_icon(self._items[p.id], p)

    # -- placement ------------------------------------------------------------------------
    def keep_clear_of(self, avoid: QRect) -> None:
        """Move the dialog beside ``avoid`` (screen coordinates), where there is most room;
        on a small screen it narrows (or shortens) to fit beside the face rather than over it."""
        screen = QGuiApplication.screenAt(avoid.center()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QRect(0, 0, 1920, 1080)
        gap = 16
        rooms = {
            "right": area.right() - avoid.right() - gap,
            "left": avoid.left() - area.left() - gap,
            "below": area.bottom() - avoid.bottom() - gap,
            "above": avoid.top() - area.top() - gap,
        }
        w, h = self.width(), self.height()
        fits = [side for side in rooms if rooms[side] >= (w if side in ("right", "left") else h)]
        side = fits[0] if fits else max(rooms, key=lambda k: rooms[k])
        if side in ("right", "left"):
            w = min(w, max(MIN_WIDTH, rooms[side]))
            h = min(h, area.height())
        else:
            h = min(h, max(MIN_HEIGHT, rooms[side]))
            w = min(w, area.width())
        self.resize(w, h)
        cy = max(area.top(), min(avoid.center().y() - h // 2, area.bottom() - h))
        cx = max(area.left(), min(avoid.center().x() - w // 2, area.right() - w))
        if side == "right":
            self.move(avoid.right() + gap, cy)
        elif side == "left":
            self.move(avoid.left() - gap - w, cy)
        elif side == "below":
            self.move(cx, avoid.bottom() + gap)
        else:
            self.move(cx, avoid.top() - gap - h)

    # -- choosing -------------------------------------------------------------------------
    def _filter(self, text: str) -> None:
        needle = name_key(text)  # the rule the store compares names by
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            match = needle in str(item.data(Qt.ItemDataRole.UserRole + 1))
            item.setHidden(not match)
            if match and first is None:
                first = item
        if needle:
            # typing is a choice: the best match of what was typed
            self.list.setCurrentItem(first) if first is not None else self.list.setCurrentRow(-1)
        exact = any(name_key(p.name or "") == needle for p in self.people)
        if needle and self.allow_new and not exact and first is None:
            self.hint.setText(f"OK creates a new person “{text.strip()}”")
        elif needle and self.allow_new and not exact:
            self.hint.setText(
                f"OK picks the selected person; clear the selection to create “{text.strip()}”"
            )
        else:
            self.hint.setText("")
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(self.choice() is not None)

    def choice(self) -> tuple[int | None, str | None] | None:
        """(person id, None) for a chosen person, (None, name) for a new one, or None."""
        item = self.list.currentItem()
        if item is not None and not item.isHidden() and item.isSelected():
            return int(item.data(Qt.ItemDataRole.UserRole)), None
        name = self.search.text().strip()
        if name and self.allow_new:
            return None, name
        return None
