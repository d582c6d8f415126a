"""A person through the years: the page grouped by year with a strip to jump; ages in captions."""

from __future__ import annotations

from typing import Any

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.captions import age_on, age_text, taken_text
from faceorganizer.gui.person_view import PersonView
from faceorganizer.gui.photo_view import when_and_ages
from tests.builders import face_ref, person_item
from tests.gui.test_models import FakeThumbs


def _face(fid: int, taken: str | None, quality: float = 0.5) -> FaceRef:
    return face_ref(fid, quality=quality, person_id=1, person_name="Anna", taken=taken,
                    person_born="2015-04-02")  # fmt: skip


def test_the_person_page_is_grouped_by_year_newest_first(qtbot: Any) -> None:
    view = PersonView(FakeThumbs())  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.set_person(person_item(1, "Anna", faces=5, born="2015-04-02"))
    faces = [
        _face(1, "2016-05-01T10:00:00", 0.9),
        _face(2, None),
        _face(3, "2019-01-01T00:00:00"),
        _face(4, "2016-12-01T10:00:00+02:00", 0.4),
        _face(5, "2019-08-01T00:00:00"),
    ]
    view.set_faces(faces)
    order = [view.faces.face_at(r).id for r in range(view.faces.rowCount())]
    assert order == [3, 5, 1, 4, 2]  # 2019, 2016 (best first within a year), undated
    assert view.year_rows == {"2019": 0, "2016": 2, "Undated": 4}
    captions = [view.faces.index(r, 0).data() for r in range(5)]
    assert captions == ["2019 · age 3", "", "2016 · age 1", "", "Undated"]
    assert [a.text() for a in view.year_strip.actions()] == ["2019 (2)", "2016 (2)", "Undated (1)"]
    assert "born 2015-04-02" in view.subtitle.text()
    view.year_strip.actions()[2].trigger()
    assert view.grid.currentIndex().row() == 4


def test_dates_and_ages_in_words() -> None:
    assert taken_text("2019-05-03T14:22:01+02:00") == "3 May 2019, 14:22"
    assert taken_text("2019-05-03T00:00:00") == "3 May 2019"
    assert taken_text(None) == "" and taken_text("junk") == ""
    assert age_on("2015-04-02", "2019-04-01T23:00:00") == 3
    assert age_on("2015-04-02", "2019-04-02T00:00:00") == 4
    assert age_on("2015-04-02", "2014-01-01T00:00:00") is None
    assert age_text(0) == "under 1 year old" and age_text(1) == "1 year old"
    caption = when_and_ages([_face(1, "2019-05-03T14:22:01")])
    assert caption == "   ·   3 May 2019, 14:22   ·   Anna 4 years old"
