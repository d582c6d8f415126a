"""A question about people that shows their faces: "Merge these?", "Only this face?"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.dialogs.sizing import fit_title

FACE = 72
MAX_FACES = 8

FaceGroup = tuple[str, list[FaceRef]]  # a caption ("Brad Pitt · 12 photos") and some faces


class FacesQuestionDialog(QDialog):
    """A text, rows of captioned faces, and one button per answer; ``answer`` is the choice."""

    def __init__(
        self,
        title: str,
        text: str,
        groups: list[FaceGroup],
        buttons: list[str],
        *,
        thumbs: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("facesQuestion")
        self.setWindowTitle(title)
        fit_title(self)  # the title bar shows it whole
        self.answer: str | None = None
        self.thumbs = thumbs
        self._labels: list[tuple[QLabel, FaceRef]] = []
        layout = QVBoxLayout(self)
        question = QLabel(text, self)
        question.setObjectName("facesQuestionText")
        question.setWordWrap(True)
        font = question.font()
        font.setBold(True)
        question.setFont(font)
        layout.addWidget(question)
        for i, (caption, faces) in enumerate(groups):
            cap = QLabel(caption, self)
            cap.setObjectName(f"facesQuestionCaption{i}")
            layout.addWidget(cap)
            row = QHBoxLayout()
            for face in faces[:MAX_FACES]:
                label = QLabel(self)
                label.setFixedSize(QSize(FACE, FACE))
                label.setStyleSheet("background: #ccc; border-radius: 6px")
                label.setToolTip(face.path)
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self._labels.append((label, face))
                row.addWidget(label)
            if len(faces) > MAX_FACES:
                row.addWidget(QLabel(f"+{len(faces) - MAX_FACES} more", self))
            row.addStretch(1)
            layout.addLayout(row)
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: list[QPushButton] = []
        for i, text_ in enumerate(buttons):
            button = QPushButton(text_, self)
            button.setObjectName(f"facesQuestionButton{i}")
            button.clicked.connect(lambda _c=False, t=text_: self._answer(t))
            row.addWidget(button)
            self.buttons.append(button)
        if self.buttons:
            self.buttons[-1].setDefault(True)
        layout.addLayout(row)
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)
        self._refresh()

    def _answer(self, text: str) -> None:
        self.answer = text
        self.accept()

    def _thumb_ready(self, _key: Any) -> None:
        self._refresh()

    def _refresh(self) -> None:
        if self.thumbs is None:
            return
        from faceorganizer.gui.thumbnails import ThumbKey

        for label, face in self._labels:
            if label.pixmap() is not None and not label.pixmap().isNull():
                continue
            pix = self.thumbs.get(ThumbKey(face.path, face.box))
            if pix is not None:
                label.setPixmap(
                    pix.scaled(
                        FACE, FACE, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )  # fmt: skip
