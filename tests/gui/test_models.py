"""The Qt models on their own: rows, roles, order after Changes, search; no widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPersistentModelIndex, Qt

from faceorganizer.core.records import Changes, FaceRef, PersonItem
from faceorganizer.gui.faces_model import FaceIdRole, FaceListModel, ScoreRole
from faceorganizer.gui.people_model import (
    CoverKeyRole,
    NameRole,
    PersonFilterModel,
    PersonIdRole,
    PersonListModel,
    PhotoCountRole,
)
from faceorganizer.gui.photos_model import PathRole, PhotoListModel
from faceorganizer.gui.thumbnails import ThumbKey
from tests.builders import face_ref, person_item


def face(fid: int, path: str = "/p/a.jpg") -> FaceRef:
    return face_ref(fid, photo_id=fid * 10, path=path, box=(1.0, 2.0, 30.0, 40.0))


def person(pid: int, name: str | None, faces: int, photos: int | None = None) -> PersonItem:
    return person_item(pid, name, faces=faces, photos=photos or faces, cover=face(pid))


class FakeThumbs:
    """Records requests; never loads (data() must not do I/O)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, Signal

        class _S(QObject):
            ready = Signal(object)

        self._s = _S()
        self.ready = self._s.ready
        self.asked: list[ThumbKey] = []

    def get(self, key: ThumbKey) -> Any:
        self.asked.append(key)
        return None


def names(model: PersonListModel) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_people_are_ordered_named_first_then_by_size() -> None:
    model = PersonListModel()
    model.set_people(
        [person(1, None, 3), person(2, "Zoe", 2), person(3, None, 9), person(4, "Al", 5)]
    )
    assert names(model) == ["Al", "Zoe", "Unnamed", "Unnamed"]
    assert model.ids() == [4, 2, 3, 1]
    idx = model.index(0, 0)
    assert idx.data(PersonIdRole) == 4
    assert idx.data(NameRole) == "Al"
    assert idx.data(PhotoCountRole) == 5
    assert idx.data(CoverKeyRole) == ThumbKey("/p/a.jpg", (1.0, 2.0, 30.0, 40.0))
    assert model.index(2, 0).data(NameRole) is None


def test_apply_changes_removes_updates_and_reorders_keeping_selection() -> None:
    model = PersonListModel()
    model.set_people([person(1, None, 3), person(2, None, 5), person(3, "Bo", 1)])
    keep = QPersistentModelIndex(model.index_of(1))
    removed: list[int] = []
    model.rowsRemoved.connect(lambda _p, first, _l: removed.append(first))
    # merge 2 into 1: person 2 disappears, person 1 grows
    model.apply(Changes(people={1}, removed_people={2}), [person(1, None, 8)])
    assert model.ids() == [3, 1]
    assert removed == [1]
    assert keep.isValid() and keep.data(PersonIdRole) == 1
    # naming moves a group up among the named people
    model.apply(Changes(people={1}), [person(1, "Ann", 8)])
    assert names(model) == ["Ann", "Bo"]
    assert keep.row() == 0
    # undo brings person 2 back
    model.apply(Changes(people={1, 2}), [person(1, None, 3), person(2, None, 5)])
    assert names(model) == ["Bo", "Unnamed", "Unnamed"]
    assert model.ids() == [3, 2, 1]


def test_set_people_emits_data_changed_only_for_changed_rows() -> None:
    model = PersonListModel()
    model.set_people([person(1, "A", 3), person(2, "B", 2)])
    changed: list[int] = []
    model.dataChanged.connect(lambda tl, _br, _roles=(): changed.append(tl.row()))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_people([person(1, "A", 3), person(2, "B", 2, photos=7)])
    assert changed == [1] and not resets


def test_decoration_asks_the_cache_without_loading() -> None:
    thumbs = FakeThumbs()
    model = PersonListModel(thumbs)  # type: ignore[arg-type]
    model.set_people([person(1, "A", 3)])
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert thumbs.asked == [ThumbKey("/p/a.jpg", (1.0, 2.0, 30.0, 40.0))]
    repainted: list[int] = []
    model.dataChanged.connect(lambda tl, _br, _roles=(): repainted.append(tl.row()))
    thumbs.ready.emit(ThumbKey("/p/a.jpg", (1.0, 2.0, 30.0, 40.0)))
    assert repainted == [0]


def test_search_filters_by_name() -> None:
    model = PersonListModel()
    model.set_people([person(1, "Ann Lee", 3), person(2, "Bob", 2), person(3, None, 4)])
    proxy = PersonFilterModel()
    proxy.setSourceModel(model)
    proxy.set_search("ann")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data(PersonIdRole) == 1
    proxy.set_search("UNNAMED")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data(PersonIdRole) == 3
    proxy.set_search("")
    assert proxy.rowCount() == 3


