"""A People view for thousands of groups: small groups folded, sort orders, Unsorted in pages."""

from __future__ import annotations

from typing import Any

from faceorganizer.core.records import PersonItem
from faceorganizer.gui.people_model import PersonListModel
from faceorganizer.gui.people_view import PeopleView
from faceorganizer.gui.unsorted_view import UnsortedView
from tests.builders import face_ref, person_item
from tests.gui.test_models import FakeThumbs


def _person(pid: int, name: str | None, faces: int, latest: str | None = None) -> PersonItem:
    return person_item(pid, name, faces=faces, cover=face_ref(pid), latest=latest)


def test_small_groups_fold_into_one_entry_in_a_large_library(qtbot: Any) -> None:
    model = PersonListModel()
    view = PeopleView(model)
    qtbot.addWidget(view)
    people = [_person(1, "Anna", 1), _person(2, "Bob", 40)]
    people += [_person(10 + i, None, 2) for i in range(120)]  # a wall of two-face groups
    people += [_person(200 + i, None, 5 + i) for i in range(30)]
    model.set_people(people)
    # auto: 150 unnamed groups fold those under 3 faces; named people always show
    assert view.proxy.rowCount() == 2 + 30
    assert view.small_button.text() == "Small groups (120)" and view.small_button.isVisibleTo(view)
    view.small_button.setChecked(True)  # open the entry: only the small groups
    assert view.proxy.rowCount() == 120 and "showing the small groups" in view.count.text()
    view.small_button.setChecked(False)
    view.fold.setValue(1)  # the user's size: fold nothing
    assert view.proxy.rowCount() == 152
    view.fold.setValue(10)
    assert view.proxy.rowCount() == 2 + 25  # groups of 10..34 faces stay


def test_a_small_library_folds_nothing(qtbot: Any) -> None:
    model = PersonListModel()
    view = PeopleView(model)
    qtbot.addWidget(view)
    model.set_people([_person(1, None, 1), _person(2, None, 2), _person(3, "Cy", 1)])
    assert view.proxy.rowCount() == 3 and not view.small_button.isVisibleTo(view)


def test_sort_by_photos_name_or_most_recent() -> None:
    model = PersonListModel()
    model.set_people([
        _person(1, "Zoe", 3, "2021-05-01T00:00:00"),
        _person(2, "Al", 9, "2015-01-01T00:00:00+01:00"),
        _person(3, "Bea", 1, None),
        _person(4, None, 50, "2024-01-01T00:00:00"),
    ])  # fmt: skip
    # by name unless asked: named tiles stay put when a naming changes counts (issue 31)
    assert model.ids() == [2, 3, 1, 4]
    model.set_sort("photos")
    assert model.ids() == [2, 1, 3, 4]
    model.set_sort("name")
    assert model.ids() == [2, 3, 1, 4]
    model.set_sort("recent")
    assert model.ids() == [1, 2, 3, 4]  # named first, newest first, undated last


def test_unsorted_faces_come_a_page_at_a_time(qtbot: Any) -> None:
    view = UnsortedView(FakeThumbs())  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    asked: list[tuple[int, float]] = []
    view.need_page.connect(lambda offset, q: asked.append((offset, q)))
    view.reload()
    assert asked == [(0, 0.0)]
    faces = [face_ref(i, quality=0.5) for i in range(1, 601)]
    view.add_page(0, faces, 50_000)
    assert view.faces.rowCount() == 600 and "showing 600" in view.subtitle.text()
    view.grid.verticalScrollBar().setValue(view.grid.verticalScrollBar().maximum())
    assert asked[-1] == (600, 0.0)
    more = [face_ref(i, quality=0.4) for i in range(601, 1201)]
    view.add_page(600, more, 50_000)
    assert view.faces.rowCount() == 1200
    view.quality.setCurrentIndex(1)  # clear faces only: from the first page again
    assert asked[-1] == (0, 0.3)
