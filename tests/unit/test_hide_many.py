"""Hiding groups in bulk (one undo) and the Unsorted page's pages."""

from __future__ import annotations

from pathlib import Path

from faceorganizer.core.library import Library
from tests.unit.test_photo_query import library  # noqa: F401 - the fixture

__all__ = ["library"]


def test_hide_these_groups_is_one_undoable_step(library: Path) -> None:  # noqa: F811
    lib = Library(library)
    ids = [p.id for p in lib.resolve(["A", "B", "C"])]
    changes, _fresh = lib.change(lambda ops: ops.set_hidden_many(ids, True))
    assert changes is not None and changes.label == "Hide A, B and C"
    assert {p.id for p in lib.people()}.isdisjoint(ids)
    lib.apply(lambda ops: ops.undo())
    assert set(ids) <= {p.id for p in lib.people()}


def test_unsorted_faces_in_pages(library: Path) -> None:  # noqa: F811
    lib = Library(library)
    lib.apply(lambda ops: ops.remove([f.id for f in lib.faces()]))  # every face unsorted
    total = len(lib.faces())
    first, count = lib.unsorted_page(0, 4)
    rest, again = lib.unsorted_page(4, 100)
    assert count == total and again is None  # counted on the first page only
    assert len(first) == 4 and len(first) + len(rest) == total
    assert {f.id for f in first}.isdisjoint(f.id for f in rest)
    by_key, _ = lib.unsorted_page(4, 100, after=(first[-1].quality, first[-1].id))
    assert [f.id for f in by_key] == [f.id for f in rest]
    assert lib.unsorted_page(0, 100, min_quality=0.95)[1] == 0
