"""File ▸ Import Names From…: names tagged in Picasa, digiKam or Google Takeout.

Choose the program and where its tags are; Preview runs the import as a dry run (a work-pool
job: nothing is written) and shows what it would do; Import runs it for real on the ops pool
(one undo step), then the window refreshes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.core.library import Library
from faceorganizer.gui.worker import JobContext, Jobs

SOURCES = [
    ("Picasa (a folder with .picasa.ini files)", "picasa"),
    ("digiKam (its database, digikam4.db)", "digikam"),
    ("Google Takeout (the Google Photos folder)", "takeout"),
]


def preview_text(report: Any, *, done: bool) -> str:
    """What an import did (or, as a preview, would do), in a few lines."""
    result = report.result
    names = {n.casefold() for _, n, _ in result.assigned + result.already}
    verb = "Imported" if done else "Would import"
    lines = [
        f"{verb} {len(result.assigned)} face name(s): {len(names)} people"
        f" ({len(result.created_people)} new), in {report.photos} photo(s).",
        f"Faces matched: {report.counts.matched}; faces made from the file's boxes:"
        f" {report.counts.from_metadata}; already named so: {len(result.already)}.",
        f"Ambiguous (left aside): {len(report.ambiguous)}; conflicts with names you gave:"
        f" {len(result.conflicts)}; photos not in the library: {len(report.not_in_library)}.",
    ]
    if report.skipped:
        lines.append(f"Problems: {len(report.skipped)} (first: {report.skipped[0][1]})")
    for path, name, _face, reason in result.conflicts[:3]:
        lines.append(f"• {Path(path).name}: not named {name}: {reason}")
    return "\n".join(lines)


class ImportNamesDialog(QDialog):
    """Choose a source, preview the import, then import (one undoable change)."""

    def __init__(
        self,
        jobs: Jobs,
        library: Library,
        on_imported: Callable[[Any], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importNamesDialog")
        self.setWindowTitle("Import names from another program")
        self.resize(560, 320)
        self.jobs, self.library, self.on_imported = jobs, library, on_imported
        self.report: Any = None  # the last preview or import
        self.previewed: Any = None  # the request the preview ran

        self.source = QComboBox(self)
        self.source.setObjectName("importSource")
        for label, value in SOURCES:
            self.source.addItem(label, value)
        self.path = QLineEdit(self)
        self.path.setObjectName("importPath")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.contacts = QLineEdit(self)
        self.contacts.setPlaceholderText("optional: Picasa's contacts.xml")
        self.root_old = QLineEdit(self)
        self.root_old.setPlaceholderText("optional: the photos' folder on digiKam's computer")
        self.root_new = QLineEdit(self)
        self.root_new.setPlaceholderText("… and where that folder is now")
        self.summary = QLabel("Choose where the names are, then Preview.", self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.preview_button = QPushButton("Preview", self)
        self.preview_button.setObjectName("importPreview")
        self.import_button = QPushButton("Import", self)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        close = QPushButton("Close", self)
        self.preview_button.clicked.connect(self.preview)
        self.import_button.clicked.connect(self.start_import)
        close.clicked.connect(self.close)
        for edit in (self.path, self.contacts, self.root_old, self.root_new):
            edit.textChanged.connect(self._changed)
        self.source.currentIndexChanged.connect(self._changed)

        form = QFormLayout()
        form.addRow("From:", self.source)
        form.addRow("Where:", path_row)
        form.addRow("Contacts:", self.contacts)
        form.addRow("Photos were in:", self.root_old)
        form.addRow("Now in:", self.root_new)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)
        self._changed()

    # -- the request --------------------------------------------------------------------------
    def request(self, *, dry_run: bool) -> Any:
        """The import the fields describe."""
        from faceorganizer.core.library.importing import ImportRequest

        source = str(self.source.currentData())
        contacts = self.contacts.text().strip()
        old, new = self.root_old.text().strip(), self.root_new.text().strip()
        return ImportRequest(
            source,
            Path(self.path.text().strip()),
            Path(contacts) if contacts and source == "picasa" else None,
            [f"{old}={new}"] if old and new and source == "digikam" else [],
            dry_run,
        )

    def _changed(self, *_args: Any) -> None:
        source = self.source.currentData()
        self.contacts.setEnabled(source == "picasa")
        self.root_old.setEnabled(source == "digikam")
        self.root_new.setEnabled(source == "digikam")
        self.import_button.setEnabled(False)  # a new preview first: the counts must be true

    def _browse(self) -> None:
        if self.source.currentData() == "digikam":
            path, _ = QFileDialog.getOpenFileName(
                self, "digiKam's database", "", "digiKam database (digikam4.db);;All files (*)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder with the tagged photos")
        if path:
            self.path.setText(path)

    # -- preview, then import -----------------------------------------------------------------
    def preview(self) -> None:
        """A dry run in the background; its counts, then Import is offered."""
        if not self.path.text().strip():
            self.summary.setText("Choose where the names are.")
            return
        request, library = self.request(dry_run=True), self.library
        self.preview_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.summary.setText("Reading…")

        def job(ctx: JobContext) -> Any:
            return library.import_from(request, should_stop=ctx.should_stop)

        def done(report: Any) -> None:
            self.report, self.previewed = report, request
            self.summary.setText(preview_text(report, done=False))
            self.import_button.setEnabled(bool(report.result.assigned))

        self.jobs.submit(
            job,
            on_result=done,
            on_error=self._failed,
            on_finished=lambda: self.preview_button.setEnabled(True),
            channel="import-names",
            replace=True,
            name="import preview",
        )

    def start_import(self) -> None:
        """The import itself, on the ops pool (after any operation already queued)."""
        if self.previewed is None:
            return
        request, library = self.request(dry_run=False), self.library
        self.import_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.summary.setText("Importing…")

        def job(ctx: JobContext) -> Any:
            return library.import_from(request, should_stop=ctx.should_stop)

        def done(report: Any) -> None:
            self.report = report
            self.summary.setText(preview_text(report, done=True))
            self.on_imported(report.result.changes if report.result.history_id else None)

        self.jobs.submit(
            job,
            on_result=done,
            on_error=self._failed,
            on_finished=lambda: self.preview_button.setEnabled(True),
            pool="ops",
            name="import names",
        )

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Cannot import: {exc}")
