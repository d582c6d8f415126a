"""Thumbnails for the views: a memory cache in front of background loads, newest request first.

Models ask ``get(key)``: a pixmap when it is in memory, otherwise None and a load is queued on
the ``thumbs`` pool (a later request runs before an earlier one, so what the user looks at
now comes first). When it arrives ``ready(key)`` is emitted and the model repaints that row.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from faceorganizer.gui.worker import JobContext, Jobs

FACE_SIZE = 128
PHOTO_SIZE = 256


@dataclass(frozen=True)
class ThumbKey:
    """What to draw: a face (box given) or a whole photo."""

    path: str
    box: tuple[float, float, float, float] | None = None
    size: int = FACE_SIZE


def bgr_to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage that owns a copy of BGR uint8 pixels (safe to make on any thread)."""
    arr = np.ascontiguousarray(pixels)
    h, w = arr.shape[:2]
    img = QImage(arr.data, w, h, int(arr.strides[0]), QImage.Format.Format_BGR888)
    return img.copy()


def set_cover_icon(item: Any, thumbs: Any, person: Any) -> None:
    """Give a list row (``QListWidgetItem``) a person's cover face, once its thumbnail is cached."""
    if thumbs is None or person.cover is None:
        return
    pix = thumbs.get(ThumbKey(person.cover.path, person.cover.box))
    if pix is not None:
        from PySide6.QtGui import QIcon

        item.setIcon(QIcon(pix))


def load_thumbnail(key: ThumbKey) -> QImage:
    """Decode one thumbnail (runs on a worker thread)."""
    from faceorganizer.core.library.pixels import face_thumbnail, photo_thumbnail

    if key.box is not None:
        return bgr_to_qimage(face_thumbnail(key.path, key.box, key.size))
    return bgr_to_qimage(photo_thumbnail(key.path, key.size))


class ThumbnailCache(QObject):
    """Pixmaps by key, loaded in the background on demand."""

    ready = Signal(object)  # ThumbKey

    def __init__(self, jobs: Jobs, capacity: int = 2000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.capacity = capacity
        self._pixmaps: OrderedDict[ThumbKey, QPixmap] = OrderedDict()
        self._pending: set[ThumbKey] = set()
        self._failed: set[ThumbKey] = set()
        self._counter = 0

    def get(self, key: ThumbKey) -> QPixmap | None:
        """The pixmap when loaded; otherwise None and a load is queued (no I/O here)."""
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        if key not in self._pending and key not in self._failed:
            self._pending.add(key)
            self._counter += 1
            self.jobs.submit(
                partial(self._load, key=key),
                on_result=partial(self._arrived, key),
                on_error=partial(self._error, key),
                pool="thumbs",
                priority=self._counter % 1_000_000_000,
                name="thumbnail",
            )
        return None

    @staticmethod
    def _load(ctx: JobContext, key: ThumbKey) -> QImage | None:
        if ctx.should_stop():
            return None
        return load_thumbnail(key)

    def _arrived(self, key: ThumbKey, img: Any) -> None:
        self._pending.discard(key)
        if img is None:
            return
        self._pixmaps[key] = QPixmap.fromImage(img)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)
        self.ready.emit(key)

    def _error(self, key: ThumbKey, _exc: BaseException) -> None:
        self._pending.discard(key)
        self._failed.add(key)

    def forget_failures(self) -> None:
        """Try photos that failed again (after a rescan)."""
        self._failed.clear()

    def pending(self) -> int:
        """Loads under way."""
        return len(self._pending)
