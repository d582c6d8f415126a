"""Settings: library folders, device, detection threshold, grouping, start-up scanning."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.gui.dialogs.sizing import fit_title
from faceorganizer.gui.settings import DEVICES, METHODS, AppSettings

DEVICE_WORDS = {
    "auto": "The graphics card if there is one, else the processor",
    "cpu": "The processor",
    "cuda": "The graphics card (NVIDIA)",
}
METHOD_WORDS = {
    "agglomerative": "Standard (recommended)",
    "hdbscan": "Cautious: only clear groups, more faces left unsorted",
}


class SettingsDialog(QDialog):
    """Edits AppSettings; ``apply()`` writes them."""

    def __init__(
        self,
        settings: AppSettings,
        ask_folder: Any = None,
        parent: QWidget | None = None,
        *,
        folders: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        fit_title(self)  # the title bar shows it whole
        self.settings = settings
        self.ask_folder = ask_folder
        # The folders are the library's (the window applies the edit); the settings' own
        # list is only what an older version left behind.
        self.folders = QListWidget(self)
        self.folders.addItems(settings.folders if folders is None else folders)
        self.folders_label = QLabel("Photo folders in this library:", self)
        self.folders_label.setBuddy(self.folders)
        add = QPushButton("Add folder…", self)
        remove = QPushButton("Remove", self)
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        self.setObjectName("settingsDialog")
        self.folders.setObjectName("settingsFolders")
        self.device = QComboBox(self)
        self.device.setObjectName("settingsDevice")
        for value in DEVICES:
            self.device.addItem(DEVICE_WORDS.get(value, value), value)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.detect = QDoubleSpinBox(self)
        self.detect.setObjectName("settingsDetect")
        self.detect.setRange(0.1, 0.99)
        self.detect.setSingleStep(0.05)
        self.detect.setValue(settings.detect_score)
        self.detect.setToolTip(
            "Higher: only clear faces are found. Lower: more faces, and more things that are "
            "not faces."
        )
        self.method = QComboBox(self)
        self.method.setObjectName("settingsMethod")
        for value in METHODS:
            self.method.addItem(METHOD_WORDS.get(value, value), value)
        self.method.setCurrentIndex(max(0, self.method.findData(settings.method)))
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("settingsStrictness")
        self.threshold.setRange(0.0, 1.5)
        self.threshold.setSingleStep(0.02)
        self.threshold.setSpecialValueText("Recommended")
        self.threshold.setValue(settings.threshold or 0.0)
        self.threshold.setToolTip(
            "How different two photos of one person may look and still be grouped together. "
            "Lower: stricter, more small groups to merge by hand. Higher: fewer groups, but "
            "look-alikes may end up together."
        )
        self.scan_on_start = QCheckBox("Look for new photos when the window opens", self)
        self.scan_on_start.setChecked(settings.scan_on_start)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        form = QFormLayout()
        form.addRow("Run face recognition on:", self.device)
        form.addRow("Find faces that are at least this clear:", self.detect)
        form.addRow("How faces are grouped:", self.method)
        form.addRow("How different one person's photos may look:", self.threshold)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folders_label)
        layout.addWidget(self.folders)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addWidget(self.scan_on_start)
        layout.addWidget(buttons)
        self.accepted.connect(self.apply)

    def _add(self) -> None:
        if self.ask_folder is not None:
            folder = self.ask_folder(self, "Add a library folder")
            if folder:
                self.folders.addItem(folder)

    def _remove(self) -> None:
        for item in self.folders.selectedItems():
            self.folders.takeItem(self.folders.row(item))

    def chosen_folders(self) -> list[str]:
        """The folders as the dialog shows them."""
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    def apply(self) -> None:
        """Write the settings (the window writes the folders to the library)."""
        s = self.settings
        s.device = str(self.device.currentData())
        s.detect_score = self.detect.value()
        s.method = str(self.method.currentData())
        s.threshold = self.threshold.value() or None
        s.scan_on_start = self.scan_on_start.isChecked()
        s.sync()
