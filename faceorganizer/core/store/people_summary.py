"""Each person's counts, latest photo and best face, kept in ``people_summary`` (migration 0006).

Counting the faces and photos of 20,000 groups (150,000 faces) on every People view load took
1.1 s (issue 30). Triggers put the people whose faces changed in ``people_dirty``; ``refresh``
recomputes only those, with the very queries the live count uses, so the summary says what
the live count would. Where the summary cannot be written (a read-only library, or a scan
holding the write lock) the callers count live instead: never a wait, never a stale count.
"""

from __future__ import annotations

import logging
import sqlite3

from faceorganizer.core.store.db import Database

log = logging.getLogger(__name__)

# up to this many people (a page, a merge) are counted live rather than through the summary
FEW_PEOPLE = 64

# The counts of a person, as ``PeopleRepository.list_people`` has always counted them.
COUNTS_SQL = """
    SELECT p.id, count(fp.face_id), count(DISTINCT f.photo_id), coalesce(sum(fp.confirmed), 0),
           max(ph.taken_at)
    FROM people p
    LEFT JOIN face_person fp ON fp.person_id = p.id
    LEFT JOIN faces f ON f.id = fp.face_id
    LEFT JOIN photos ph ON ph.id = f.photo_id
    WHERE {where}
    GROUP BY p.id
"""
# Each person's best face: SQLite's max() keeps the row it found it in (faces in id order).
BEST_SQL = (
    "SELECT fp.person_id, f.id, max(f.quality) FROM face_person fp"
    " JOIN faces f ON f.id = fp.face_id{where} GROUP BY fp.person_id"
)
_DIRTY = "p.id IN (SELECT person_id FROM people_dirty)"


def refresh(db: Database) -> bool:
    """Bring the summary up to date; False when it cannot be written now (read-only, or
    another writer holds the library: a scan), and the caller must count live."""
    conn = db.conn
    if not conn.execute("SELECT EXISTS (SELECT 1 FROM people_dirty)").fetchone()[0]:
        return True
    if db.readonly:
        return False
    own = not conn.in_transaction
    try:
        if own:
            # no wait behind a scan's writes: the live count answers meanwhile
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            finally:
                conn.execute(f"PRAGMA busy_timeout = {db.busy_timeout_ms}")
        else:
            conn.execute("SAVEPOINT people_summary")
    except sqlite3.OperationalError as exc:
        log.debug("people summary not refreshed now: %s", exc)
        return False
    try:
        _recompute(conn)
    except sqlite3.Error as exc:
        log.warning("people summary not refreshed: %s", exc)
        if own:
            conn.execute("ROLLBACK")
        else:
            conn.execute("ROLLBACK TO people_summary")
            conn.execute("RELEASE people_summary")
        return False
    conn.execute("COMMIT" if own else "RELEASE people_summary")
    return True


def _recompute(conn: sqlite3.Connection) -> None:
    counts = conn.execute(COUNTS_SQL.format(where=_DIRTY)).fetchall()
    best = {
        int(pid): int(face_id)
        for pid, face_id, _q in conn.execute(
            BEST_SQL.format(where=" WHERE fp.person_id IN (SELECT person_id FROM people_dirty)")
        )
    }
    conn.executemany(
        "INSERT OR REPLACE INTO people_summary"
        " (person_id, face_count, photo_count, confirmed, latest, best_face)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(pid, faces, photos, confirmed, latest, best.get(pid))
         for pid, faces, photos, confirmed, latest in counts],
    )  # fmt: skip
    conn.execute("DELETE FROM people_dirty")
    log.debug("people summary: %d people recounted", len(counts))


def best_faces(db: Database, person_ids: list[int] | None, *, fresh: bool) -> dict[int, int]:
    """person id -> their best face (highest quality; the first in id order among equals), from
    the summary when ``fresh`` (``refresh`` said so), else counted live."""
    marks = "" if person_ids is None else ",".join("?" * len(person_ids))
    args = person_ids or []
    if fresh:
        where = "" if person_ids is None else f" AND person_id IN ({marks})"
        sql = f"SELECT person_id, best_face FROM people_summary WHERE best_face IS NOT NULL{where}"
        return {int(p): int(f) for p, f in db.conn.execute(sql, args)}
    where = "" if person_ids is None else f" WHERE fp.person_id IN ({marks})"
    return {int(p): int(f) for p, f, _q in db.conn.execute(BEST_SQL.format(where=where), args)}
