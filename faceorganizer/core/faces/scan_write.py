"""The scan's writes: short transactions of several photos, never one photo split."""

from __future__ import annotations

import time

from faceorganizer.core.store.db import Database


class Writer:
    """Groups photo writes into short transactions (one photo is always all-or-nothing)."""

    def __init__(self, database: Database, max_photos: int = 32, max_seconds: float = 1.0):
        self.database = database
        self.max_photos = max_photos
        self.max_seconds = max_seconds
        self._open = False
        self._count = 0
        self._since = 0.0

    def begin(self) -> None:
        if not self._open:
            self._ctx = self.database.transaction()
            self._ctx.__enter__()
            self._open, self._count, self._since = True, 0, time.monotonic()

    def wrote_one(self) -> None:
        self._count += 1
        if self._count >= self.max_photos or time.monotonic() - self._since > self.max_seconds:
            self.flush()

    def flush(self) -> None:
        if self._open:
            self._open = False
            self._ctx.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        if self._open:
            self._open = False
            self._ctx.__exit__(type(exc), exc, exc.__traceback__)
