"""The people grid: search, round avatars, drag a person onto another to merge."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from faceorganizer.gui.delegates import PERSON_CELL, PersonDelegate
from faceorganizer.gui.menus import popup_actions
from faceorganizer.gui.people_model import (
    PERSON_MIME,
    SORTS,
    PersonFilterModel,
    PersonIdRole,
    PersonListModel,
    auto_fold,
    auto_small_under,
)


def setup_grid(view: QListView, cell: QSize) -> None:
    """An icon grid of uniform cells that reflows with the window."""
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setUniformItemSizes(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setGridSize(QSize(cell.width() + 8, cell.height() + 8))
    view.setSpacing(0)
    view.setWrapping(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setMouseTracking(True)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)


class PeopleListView(QListView):
    """The grid; dropping people on a person asks to merge them into it."""

    merge_requested = Signal(int, list)  # target id, source ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        setup_grid(self, PERSON_CELL)
        self.setObjectName("peopleGrid")
        # a Static icon view turns dragging off (and its viewport's drops): turn both back on
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(PERSON_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if (
            event.mimeData().hasFormat(PERSON_MIME)
            and self.indexAt(event.position().toPoint()).isValid()
        ):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        target = self.indexAt(event.position().toPoint())
        if not mime.hasFormat(PERSON_MIME) or not target.isValid():
            event.ignore()
            return
        raw = bytes(mime.data(PERSON_MIME).data()).decode()
        sources = [int(x) for x in raw.split(",") if x.strip().isdigit()]
        target_id = int(target.data(PersonIdRole))
        sources = [s for s in sources if s != target_id]
        event.setDropAction(Qt.DropAction.CopyAction)  # the view must not remove rows itself
        event.accept()
        if sources:
            self.merge_requested.emit(target_id, sources)


class PeopleView(QWidget):
    """Search box, the people grid and a line that says how many there are."""

    open_person = Signal(int)
    open_unsorted = Signal()
    open_review = Signal()
    placeholder_changed = Signal()  # the scan's progress shown here, or no longer

    def __init__(self, model: PersonListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = PersonFilterModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.fold = 0  # "auto", as the fold box starts
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search people by name…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.search.textChanged.connect(self.proxy.set_search)
        self.title = QLabel("People", self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.setObjectName("peoplePage")
        self.search.setObjectName("peopleSearch")
        self.count = QLabel("", self)
        self.count.setObjectName("peopleCount")
        self.count.setStyleSheet("color: #666")
        self.unsorted_button = QPushButton("Unsorted faces", self)
        self.unsorted_button.setObjectName("openUnsorted")
        self.unsorted_button.setToolTip("Faces in no person yet: name, assign or ignore them")
        self.unsorted_button.clicked.connect(self.open_unsorted.emit)
        self.review_button = QPushButton("Same person?", self)
        self.review_button.setObjectName("openReview")
        self.review_button.setToolTip("Groups that might be one person: answer yes or no")
        self.review_button.clicked.connect(self.open_review.emit)
        # thousands of groups: small unnamed ones fold into one entry, sorted as asked
        self.small_button = QPushButton("Small groups", self)
        self.small_button.setObjectName("smallGroups")
        self.small_button.setCheckable(True)
        self.small_button.setToolTip(
            "Unnamed groups of few faces, folded away: click to look through them"
        )
        self.small_button.toggled.connect(lambda _on: self._refold())
        self.fold = QSpinBox(self)
        self.fold.setObjectName("foldUnder")
        self.fold.setRange(0, 100)
        self.fold.setSpecialValueText("fold small groups: auto")
        self.fold.setPrefix("fold under ")
        self.fold.setSuffix(" faces")
        self.fold.setToolTip(
            "Unnamed groups with fewer faces than this are folded into “Small groups”"
            " (auto: under 3 once there are 100 unnamed groups; 1: fold nothing)"
        )
        self.fold.valueChanged.connect(lambda _v: self._refold())
        self.sort = QComboBox(self)
        self.sort.setObjectName("peopleSort")
        for key, text in SORTS.items():
            self.sort.addItem(f"Sort: {text}", key)
        self.sort.currentIndexChanged.connect(
            lambda _i: self.model.set_sort(str(self.sort.currentData()))
        )
        self.placeholder = QLabel("", self)
        self.placeholder.setObjectName("peoplePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #555; font-size: 15px")
        self.placeholder_bar = QProgressBar(self)
        self.placeholder_bar.setObjectName("peoplePlaceholderProgress")
        self.placeholder_bar.setFixedWidth(360)  # a bar, not a blip, while it is busy
        self.placeholder_bar.setTextVisible(False)
        self.scan_status = ""
        self.list = PeopleListView(self)
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(PersonDelegate(self.list))
        self.list.activated.connect(self._activated)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.menu_actions: list[QAction | None] = []
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count)
        top.addStretch(1)
        top.addWidget(self.unsorted_button)
        top.addWidget(self.review_button)
        top.addWidget(self.small_button)
        top.addWidget(self.search, 1)
        top.addWidget(self.sort)
        top.addWidget(self.fold)
        empty = QWidget(self)
        empty_box = QVBoxLayout(empty)
        empty_box.addStretch(1)
        empty_box.addWidget(self.placeholder)
        empty_box.addWidget(self.placeholder_bar, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_box.addStretch(2)
        self.body = QStackedWidget(self)
        self.body.addWidget(self.list)
        self.body.addWidget(empty)
        self.empty = empty
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(top)
        layout.addWidget(self.body, 1)
        # counts follow every change at once: new rows, removed rows, and renamed rows
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.layoutChanged,
        ):
            signal.connect(self._update_count)
        model.dataChanged.connect(self._data_changed)
        self.set_extra_counts(0, 0)
        self._update_count()

    def _data_changed(self, _first: Any, _last: Any, roles: Any = ()) -> None:
        if list(roles) != [Qt.ItemDataRole.DecorationRole]:  # an avatar arrived: no count moved
            self._update_count()

    def _update_count(self, *_args: Any) -> None:
        tally = self.model.tally()  # worked out once per change, not per signal
        n, named = tally.rows, tally.named
        under = self.small_under()
        small = tally.small(under)
        text = f"{named} named · {n - named} unnamed" if n else ""
        if self.small_button.isChecked():
            text += f" · showing the small groups (under {under} faces)"
        self.count.setText(text)
        self.small_button.setText(f"Small groups ({small})")
        self.small_button.setVisible(small > 0 or self.small_button.isChecked())
        if (self.proxy.fold, self.proxy.small_only) != (
            self.fold.value(),
            self.small_button.isChecked(),
        ):
            self._refold()
        elif self.proxy.used - {under}:  # rows filtered while "auto" meant another fold
            self.proxy.set_small(self.fold.value(), self.small_button.isChecked(), again=True)
        self._update_placeholder()

    def small_under(self, items: list[Any] | None = None) -> int:
        """The fold size in force: the user's, or what "auto" means for this library."""
        value = self.fold.value()
        if value > 0:
            return value
        if items is not None:
            return auto_small_under(items)
        return auto_fold(len(self.model.tally().unnamed_faces))

    def _refold(self) -> None:
        self.proxy.set_small(self.fold.value(), self.small_button.isChecked())
        self._update_count()

    def set_extra_counts(self, unsorted: int, questions: int, cap: int | None = None) -> None:
        """How many unsorted faces and "same person?" questions there are (0 hides); more
        questions than ``cap`` read "cap+" (the review page loads that many at a time)."""
        self.unsorted_button.setText(f"Unsorted faces ({unsorted})")
        self.unsorted_button.setVisible(unsorted > 0)
        shown = f"{cap}+" if cap is not None and questions > cap else str(questions)
        self.review_button.setText(f"Same person? ({shown})")
        self.review_button.setVisible(questions > 0)

    def set_scan_status(self, text: str, done: int = 0, total: int = 0) -> None:
        """What the scan is doing, shown in place of an empty grid ("" when no scan runs)."""
        self.scan_status = text
        if total > 0:
            self.placeholder_bar.setRange(0, total)
            self.placeholder_bar.setValue(done)
        else:
            self.placeholder_bar.setRange(0, 0)  # busy
        self._update_placeholder()

    def shows_scan_progress(self) -> bool:
        """Whether the scan's progress is shown here (in place of an empty grid)."""
        return bool(self.scan_status) and self.body.currentWidget() is self.empty

    def _update_placeholder(self) -> None:
        before = self.shows_scan_progress()
        self._place()
        if self.shows_scan_progress() != before or self.scan_status:
            self.placeholder_changed.emit()

    def _place(self) -> None:
        if self.model.rowCount():
            self.body.setCurrentWidget(self.list)
            return
        if self.scan_status:
            self.placeholder.setText(
                f"{self.scan_status}\nPeople appear here as their faces are found."
            )
            self.placeholder_bar.show()
        else:
            self.placeholder.setText(
                "No people yet. Add a photo folder (File ▸ Add Photo Folder…) or scan for new "
                "photos (File ▸ Scan for New Photos)."
            )
            self.placeholder_bar.hide()
        self.body.setCurrentWidget(self.empty)

    def _activated(self, index: QModelIndex) -> None:
        self.open_person.emit(int(index.data(PersonIdRole)))

    def _menu(self, pos: Any) -> None:
        popup_actions(self, self.list, pos, self.menu_actions)

    def selected_ids(self) -> list[int]:
        """Selected people, in display order."""
        rows = sorted(self.list.selectionModel().selectedIndexes(), key=lambda i: i.row())
        return [int(i.data(PersonIdRole)) for i in rows]

    def select_ids(self, ids: list[int]) -> None:
        """Select these people (others are deselected)."""
        sel = self.list.selectionModel()
        sel.clearSelection()
        for pid in ids:
            idx = self.proxy.mapFromSource(self.model.index_of(pid))
            if idx.isValid():
                sel.select(idx, QItemSelectionModel.SelectionFlag.Select)
                sel.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
