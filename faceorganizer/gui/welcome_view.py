"""First run: add the folders that hold the photos."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

TEXT_WIDTH = 560


class WelcomeView(QWidget):
    """A friendly first page with one button."""

    add_folder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        title = QLabel("Welcome to FaceOrganizer", self)
        title.setObjectName("welcomeTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        text = QLabel(
            "Choose the folders that hold your photos. FaceOrganizer finds the faces in them "
            "and groups them by person, entirely on this computer: nothing is uploaded, and "
            "your photos are only ever read.",
            self,
        )
        text.setObjectName("welcomeText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # a word-wrapped label gets the height its width needs only when the layout, not an
        # alignment flag, decides its width: a fixed width in a centring row
        text.setFixedWidth(TEXT_WIDTH)
        text.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        text.setMinimumHeight(text.heightForWidth(TEXT_WIDTH))
        self.title, self.text = title, text
        self.button = QPushButton("Add a photo folder…", self)
        self.button.setObjectName("welcomeAddFolder")
        self.button.setMinimumHeight(40)
        self.button.clicked.connect(self.add_folder.emit)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addSpacing(12)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(text)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(20)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
