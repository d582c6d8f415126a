"""Export albums: chosen people, together or one folder each, copy / hard link / symlink."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.store.browse import PersonItem
from faceorganizer.gui.worker import JobContext, Jobs

MODES = [("Copy the photos", "copy"), ("Hard links (no extra space)", "hardlink"),
         ("Symbolic links", "symlink")]  # fmt: skip


def run_export(
    ctx: JobContext,
    db_path: Path,
    people: list[tuple[int, str]],
    together: bool,
    target: str,
    mode: str,
) -> Any:
    """The export job: albums from the database, then export_albums (worker thread)."""
    from faceorganizer.core.export.albums import Album, export_albums
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.people import PeopleRepository

    with Database(db_path) as db:
        repo = PeopleRepository(db)
        if together:
            photos = repo.photos_with_all([pid for pid, _ in people])
            albums = [Album(" & ".join(n for _, n in people), [Path(p) for _, p in photos])]
        else:
            albums = [
                Album(name, [Path(p) for _, p in repo.photos_with_all([pid])])
                for pid, name in people
            ]
    return export_albums(
        albums,
        Path(target),
        mode=mode,  # type: ignore[arg-type]
        progress=lambda done, total: ctx.progress((done, total)),
        should_stop=ctx.should_stop,
    )


class ExportDialog(QDialog):
    """Choose people, how and where; shows progress and what was done."""

    finished_export = Signal(object)  # ExportResult

    def __init__(
        self,
        jobs: Jobs,
        db_path: Path,
        people: list[PersonItem],
        preselect: list[int] | None = None,
        ask_folder: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export albums")
        self.resize(520, 560)
        self.jobs = jobs
        self.db_path = db_path
        self.ask_folder = ask_folder
        self.result_value: Any = None
        self.job: Any = None

        self.people_list = QListWidget(self)
        chosen = set(preselect or [])
        for p in people:
            item = QListWidgetItem(f"{p.label}  ({p.photo_count} photos)")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, p.name or f"Unnamed {p.id}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in chosen else Qt.CheckState.Unchecked)
            self.people_list.addItem(item)
        self.per_person = QRadioButton("One album per person", self)
        self.together = QRadioButton("One album: photos where they are all together", self)
        self.per_person.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.per_person)
        group.addButton(self.together)
        self.mode = QComboBox(self)
        for label, value in MODES:
            self.mode.addItem(label, value)
        self.target = QLineEdit(self)
        self.target.setObjectName("exportTarget")
        self.target.setPlaceholderText("Folder to export into")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(browse)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.setValue(0)
        self.summary = QLabel("", self)
        self.summary.setObjectName("exportSummary")
        self.summary.setWordWrap(True)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.close_button = QPushButton("Close", self)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.cancel_button.setEnabled(False)

        form = QFormLayout()
        form.addRow("How:", self.mode)
        form.addRow("Where:", target_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("People to export:", self))
        layout.addWidget(self.people_list, 1)
        layout.addWidget(self.per_person)
        layout.addWidget(self.together)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

    def _browse(self) -> None:
        if self.ask_folder is not None:
            folder = self.ask_folder(self, "Export into")
            if folder:
                self.target.setText(folder)

    def checked(self) -> list[tuple[int, str]]:
        """(person id, album name) of the checked people."""
        out = []
        for i in range(self.people_list.count()):
            item = self.people_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(
                    (
                        int(item.data(Qt.ItemDataRole.UserRole)),
                        str(item.data(Qt.ItemDataRole.UserRole + 1)),
                    )
                )
        return out

    def set_checked(self, ids: list[int]) -> None:
        """Check exactly these people."""
        for i in range(self.people_list.count()):
            item = self.people_list.item(i)
            on = int(item.data(Qt.ItemDataRole.UserRole)) in ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def start(self) -> None:
        """Run the export in the background."""
        people = self.checked()
        target = self.target.text().strip()
        if not people:
            self.summary.setText("Choose at least one person.")
            return
        if not target:
            self.summary.setText("Choose a folder to export into.")
            return
        together = self.together.isChecked() and len(people) > 1
        mode = str(self.mode.currentData())
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.summary.setText("Exporting…")
        self.progress.setValue(0)
        db_path = self.db_path
        self.job = self.jobs.submit(
            lambda ctx: run_export(ctx, db_path, people, together, target, mode),
            on_result=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            on_finished=self._ended,
            channel="export",
            name="export",
        )

    def cancel(self) -> None:
        """Stop the export (only complete files are left)."""
        if self.job is not None:
            self.job.cancel()
            self.summary.setText("Export cancelled; the files written so far are complete.")

    def _progress(self, value: Any) -> None:
        done, total = value
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total} photos")

    def _done(self, result: Any) -> None:
        self.result_value = result
        lines = [
            f"Done: {len(result.written)} written, {len(result.skipped_existing)} already there,"
            f" {len(result.failed)} failed."
        ]
        if result.copied_instead_of_linked:
            lines.append(f"{len(result.copied_instead_of_linked)} copied (could not hard-link).")
        for src, reason in result.failed[:5]:
            lines.append(f"• {src.name}: {reason}")
        self.summary.setText("\n".join(lines))
        self.progress.setValue(self.progress.maximum())
        self.finished_export.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Export failed: {exc}")

    def _ended(self) -> None:
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.job = None

    def closeEvent(self, event: Any) -> None:
        if self.job is not None:
            self.job.cancel()
        super().closeEvent(event)
