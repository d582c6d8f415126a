"""Review: the "same person?" questions between groups, one at a time, Y / N / S."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.menus import page_header, page_title
from faceorganizer.gui.thumbnails import ThumbKey, ThumbnailCache

FACE = 112
SHOWN = 5


class Question:
    """One "same person?" question as shown: the core's suggestion and both sides' faces."""

    def __init__(
        self,
        suggestion: Any,
        caption_a: str,
        caption_b: str,
        faces_a: list[FaceRef],
        faces_b: list[FaceRef],
    ) -> None:
        self.suggestion = suggestion
        self.caption_a, self.caption_b = caption_a, caption_b
        self.faces_a, self.faces_b = faces_a, faces_b

    @property
    def key(self) -> tuple[int, int]:
        return (int(self.suggestion.a), int(self.suggestion.b))


class ReviewView(QWidget):
    """Shows one question; Yes merges, No keeps the two apart for good, Skip asks later."""

    back = Signal()
    answered = Signal(object, str)  # Question, "yes" | "no"
    someone_new = Signal(object)  # Question: its unnamed group is someone else: name them

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.thumbs = thumbs
        self.questions: list[Question] = []
        self.skipped: set[tuple[int, int]] = set()
        self.current: Question | None = None
        self.back_button = QPushButton("◀ People", self)
        self.back_button.setObjectName("reviewBack")
        self.back_button.clicked.connect(self.back.emit)
        self.title = page_title("Same person?", self)
        self.count = QLabel("", self)
        self.count.setObjectName("reviewCount")
        self.count.setStyleSheet("color: #666")
        self.message = QLabel("", self)
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        self.rows: list[tuple[QLabel, list[QLabel]]] = []
        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card = card
        box = QVBoxLayout(card)
        for side in ("A", "B"):
            caption = QLabel("", card)
            caption.setObjectName(f"reviewCaption{side}")
            font = caption.font()
            font.setBold(True)
            caption.setFont(font)
            row = QHBoxLayout()
            labels = []
            for _ in range(SHOWN):
                face = QLabel(card)
                face.setFixedSize(QSize(FACE, FACE))
                face.setAlignment(Qt.AlignmentFlag.AlignCenter)
                face.setStyleSheet("background: #ddd; border-radius: 8px")
                row.addWidget(face)
                labels.append(face)
            row.addStretch(1)
            box.addWidget(caption)
            box.addLayout(row)
            self.rows.append((caption, labels))
        self.yes_button = QPushButton("Yes, same person (Y)", self)
        self.yes_button.setObjectName("reviewYes")
        self.no_button = QPushButton("No, different people (N)", self)
        self.no_button.setObjectName("reviewNo")
        self.skip_button = QPushButton("Skip (S)", self)
        self.skip_button.setObjectName("reviewSkip")
        self.new_button = QPushButton("Someone new — name them… (W)", self)
        self.new_button.setObjectName("reviewSomeoneNew")
        self.new_button.setToolTip("Neither: give the second group a name of its own")
        self.new_button.clicked.connect(lambda: self.answer("new"))
        self.yes_button.clicked.connect(lambda: self.answer("yes"))
        self.no_button.clicked.connect(lambda: self.answer("no"))
        self.skip_button.clicked.connect(lambda: self.answer("skip"))
        for key, what in (("Y", "yes"), ("N", "no"), ("S", "skip"), ("W", "new")):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda w=what: self.answer(w))
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.no_button)
        buttons.addWidget(self.yes_button)
        header = page_header(self.back_button, self.title, self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(card)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        thumbs.ready.connect(self._thumb_ready)
        self.set_questions([])

    def set_questions(self, questions: list[Question]) -> None:
        """The questions still open (skipped ones go last)."""
        fresh = [q for q in questions if q.key not in self.skipped]
        later = [q for q in questions if q.key in self.skipped]
        self.questions = fresh + later
        self._show_next()

    def answer(self, what: str) -> None:
        """Yes / No / Skip for the question shown."""
        q = self.current
        if q is None:
            return
        if what == "new":  # answered by naming it: the page reloads once the name is given
            self.someone_new.emit(q)
            return
        self.questions = [x for x in self.questions if x.key != q.key]
        if what == "skip":
            self.skipped.add(q.key)
            self.questions.append(q)
            self.questions = [x for x in self.questions if x.key not in self.skipped] + [
                x for x in self.questions if x.key in self.skipped
            ]
            self._show_next()
            return
        self.answered.emit(q, what)
        self._show_next()

    def _show_next(self) -> None:
        self.current = self.questions[0] if self.questions else None
        n = len(self.questions)
        self.count.setText(f"{n} question{'s' if n != 1 else ''} left" if n else "")
        has = self.current is not None
        self.card.setVisible(has)
        for b in (self.yes_button, self.no_button, self.skip_button, self.new_button):
            b.setEnabled(has)
        if not has:
            self.message.setText(
                "No questions right now. Questions appear when two groups might be the same person."
            )
            return
        q = self.current
        assert q is not None
        self.message.setText("Are these the same person? Yes merges them; No keeps them apart.")
        self.rows[0][0].setText(q.caption_a)
        self.rows[1][0].setText(q.caption_b)
        self._paint_faces()

    def _thumb_ready(self, key: ThumbKey) -> None:
        # one of this question's faces, not any of the thousands a grid elsewhere loads
        q = self.current
        if q is not None and any(
            (f.path, f.box) == (key.path, key.box) for f in (*q.faces_a, *q.faces_b)
        ):
            self._paint_faces()

    def _paint_faces(self) -> None:
        q = self.current
        if q is None:
            return
        for (_caption, labels), faces in zip(self.rows, (q.faces_a, q.faces_b), strict=True):
            for i, label in enumerate(labels):
                if i >= len(faces):
                    label.hide()
                    continue
                label.show()
                pix = self.thumbs.get(ThumbKey(faces[i].path, faces[i].box))
                if pix is None:
                    label.clear()
                else:
                    label.setPixmap(
                        pix.scaled(
                            FACE, FACE, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )  # fmt: skip
