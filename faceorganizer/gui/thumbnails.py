"""Thumbnails for the views: a memory cache in front of background loads, newest request first.

Models ask ``get(key)``: a pixmap when it is in memory, otherwise None and the key joins the
queue of wanted thumbnails. A few loader jobs on the ``thumbs`` pool take the newest wanted key
first (what the user looks at now), and only the newest ``window`` requests are kept: a grid
asks again for every cell it paints, so a tile still on screen stays near the front, while one
scrolled past long ago is dropped and never decoded (scrolling 50,000 faces decodes the screens
it stops on, not the 50,000). Decoded images arrive as ``QImage`` (made on the loader thread, in
the screen's pixel format) and become pixmaps on the GUI thread a few at a time per turn of the
event loop; then ``ready(key)`` is emitted and the model repaints that row. The pixmaps are kept
up to a budget in bytes, least recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from faceorganizer.gui.worker import JobContext, Jobs

FACE_SIZE = 128
PHOTO_SIZE = 256
CACHE_BYTES = 48 * 1024 * 1024  # pixmaps kept: ~770 faces or ~190 photos, a dozen screens
WINDOW = 512  # requests kept waiting: the newest ones, a few screens of the largest grid
CONVERT_MS = 4.0  # GUI time per event-loop turn spent turning images into pixmaps


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


def bgr_to_screen_image(pixels: np.ndarray) -> QImage:
    """A QImage in the 32-bit format the raster engine paints, so that making a pixmap of it
    on the GUI thread is a copy, not a conversion of every pixel (safe on any thread)."""
    import cv2

    bgra = np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_BGR2BGRA))
    h, w = bgra.shape[:2]
    # B, G, R, A bytes are 0xAARRGGBB on a little-endian machine: Qt's RGB32 word
    img = QImage(bgra.data, w, h, int(bgra.strides[0]), QImage.Format.Format_RGB32)
    return img.copy()


def set_cover_icon(item: Any, thumbs: Any, person: Any) -> None:
    """Give a list row (``QListWidgetItem``) a person's cover face, once its thumbnail is cached."""
    if thumbs is None or person.cover is None:
        return
    # a list of widgets asks once for every row (it never repaints to ask again): keep it
    pix = thumbs.get(ThumbKey(person.cover.path, person.cover.box), keep=True)
    if pix is not None:
        from PySide6.QtGui import QIcon

        item.setIcon(QIcon(pix))


def load_thumbnail(key: ThumbKey) -> QImage:
    """Decode one thumbnail (runs on a worker thread)."""
    from faceorganizer.core.library.pixels import face_thumbnail, photo_thumbnail

    if key.box is not None:
        return bgr_to_screen_image(face_thumbnail(key.path, key.box, key.size))
    return bgr_to_screen_image(photo_thumbnail(key.path, key.size))


