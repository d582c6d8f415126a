"""The people grid's model: person ids in display order, rows in memory, no I/O in data()."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from faceorganizer.core.records import Changes, PersonItem
from faceorganizer.gui.heap import freeze_heap
from faceorganizer.gui.thumbnails import FACE_SIZE, ThumbKey, ThumbnailCache

PERSON_MIME = "application/x-faceorganizer-person-ids"

PersonIdRole = Qt.ItemDataRole.UserRole + 1
NameRole = Qt.ItemDataRole.UserRole + 2
PhotoCountRole = Qt.ItemDataRole.UserRole + 3
FaceCountRole = Qt.ItemDataRole.UserRole + 4
CoverKeyRole = Qt.ItemDataRole.UserRole + 5
HiddenRole = Qt.ItemDataRole.UserRole + 6

AnyIndex = QModelIndex | QPersistentModelIndex


# the sorts the People view offers; the first is the default (``sort_key``)
SORTS = {"name": "Name", "photos": "Most photos", "recent": "Most recent photo"}
# Groups of fewer faces than this are folded into one "Small groups" entry by default: Immich
# hides people under 3 faces, and of the 2,920 groups of a 23,506-photo library 1,248 held two
# faces (issue 30): folding them leaves the groups worth a look.
SMALL_GROUP_DEFAULT = 3
FOLD_FROM_GROUPS = 100  # "auto" folds only where the unnamed groups would make a wall


def auto_small_under(items: Iterable[PersonItem]) -> int:
    """The fold size "auto" means: SMALL_GROUP_DEFAULT once there are FOLD_FROM_GROUPS unnamed
    groups or more, else 1 (nothing folded: a small library shows every group)."""
    return auto_fold(sum(1 for i in items if i.name is None))


def auto_fold(unnamed: int) -> int:
    """``auto_small_under`` from the number of unnamed groups."""
    return SMALL_GROUP_DEFAULT if unnamed >= FOLD_FROM_GROUPS else 1


@dataclass(frozen=True)
class Tally:
    """What the People view's counts need, worked out once per change of the rows."""

    rows: int
    named: int  # rows with a name
    unnamed_faces: list[int]  # the face counts of the unnamed groups, ascending

    def small(self, under: int) -> int:
        """How many unnamed groups have fewer than ``under`` faces (``is_small``)."""
        return bisect_left(self.unnamed_faces, under)


def sort_key(item: PersonItem, mode: str = "name") -> tuple[Any, ...]:
    """Named people first, then unnamed groups; within each, most photos first (``photos``),
    by name (``name``: unnamed groups most photos first), or most recent photo first
    (``recent``; undated last).

    The default is ``name``: ordered by size, each naming (a merge into a name) changed counts
    and the named tiles jumped about under the pointer (issue 31); by name, a tile stays put
    and a newly named one lands where its name says."""
    name = (item.name or "").casefold()
    if mode == "name":
        return (item.name is None, name, -item.photo_count, -item.face_count, item.id)
    if mode == "recent":
        latest = item.latest[:19] if item.latest else ""
        return (item.name is None, latest == "", _descending(latest), name, item.id)
    return (item.name is None, -item.photo_count, -item.face_count, name, item.id)


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def is_small(item: PersonItem, under: int) -> bool:
    """An unnamed, visible group of fewer than ``under`` faces: folded into "Small groups"."""
    return item.name is None and item.face_count < under


def cover_key(item: PersonItem) -> ThumbKey | None:
    """The thumbnail key of a person's avatar."""
    if item.cover is None:
        return None
    return ThumbKey(item.cover.path, item.cover.box)