def test_person_mime_data_carries_ids() -> None:
    model = PersonListModel()
    model.set_people([person(1, "A", 3), person(2, "B", 2)])
    mime = model.mimeData([model.index(0, 0), model.index(1, 0)])
    assert bytes(mime.data(model.mimeTypes()[0]).data()) == b"1,2"


def test_face_and_photo_models() -> None:
    faces = FaceListModel()
    faces.set_faces([face(5), face(6)], {6: 0.71})
    assert faces.rowCount() == 2
    assert faces.index(0, 0).data(FaceIdRole) == 5
    assert faces.index(1, 0).data(ScoreRole) == 0.71
    assert faces.index(1, 0).data() == "71%"
    assert faces.row_of(6) == 1
    photos = PhotoListModel()
    photos.set_photos([(1, "/x/a.jpg"), (2, "/x/b.jpg")])
    assert photos.index(1, 0).data() == "b.jpg"
    assert photos.index(1, 0).data(PathRole) == "/x/b.jpg"


def test_faces_drawn_by_hand_or_from_the_file_say_so(qapp: Any) -> None:
    import os

    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

    from faceorganizer.core.records import FLAG_BOX_ALIGNED, FLAG_FROM_METADATA, FLAG_MANUAL
    from faceorganizer.gui.delegates import ThumbDelegate
    from faceorganizer.gui.faces_model import OriginRole

    model = FaceListModel()
    box = (1.0, 2.0, 30.0, 40.0)
    model.set_faces(
        [
            face_ref(1, photo_id=1, path="/p/a.jpg", box=box),
            face_ref(
                2,
                photo_id=1,
                path="/p/a.jpg",
                box=box,
                quality=0.0,
                flags=FLAG_MANUAL | FLAG_BOX_ALIGNED,
            ),
            face_ref(
                3, photo_id=1, path="/p/b.jpg", box=box, quality=0.8, flags=FLAG_FROM_METADATA
            ),
        ]
    )
    rows = [model.index(r, 0) for r in range(3)]
    assert [i.data(OriginRole) for i in rows] == [None, "drawn by hand", "from the file"]
    tips = [i.data(Qt.ItemDataRole.ToolTipRole) for i in rows]
    assert tips == ["/p/a.jpg", "A face drawn by hand\n/p/a.jpg", "A face from the file\n/p/b.jpg"]
    # the grid cell paints a small tag over the thumbnail
    delegate = ThumbDelegate()
    image = QImage(3 * 136, 152, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    for r, index in enumerate(rows):
        option = QStyleOptionViewItem()
        option.rect = QRect(r * 136, 0, 136, 152)
        delegate.paint(painter, option, index)
    painter.end()
    shot = os.environ.get("FACEORGANIZER_SCREENSHOT_GRID")
    if shot:
        image.save(shot)
    dark = [
        sum(image.pixelColor(x, y).value() < 100 for x in range(c * 136, c * 136 + 68)
            for y in range(100, 140))
        for c in range(3)
    ]  # fmt: skip
    assert dark[0] == 0 and dark[1] > 50 and dark[2] > 50


def test_thousands_of_people_are_filtered_once_from_their_rows(qapp: Any) -> None:
    """Issue 30: a first load of 20,000 groups was filtered three times, three data() calls a
    row (1.1 s of the window's start); a search did the same (241 ms). Now one pass each, and
    the rows are read directly."""
    from faceorganizer.gui.people_view import PeopleView

    class Counting(PersonListModel):
        calls = 0

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            Counting.calls += 1
            return super().data(index, role)

    class CountingFilter(PersonFilterModel):
        passes = 0

        def filterAcceptsRow(self, row: int, parent: Any) -> bool:
            CountingFilter.passes += 1
            return super().filterAcceptsRow(row, parent)

    model = Counting()
    view = PeopleView(model)
    proxy = CountingFilter(view)
    proxy.fold = 0
    proxy.setSourceModel(model)
    view.proxy = proxy
    people = [person(1, "Ann", 9), person(2, "Bob", 5)]
    people += [person(10 + k, None, 2 + k % 3) for k in range(300)]  # 100 of 2 faces
    model.set_people(people)
    view._update_count()
    assert CountingFilter.passes <= len(people)  # once (auto folds small groups from the start)
    assert Counting.calls == 0
    shown = {proxy.index(r, 0).data(PersonIdRole) for r in range(proxy.rowCount())}
    assert shown == {p.id for p in people if p.name or p.face_count >= 3}
    assert view.small_button.text() == "Small groups (100)"
    CountingFilter.passes = Counting.calls = 0
    proxy.set_search("nn")  # "Ann" and every "Unnamed" shown
    assert CountingFilter.passes == len(people) and Counting.calls == 0
    assert proxy.rowCount() == 1 + 200
    proxy.set_search("ANN")
    assert [proxy.index(r, 0).data(NameRole) for r in range(proxy.rowCount())] == ["Ann"]