def _pixmap_bytes(pix: QPixmap) -> int:
    return max(1, pix.width() * pix.height() * max(pix.depth(), 8) // 8)


class ThumbnailCache(QObject):
    """Pixmaps by key, loaded in the background on demand, newest request first."""

    ready = Signal(object)  # ThumbKey

    def __init__(
        self,
        jobs: Jobs,
        budget_bytes: int = CACHE_BYTES,
        parent: QObject | None = None,
        *,
        window: int = WINDOW,
    ) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.budget_bytes = budget_bytes
        self.window = window
        self._pixmaps: OrderedDict[ThumbKey, QPixmap] = OrderedDict()
        self._bytes = 0
        # shared with the loader threads, under the lock: key -> kept (never dropped)
        self._lock = threading.Lock()
        self._wanted: OrderedDict[ThumbKey, bool] = OrderedDict()
        self._loading: set[ThumbKey] = set()
        self._kept = 0  # wanted keys marked keep
        self._arrived: deque[tuple[ThumbKey, QImage]] = deque()  # GUI thread only
        self._arriving: set[ThumbKey] = set()  # the keys of _arrived
        self._failed: set[ThumbKey] = set()
        self._loaders = 0  # loader jobs submitted and not finished
        self.dropped = 0  # requests dropped unseen since the start (for tests and benchmarks)
        self._convert = QTimer(self)
        self._convert.setSingleShot(True)
        self._convert.setInterval(0)
        self._convert.timeout.connect(self._make_pixmaps)

    def get(self, key: ThumbKey, *, keep: bool = False) -> QPixmap | None:
        """The pixmap when loaded; otherwise None and the key is queued (no I/O here).

        ``keep``: never drop this request for newer ones (a caller that will not ask again).
        """
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        if key in self._failed or key in self._arriving:
            return None
        with self._lock:
            if key in self._loading:
                return None
            was = self._wanted.pop(key, None)
            kept = bool(was) or keep
            self._kept += kept - bool(was)
            self._wanted[key] = kept  # the newest request: what is on screen now
            self._trim()
        self._start_loaders()
        return None

    def _trim(self) -> None:
        """Drop the oldest droppable requests beyond the window (lock held)."""
        excess = len(self._wanted) - self._kept - self.window
        if excess <= 0:
            return
        victims = []
        for key, kept in self._wanted.items():  # oldest first: usually the first ones go
            if not kept:
                victims.append(key)
                if len(victims) == excess:
                    break
        for key in victims:
            del self._wanted[key]
        self.dropped += len(victims)

    def _start_loaders(self) -> None:
        threads = max(1, self.jobs.pools["thumbs"].maxThreadCount())
        while self._loaders < threads and len(self._wanted) > self._loaders:
            self._loaders += 1
            self.jobs.submit(
                self._load_some,
                on_progress=self._arrive,
                on_finished=self._loader_done,
                pool="thumbs",
                name="thumbnails",
            )

    def _next(self) -> ThumbKey | None:
        with self._lock:
            if not self._wanted:
                return None
            key, kept = self._wanted.popitem(last=True)
            self._kept -= kept
            self._loading.add(key)
            return key

    def _load_some(self, ctx: JobContext) -> None:
        """A loader: the newest wanted key, again and again, until none is wanted (a thread of
        the ``thumbs`` pool)."""
        while not ctx.should_stop():
            key = self._next()
            if key is None:
                return
            try:
                result: QImage | BaseException = load_thumbnail(key)
            except Exception as exc:  # noqa: BLE001 - an unreadable photo: a placeholder
                result = exc
            ctx.progress((key, result))

    def _arrive(self, value: tuple[ThumbKey, QImage | BaseException]) -> None:
        key, result = value
        with self._lock:
            self._loading.discard(key)
        if isinstance(result, BaseException):
            self._failed.add(key)
            return
        self._arrived.append((key, result))
        self._arriving.add(key)
        if not self._convert.isActive():
            self._convert.start()

    def _make_pixmaps(self) -> None:
        """Pixmaps of the images that arrived, for a few milliseconds, then the rest next turn:
        the event loop stays free to paint and scroll."""
        deadline = time.perf_counter() + CONVERT_MS / 1000
        while self._arrived:
            key, img = self._arrived.popleft()
            self._arriving.discard(key)
            pix = QPixmap.fromImage(img)
            old = self._pixmaps.pop(key, None)
            if old is not None:
                self._bytes -= _pixmap_bytes(old)
            self._pixmaps[key] = pix
            self._bytes += _pixmap_bytes(pix)
            while self._bytes > self.budget_bytes and len(self._pixmaps) > 1:
                _k, gone = self._pixmaps.popitem(last=False)
                self._bytes -= _pixmap_bytes(gone)
            self.ready.emit(key)
            if time.perf_counter() > deadline:
                break
        if self._arrived:
            self._convert.start()

    def _loader_done(self) -> None:
        self._loaders -= 1
        if not self._loaders:  # a cancelled loader delivers nothing: its key may be asked again
            with self._lock:
                self._loading.clear()
        if self._wanted:  # asked for while the loader was ending
            self._start_loaders()

    def forget_failures(self) -> None:
        """Try photos that failed again (after a rescan)."""
        self._failed.clear()

    def pending(self) -> int:
        """Loads wanted, under way or waiting for their pixmap."""
        with self._lock:
            return len(self._wanted) + len(self._loading) + len(self._arrived)

    def cached_bytes(self) -> int:
        """Bytes of the pixmaps kept in memory."""
        return self._bytes