class PersonListModel(QAbstractListModel):
    """People in display order; ``set_people`` and ``apply`` update rows in place."""

    def __init__(self, thumbs: ThumbnailCache | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: list[int] = []
        self._items: dict[int, PersonItem] = {}
        self._rows: dict[int, int] = {}
        self._by_cover: dict[tuple[str, Any], list[int]] | None = None  # avatar -> person ids
        self._tally: Tally | None = None
        self.sort_mode = "name"  # see sort_key
        self.thumbs = thumbs
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    # -- Qt API -----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        item = self._items[self._ids[index.row()]]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return item.label
        if role == PersonIdRole:
            return item.id
        if role == NameRole:
            return item.name
        if role == PhotoCountRole:
            return item.photo_count
        if role == FaceCountRole:
            return item.face_count
        if role == HiddenRole:
            return item.hidden
        if role == CoverKeyRole:
            return cover_key(item)
        if role == Qt.ItemDataRole.DecorationRole:
            key = cover_key(item)
            return self.thumbs.get(key) if key is not None and self.thumbs else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.label}: {item.photo_count} photo(s), {item.face_count} face(s)"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [PERSON_MIME]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        ids = [str(self._ids[i.row()]) for i in indexes if i.isValid()]
        mime.setData(PERSON_MIME, QByteArray(",".join(ids).encode()))
        return mime

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    # -- content ----------------------------------------------------------------------------
    def ids(self) -> list[int]:
        """Person ids in display order."""
        return list(self._ids)

    def item(self, person_id: int) -> PersonItem | None:
        """The row of a person."""
        return self._items.get(person_id)

    def row_of(self, person_id: int) -> int:
        """The row of a person, or -1."""
        return self._rows.get(person_id, -1)

    def index_of(self, person_id: int) -> QModelIndex:
        """The index of a person (invalid when absent)."""
        row = self.row_of(person_id)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    def set_people(self, items: list[PersonItem]) -> None:
        """Replace the content, keeping rows (and so selections) where people stay."""
        if not self._ids and items:
            # the first load (20,000 groups at start): inserted in display order at once, not
            # inserted and then sorted (a second pass of the filter and the view over them all)
            mode = self.sort_mode
            ordered = sorted(items, key=lambda i: sort_key(i, mode))
            self.beginInsertRows(QModelIndex(), 0, len(ordered) - 1)
            self._items = {i.id: i for i in ordered}
            self._ids = list(self._items)
            self._reindex()
            self.endInsertRows()
            # 20,000 people live as long as the list: no collector pass walks them again (a
            # full pass over them was a stall of the scrolling grid); refcounts still free them
            freeze_heap()
            return
        fresh = {i.id: i for i in items}
        self._remove([pid for pid in self._ids if pid not in fresh])
        self._upsert(items)

    def apply(self, changes: Changes, fresh: list[PersonItem]) -> None:
        """Update after an operation: ``fresh`` holds the current rows of the touched people.

        A touched person missing from ``fresh`` has no faces left (or was hidden): removed.
        """
        have = {i.id for i in fresh}
        touched = changes.people | changes.removed_people | changes.created_people
        self._remove([pid for pid in self._ids if pid in touched and pid not in have])
        self._upsert(fresh)

    def _remove(self, ids: list[int]) -> None:
        for pid in ids:
            row = self._rows.get(pid)
            if row is None:
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            del self._items[pid]
            self._reindex()
            self.endRemoveRows()

    def _upsert(self, items: list[PersonItem]) -> None:
        have = self._items
        new = [i for i in items if i.id not in have]
        changed_rows = []
        for item in items:
            old = have.get(item.id)
            if old is not None and old is not item and old != item:
                have[item.id] = item
                changed_rows.append(self._rows[item.id])
        if changed_rows:
            self._by_cover = None  # covers may have changed
            self._tally = None  # and names and sizes
        if new:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for item in new:
                self._items[item.id] = item
                self._ids.append(item.id)
            self._reindex()
            self.endInsertRows()
        for row in changed_rows:
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx)
        if new or changed_rows:  # else the order stands (a reload of 20,000 unchanged people)
            self._resort()

    def set_sort(self, mode: str) -> None:
        """Order by ``photos``, ``name`` or ``recent`` (named people always first)."""
        if mode in SORTS and mode != self.sort_mode:
            self.sort_mode = mode
            self._resort()

    def items(self) -> list[PersonItem]:
        """Every row's person, in display order."""
        return [self._items[pid] for pid in self._ids]

    def item_at(self, row: int) -> PersonItem:
        """The person of a row (the filter asks for 20,000 rows: no QModelIndex, no data())."""
        return self._items[self._ids[row]]

    def _resort(self) -> None:
        mode = self.sort_mode
        order = sorted(self._ids, key=lambda pid: sort_key(self._items[pid], mode))
        if order == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        old_ids = self._ids
        self._ids = order
        self._reindex()
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [
                self.index(self._rows[old_ids[p.row()]], 0)
                if 0 <= p.row() < len(old_ids)
                else QModelIndex()
                for p in persistent
            ],
        )
        self.layoutChanged.emit()

    def _reindex(self) -> None:
        self._rows = {pid: r for r, pid in enumerate(self._ids)}
        self._by_cover = None
        self._tally = None

    def tally(self) -> Tally:
        """Rows, named rows and the unnamed groups' sizes (kept until the rows change)."""
        if self._tally is None:
            items = self._items.values()
            self._tally = Tally(
                len(self._ids),
                sum(1 for i in items if i.name),
                sorted(i.face_count for i in items if i.name is None),
            )
        return self._tally

    def _thumb_ready(self, key: ThumbKey) -> None:
        if key.box is None or key.size != FACE_SIZE:
            return  # a photo's thumbnail, or another size: no avatar
        if self._by_cover is None:  # a lookup, not a walk over 20,000 people per avatar
            by_cover: dict[tuple[str, Any], list[int]] = {}
            for pid, item in self._items.items():
                cover = item.cover
                if cover is not None:  # (path, box): what cover_key makes, without making it
                    by_cover.setdefault((cover.path, cover.box), []).append(pid)
            self._by_cover = by_cover
        for pid in self._by_cover.get((key.path, key.box), ()):
            row = self._rows.get(pid)
            if row is not None:
                idx = self.index(row, 0)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class PersonFilterModel(QSortFilterProxyModel):
    """Search by name (unnamed groups match "unnamed").

    Rows are judged from the source's people directly: with 20,000 groups, three ``data()``
    calls per row made a search take a quarter of a second."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self.fold = 1  # fold under this many faces; 0: "auto" (auto_fold); 1: nothing folded
        self.small_only = False  # the "Small groups" entry is open: show only those
        self.needle = ""  # the search, case folded ("" shows everyone)
        self.used: set[int] = set()  # the folds rows were filtered with since the last pass

    @property
    def small_under(self) -> int:
        """The fold in force: ``fold``, or what "auto" means for the source's rows now (so a
        first load is filtered once, with the fold it calls for)."""
        if self.fold > 0:
            return self.fold
        source = self.sourceModel()
        if isinstance(source, PersonListModel):
            return auto_fold(len(source.tally().unnamed_faces))
        return 1

    def _changing(self, change: Any) -> None:
        self.used = set()  # every row is filtered again now
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter is deprecated there
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def set_small(self, under: int, only: bool, *, again: bool = False) -> None:
        """Fold unnamed groups of fewer than ``under`` faces away (0: "auto"; ``only``: show
        just them); ``again``: filter again though neither changed (what "auto" means did)."""
        if (under, only) == (self.fold, self.small_only) and not again:
            return

        def change() -> None:
            self.fold, self.small_only = under, only

        self._changing(change)

    def filterAcceptsRow(self, row: int, parent: AnyIndex) -> bool:
        source = self.sourceModel()
        if isinstance(source, PersonListModel):
            item = source.item_at(row)
            name, label, faces = item.name, item.label, item.face_count
        else:  # any other list of people: through its roles
            index = source.index(row, 0, parent)
            name, faces = index.data(NameRole), index.data(FaceCountRole)
            label = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if self.needle and self.needle not in label.casefold():
            return False
        under = self.fold or self.small_under
        self.used.add(under)
        return (name is None and faces < under) == self.small_only

    def set_search(self, text: str) -> None:
        """Show only people whose name contains ``text`` (case ignored)."""
        needle = text.strip().casefold()
        if needle == self.needle:
            return

        def change() -> None:
            self.needle = needle

        self._changing(change)
