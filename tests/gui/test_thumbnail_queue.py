"""The thumbnail queue: what is on screen is decoded, what was scrolled past is not."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtGui import QImage

from faceorganizer.gui import thumbnails
from faceorganizer.gui.faces_model import FaceListModel
from faceorganizer.gui.thumbnails import ThumbKey, ThumbnailCache
from faceorganizer.gui.worker import Jobs
from tests.gui.face_grids import grid_faces, show_face_grid

FACES = 3000


@pytest.fixture()
def slow_decoder(monkeypatch: pytest.MonkeyPatch) -> tuple[list[ThumbKey], threading.Event]:
    """A decoder that waits at a gate (the loader is busy while the user scrolls) and records
    every key it decodes."""
    decoded: list[ThumbKey] = []
    gate = threading.Event()

    def load(key: ThumbKey) -> QImage:
        gate.wait(10)
        decoded.append(key)
        img = QImage(8, 8, QImage.Format.Format_RGB32)
        img.fill(0x808080)
        return img

    monkeypatch.setattr(thumbnails, "load_thumbnail", load)
    return decoded, gate


def test_tiles_scrolled_past_are_not_decoded(qtbot: Any, slow_decoder: Any) -> None:
    """A grid of 3,000 faces scrolled to the end while the decoder is busy: the screen it stops
    on is decoded, the screens it went past are dropped (the old queue decoded all 3,000)."""
    decoded, gate = slow_decoder
    jobs = Jobs()
    cache = ThumbnailCache(jobs)
    model = FaceListModel(cache)
    model.set_faces(grid_faces(0, FACES))
    view = show_face_grid(qtbot, model)
    bar = view.verticalScrollBar()
    while bar.value() < bar.maximum():  # page down, painting every screen on the way
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        view.viewport().repaint()
    last_screen = {
        model.face_at(i.row()).path
        for i in (view.indexAt(view.viewport().rect().center()),)
        if i.isValid()
    }
    gate.set()
    qtbot.waitUntil(lambda: cache.pending() == 0, timeout=30000)
    paths = {k.path for k in decoded}
    assert last_screen and last_screen <= paths  # what is on screen now is shown
    # at most the first screen and the window of newest requests (a few screens)
    assert len(decoded) <= 600, f"{len(decoded)} of {FACES} tiles decoded"
    assert grid_faces(0, FACES)[FACES // 2].path not in paths  # a tile in the middle: never decoded
    assert cache.get(ThumbKey(next(iter(last_screen)), (1.0, 1.0, 20.0, 20.0))) is not None
    view.close()
    jobs.shutdown()


def test_requests_newest_first_and_kept_requests_stay(qtbot: Any, slow_decoder: Any) -> None:
    """The newest request is decoded first; a request marked keep (a list that never asks
    again) survives any number of newer ones; pixmaps are kept within a budget of bytes."""
    decoded, gate = slow_decoder
    jobs = Jobs()
    cache = ThumbnailCache(jobs, budget_bytes=8 * 8 * 4 * 10, window=5)
    keep = ThumbKey("/photos/kept.jpg", (0.0, 0.0, 5.0, 5.0))
    cache.get(ThumbKey("/photos/first.jpg"))  # taken by the loader at once, waits at the gate
    qtbot.waitUntil(lambda: len(cache._loading) == 1)
    cache.get(keep, keep=True)
    keys = [ThumbKey(f"/photos/{i}.jpg") for i in range(40)]
    for key in keys:
        cache.get(key)
    gate.set()
    qtbot.waitUntil(lambda: cache.pending() == 0, timeout=10000)
    assert keep in decoded and keys[0] not in decoded
    assert decoded[1:6] == keys[-1:-6:-1]  # newest first
    assert cache.dropped == 35
    assert cache.cached_bytes() <= 8 * 8 * 4 * 10
    jobs.shutdown()
