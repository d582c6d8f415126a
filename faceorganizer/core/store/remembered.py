"""Numbers worth remembering between starts, valid while nothing they depend on has changed.

Migration 0006's triggers bump ``change_count`` on every change to people, their faces, the
user's answers (rejections, "not the same person", ignores), the faces and the photos' dates. A
number worked out at one count holds while the count is the same (issue 30: the "same person?"
count of 20,000 groups took 20 s, and was worked out again at every start).
"""

from __future__ import annotations

import logging
import sqlite3

from faceorganizer.core.store.db import Database

log = logging.getLogger(__name__)


def change_stamp(db: Database) -> int:
    """The library's change count now."""
    row = db.conn.execute("SELECT n FROM change_count WHERE id = 1").fetchone()
    return int(row[0]) if row else -1


def recall(db: Database, key: str, stamp: int) -> int | None:
    """The number remembered under ``key`` if it was worked out at ``stamp``, else None."""
    row = db.conn.execute("SELECT stamp, value FROM remembered WHERE key = ?", (key,)).fetchone()
    return int(row[1]) if row and int(row[0]) == stamp else None


def remember(db: Database, key: str, stamp: int, value: int) -> None:
    """Keep ``value`` as worked out at ``stamp``; skipped (logged) on a read-only library or
    while another writer holds it: remembering is never worth a wait."""
    if db.readonly or db.conn.in_transaction:
        return
    try:
        db.conn.execute("PRAGMA busy_timeout = 0")
        try:
            db.conn.execute(
                "INSERT OR REPLACE INTO remembered (key, stamp, value) VALUES (?, ?, ?)",
                (key, stamp, value),
            )
        finally:
            db.conn.execute(f"PRAGMA busy_timeout = {db.busy_timeout_ms}")
    except sqlite3.OperationalError as exc:
        log.debug("not remembered now: %s: %s", key, exc)
