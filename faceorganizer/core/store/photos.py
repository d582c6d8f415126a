"""Rows of the photos table: what was seen, what was skipped and why, where files moved."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from faceorganizer.core.store.db import Database


@dataclass(frozen=True)
class PhotoRow:
    """The facts the scanner needs about a stored photo."""

    id: int
    raw_path: bytes
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    status: str
    reason: str | None = None
    dev: int | None = None  # the device the file was found on (None: before schema 3)
    offline: bool = False  # kept while its folder is offline (not known to be gone)


class PhotoRepository:
    """Reads and writes the photos table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def index(self) -> dict[bytes, PhotoRow]:
        """Every stored photo by its path bytes."""
        rows = self.database.conn.execute(
            "SELECT id, raw_path, path, size, mtime_ns, content_hash, status, reason, dev,"
            " offline FROM photos"
        )
        return {
            bytes(r[1]): PhotoRow(
                r[0], bytes(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9])
            )
            for r in rows
        }

    def count(self, status: str | None = None) -> int:
        """How many photos are stored (with ``status`` if given)."""
        if status:
            sql, args = "SELECT count(*) FROM photos WHERE status = ?", (status,)
            return int(self.database.conn.execute(sql, args).fetchone()[0])
        return int(self.database.conn.execute("SELECT count(*) FROM photos").fetchone()[0])

    def skipped(self) -> list[tuple[str, str]]:
        """(path, reason) of every photo that could not be read."""
        rows = self.database.conn.execute(
            "SELECT path, reason FROM photos WHERE status = 'skipped' ORDER BY path"
        )
        return [(r[0], r[1] or "") for r in rows]

    def upsert(
        self,
        *,
        raw_path: bytes,
        path: str,
        size: int,
        mtime_ns: int,
        content_hash: str | None,
        status: str,
        reason: str | None = None,
        width: int | None = None,
        height: int | None = None,
        orientation: int | None = None,
        taken_at: str | None = None,
        taken_source: str | None = None,
        fmt: str | None = None,
        pack_id: str | None = None,
        dev: int | None = None,
    ) -> int:
        """Insert or update a photo by path; returns its id. Call inside a transaction."""
        conn = self.database.conn
        conn.execute(
            """
            INSERT INTO photos (raw_path, path, size, mtime_ns, content_hash, width, height,
                                orientation, taken_at, taken_source, format, status, reason,
                                pack_id, scanned_at, dev, offline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT (raw_path) DO UPDATE SET
                path = excluded.path, size = excluded.size, mtime_ns = excluded.mtime_ns,
                content_hash = excluded.content_hash, width = excluded.width,
                height = excluded.height, orientation = excluded.orientation,
                taken_at = excluded.taken_at, taken_source = excluded.taken_source,
                format = excluded.format, status = excluded.status,
                reason = excluded.reason, pack_id = excluded.pack_id,
                scanned_at = excluded.scanned_at, dev = excluded.dev, offline = 0
            """,
            (
                raw_path,
                path,
                size,
                mtime_ns,
                content_hash,
                width,
                height,
                orientation,
                taken_at,
                taken_source,
                fmt,
                status,
                reason,
                pack_id,
                time.time(),
                dev,
            ),
        )
        row = conn.execute("SELECT id FROM photos WHERE raw_path = ?", (raw_path,)).fetchone()
        return int(row[0])

    def analysed(self, photo_id: int) -> tuple[str, int, int, str, str | None] | None:
        """(path, width, height, status, pack id) of a stored photo; None when unknown."""
        row = self.database.conn.execute(
            "SELECT raw_path, width, height, status, pack_id FROM photos WHERE id = ?",
            (photo_id,),
        ).fetchone()
        if row is None:
            return None
        raw, width, height, status, pack_id = row
        return os.fsdecode(bytes(raw)), int(width or 0), int(height or 0), status, pack_id

    def move(
        self,
        photo_id: int,
        raw_path: bytes,
        path: str,
        size: int,
        mtime_ns: int,
        dev: int | None = None,
    ) -> None:
        """A file was moved or renamed: keep its row (and faces) under the new path."""
        self.database.conn.execute(
            "UPDATE photos SET raw_path = ?, path = ?, size = ?, mtime_ns = ?, dev = ?,"
            " offline = 0 WHERE id = ?",
            (raw_path, path, size, mtime_ns, dev, photo_id),
        )

    def files(self, photo_ids: list[int]) -> dict[int, str]:
        """photo id -> the file's path as the file system names it (bytes that are not UTF-8
        kept as surrogate escapes, so the file opens)."""
        out: dict[int, str] = {}
        for i in range(0, len(photo_ids), 500):
            chunk = photo_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.database.conn.execute(
                f"SELECT id, raw_path FROM photos WHERE id IN ({marks})", chunk
            ):
                out[int(r[0])] = os.fsdecode(bytes(r[1]))
        return out

    def set_devices(self, devices: list[tuple[int, int]]) -> None:
        """(photo id, device) for photos found on another device than recorded."""
        self.database.conn.executemany(
            "UPDATE photos SET dev = ? WHERE id = ?", [(d, i) for i, d in devices]
        )

    def set_offline(self, photo_ids: list[int], offline: bool) -> None:
        """Mark photos whose folder is offline (kept with their faces), or back online."""
        self.database.conn.executemany(
            "UPDATE photos SET offline = ? WHERE id = ?", [(int(offline), i) for i in photo_ids]
        )

    def delete(self, photo_ids: list[int]) -> None:
        """Forget photos (their faces go with them)."""
        self.database.conn.executemany("DELETE FROM photos WHERE id = ?", [(i,) for i in photo_ids])
