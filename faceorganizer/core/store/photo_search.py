"""Photos by who is in them and when they were taken: the SQL of ``library/photo_query.py``."""

from __future__ import annotations

from dataclasses import dataclass

from faceorganizer.core.store.db import Database


@dataclass(frozen=True)
class PhotoHit:
    """A photo that answers a query, with when it was taken and who is identified in it."""

    id: int
    path: str
    taken: str | None
    taken_source: str | None
    people: tuple[tuple[int, str | None], ...]  # (person id, name) of the people in it


def _marks(n: int) -> str:
    return ",".join("?" * n)


def search_photos(
    db: Database,
    *,
    with_all: list[int],
    without: list[int],
    only: bool,
    taken_from: str | None,
    taken_before: str | None,
) -> list[PhotoHit]:
    """Photos showing every person of ``with_all`` and none of ``without``; with ``only``, no
    other *named* person either; taken at or after ``taken_from`` and before ``taken_before``
    (ISO text compared as text: the local time the photo was taken). Oldest first; photos
    without a date last (none when a date bound is given)."""
    args: list[object] = []
    if with_all:
        source = f"""
            (SELECT f.photo_id AS id FROM faces f JOIN face_person fp ON fp.face_id = f.id
             WHERE fp.person_id IN ({_marks(len(with_all))})
             GROUP BY f.photo_id HAVING count(DISTINCT fp.person_id) = ?) hits
            JOIN photos p ON p.id = hits.id"""
        args += [*with_all, len(with_all)]
    else:
        source = "photos p"
    where = ["p.status = 'ok'"]
    in_photo = "SELECT 1 FROM faces f2 JOIN face_person fp2 ON fp2.face_id = f2.id"
    if without:
        where.append(
            f"NOT EXISTS ({in_photo} WHERE f2.photo_id = p.id"
            f" AND fp2.person_id IN ({_marks(len(without))}))"
        )
        args += without
    if only:
        others = f" AND fp2.person_id NOT IN ({_marks(len(with_all))})" if with_all else ""
        where.append(
            f"NOT EXISTS ({in_photo} JOIN people pe2 ON pe2.id = fp2.person_id"
            f" WHERE f2.photo_id = p.id AND pe2.name IS NOT NULL{others})"
        )
        args += with_all
    if taken_from:
        where.append("p.taken_at >= ?")
        args.append(taken_from)
    if taken_before:
        where.append("p.taken_at < ?")
        args.append(taken_before)
    sql = (
        f"SELECT p.id, p.path, p.taken_at, p.taken_source FROM {source}"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY p.taken_at IS NULL, p.taken_at, p.path"
    )
    rows = db.conn.execute(sql, args).fetchall()
    people: dict[int, list[tuple[int, str | None]]] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 900):  # SQLite's limit on bound values
        chunk = ids[start : start + 900]
        for photo_id, person_id, name in db.conn.execute(
            f"SELECT DISTINCT f.photo_id, fp.person_id, pe.name FROM faces f"
            f" JOIN face_person fp ON fp.face_id = f.id JOIN people pe ON pe.id = fp.person_id"
            f" WHERE f.photo_id IN ({_marks(len(chunk))}) ORDER BY f.photo_id, f.idx",
            chunk,
        ):
            people.setdefault(photo_id, []).append((person_id, name))
    return [PhotoHit(r[0], r[1], r[2], r[3], tuple(people.get(r[0], ()))) for r in rows]
