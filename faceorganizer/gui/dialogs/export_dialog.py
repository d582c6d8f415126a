"""Export albums: chosen people, together or one folder each, copy / hard link / symlink."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
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

from faceorganizer.core.library import Library
from faceorganizer.core.records import PersonItem
from faceorganizer.gui.dialogs.person_picker import ICON, row_texts
from faceorganizer.gui.dialogs.sizing import fit_title
from faceorganizer.gui.thumbnails import set_cover_icon
from faceorganizer.gui.worker import JobContext, Jobs

MODES = [("Copy the photos", "copy"), ("Hard links (no extra space)", "hardlink"),
         ("Symbolic links", "symlink")]  # fmt: skip
CHOSEN_NAMES = 12  # names listed before "and N more"


def run_export(
    ctx: JobContext,
    library: Library,
    people: list[tuple[int, str]],
    together: bool,
    target: str,
    mode: str,
) -> Any:
    """The export job (worker thread): the library's album export."""
    done = library.export_albums(
        people,
        Path(target),
        together=together,
        mode=mode,
        progress=lambda n, total: ctx.progress((n, total)),
        should_stop=ctx.should_stop,
    )
    return done.result


class ExportDialog(QDialog):
    """Choose people, how and where; shows progress and what was done."""

    finished_export = Signal(object)  # ExportResult

    def __init__(
        self,
        jobs: Jobs,
        library: Library,
        people: list[PersonItem],
        preselect: list[int] | None = None,
        ask_folder: Any = None,
        parent: QWidget | None = None,
        thumbs: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export albums")
        fit_title(self)  # the title bar shows it whole
        self.resize(520, 560)
        self.jobs = jobs
        self.library = library
        self.ask_folder = ask_folder
        self.result_value: Any = None
        self.job: Any = None

        self.setObjectName("exportDialog")
        self.people_list = QListWidget(self)
        self.people_list.setObjectName("exportPeopleList")
        self.people_list.setIconSize(QSize(ICON, ICON))
        self.thumbs = thumbs
        self._people = {p.id: p for p in people}
        chosen = set(preselect or [])
        unnamed = 0
        texts = row_texts(people)
        names: dict[int, str] = {}
        for p in people:
            if not p.name:
                unnamed += 1
            names[p.id] = p.name or f"Unnamed {unnamed}"
        # Who is ticked comes first: a tick below the visible part of the list exported an
        # album nobody saw chosen (issue 31).
        ordered = [p for p in people if p.id in chosen] + [p for p in people if p.id not in chosen]
        for p in ordered:
            item = QListWidgetItem(texts[p.id])
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, names[p.id])
            self._set_icon(item, p)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in chosen else Qt.CheckState.Unchecked)
            self.people_list.addItem(item)
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)
        self.per_person = QRadioButton("One album per person", self)
        self.chosen = QLabel("", self)  # who will be written: the count and the names
        self.chosen.setObjectName("exportChosen")
        self.chosen.setWordWrap(True)
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
        self.people_list.itemChanged.connect(lambda _item: self._show_chosen())
        self.together.toggled.connect(lambda _on: self._show_chosen())

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
        layout.addWidget(self.chosen)
        layout.addLayout(buttons)
        self._show_chosen()

    def _show_chosen(self) -> None:
        """Say, before the button, exactly who the export will write (``checked()``)."""
        people = self.checked()
        names = [name for _pid, name in people]
        shown = ", ".join(names[:CHOSEN_NAMES])
        if len(names) > CHOSEN_NAMES:
            shown += f" and {len(names) - CHOSEN_NAMES} more"
        n = len(people)
        if not n:
            text, button = "No one is chosen yet: tick the people to export.", "Export"
        elif self.together.isChecked() and n > 1:
            text = f"1 album of the photos where these {n} people are all together: {shown}."
            button = "Export 1 album"
        else:
            person = "1 person" if n == 1 else f"{n} people"
            text = f"{person} will be exported, one album each: {shown}."
            button = "Export 1 album" if n == 1 else f"Export {n} albums"
        self.chosen.setText(text)
        self.export_button.setText(button)
        self.export_button.setEnabled(bool(n) and self.job is None)

    def _set_icon(self, item: QListWidgetItem, p: PersonItem) -> None:
        set_cover_icon(item, self.thumbs, p)

    def _thumb_ready(self, key: Any) -> None:
        for i in range(self.people_list.count()):
            item = self.people_list.item(i)
            p = self._people.get(int(item.data(Qt.ItemDataRole.UserRole)))
            if (
                p is not None
                and p.cover is not None
                and (p.cover.path, p.cover.box)
                == (
                    key.path,
                    key.box,
                )
            ):
                self._set_icon(item, p)

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
        library = self.library
        self.job = self.jobs.submit(
            lambda ctx: run_export(ctx, library, people, together, target, mode),
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
        self.cancel_button.setEnabled(False)
        self.job = None
        self._show_chosen()

    def closeEvent(self, event: Any) -> None:
        if self.job is not None:
            self.job.cancel()
        super().closeEvent(event)
