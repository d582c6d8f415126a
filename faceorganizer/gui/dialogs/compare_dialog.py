"""Same person? Two faces side by side with the verdict, in ``faceorganizer compare``'s words
and numbers (the same core function answers both)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.gui.dialogs.sizing import fit_title

PICTURE = 160  # pixels a face is shown at


class CompareDialog(QDialog):
    """Two faces, their captions, the verdict in words, its numbers and what they mean."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Same person?")
        fit_title(self)  # the title bar shows it whole
        self.setMinimumWidth(2 * PICTURE + 120)
        self.pictures = [QLabel(self), QLabel(self)]
        self.captions = [QLabel(self), QLabel(self)]
        grid = QGridLayout()
        for col, (pic, cap) in enumerate(zip(self.pictures, self.captions, strict=True)):
            pic.setFixedSize(PICTURE, PICTURE)
            pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pic.setStyleSheet("background: #eee")
            cap.setWordWrap(True)
            cap.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            cap.setMaximumWidth(PICTURE + 40)
            grid.addWidget(pic, 0, col, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(cap, 1, col)
        self.verdict = QLabel("Comparing…", self)
        self.verdict.setObjectName("compareVerdict")
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.verdict.setFont(font)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.numbers = QLabel("", self)  # exactly the command line's line
        self.numbers.setObjectName("compareNumbers")
        self.numbers.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meaning = QLabel("", self)
        self.meaning.setObjectName("compareMeaning")
        self.meaning.setWordWrap(True)
        self.meaning.setStyleSheet("color: #666")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.verdict)
        layout.addWidget(self.numbers)
        layout.addWidget(self.meaning)
        layout.addWidget(buttons)

    def show_faces(self, images: list[QImage | None], captions: list[str]) -> None:
        """The two faces (a missing picture shows its caption only)."""
        for pic, cap, image, text in zip(
            self.pictures, self.captions, images, captions, strict=True
        ):
            cap.setText(text)
            if image is None or image.isNull():
                pic.clear()
            else:
                pic.setPixmap(
                    QPixmap.fromImage(image).scaled(
                        PICTURE,
                        PICTURE,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )

    def show_verdict(self, words: str, numbers: str, meaning: str) -> None:
        """The verdict in words ("Same person"), the numbers line, and what they mean."""
        self.verdict.setText(words)
        self.numbers.setText(numbers)
        self.meaning.setText(meaning)
