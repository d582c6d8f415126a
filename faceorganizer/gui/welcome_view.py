"""First run: add the folders that hold the photos."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomeView(QWidget):
    """A friendly first page with one button."""

    add_folder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Welcome to FaceOrganizer", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Choose the folders that hold your photos. FaceOrganizer finds the faces in them "
            "and groups them by person, entirely on this computer: nothing is uploaded, and "
            "your photos are only ever read.",
            self,
        )
        text.setWordWrap(True)
        text.setMaximumWidth(560)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton("Add a photo folder…", self)
        self.button.setMinimumHeight(40)
        self.button.clicked.connect(self.add_folder.emit)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(20)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
