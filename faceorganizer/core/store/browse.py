"""Read-only lookups for browsing: people with avatars, faces with their people, photos.

The app runs these on worker threads, each with its own connection.
"""

from __future__ import annotations

from typing import Any

from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people_summary import FEW_PEOPLE, best_faces, refresh

_FACE_SQL = """
    SELECT f.id, f.photo_id, p.path, f.x, f.y, f.w, f.h, f.quality, fp.person_id, pe.name,
           f.flags, p.taken_at, pe.born
    FROM faces f JOIN photos p ON p.id = f.photo_id
    LEFT JOIN face_person fp ON fp.face_id = f.id
    LEFT JOIN people pe ON pe.id = fp.person_id
"""


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _face(r: tuple[Any, ...]) -> FaceRef:
    box = (r[3], r[4], r[5], r[6])
    return FaceRef(r[0], r[1], r[2], box, r[7], r[8], r[9], int(r[10] or 0), r[11], r[12])


def load_people(
    db: Database, *, include_hidden: bool = False, person_ids: list[int] | None = None
) -> list[PersonItem]:
    """People with counts and their avatar face (the cover, else the best face)."""
    from faceorganizer.core.store.people import PeopleRepository

    if (person_ids is None or len(person_ids) > FEW_PEOPLE) and refresh(db):
        return _people_summarised(db, include_hidden, person_ids)
    rows = PeopleRepository(db).list_people(include_hidden=include_hidden, person_ids=person_ids)
    if not rows:
        return []
    # each person's avatar: the cover, else the best face (read as one row per person rather
    # than every assigned face built in Python)
    covers = {r.id: r.cover_face_id for r in rows if r.cover_face_id is not None}
    best_ids = best_faces(db, person_ids, fresh=False)
    ids = sorted(set(best_ids.values()) | set(covers.values()))
    found: dict[int, FaceRef] = {}
    for start in range(0, len(ids), 900):  # SQLite's limit on bound values
        found.update(faces_by_id(db, ids[start : start + 900]))
    best: dict[int, FaceRef] = {}
    for pid, face_id in best_ids.items():
        cover = found.get(covers.get(pid, -1))
        pick = cover if cover is not None and cover.person_id == pid else found.get(face_id)
        if pick is not None:
            best[pid] = pick
    return [
        PersonItem(
            r.id, r.name, r.hidden, r.face_count, r.photo_count, best.get(r.id), r.born, r.latest
        )
        for r in rows
    ]


# Every person with their kept counts and avatar in one query: the avatar is the cover while
# it is still one of their faces, else their best face (as load_people's live path picks it).
_SUMMARISED_SQL = """
    SELECT p.id, p.name, p.hidden, s.face_count, s.photo_count, p.born, s.latest,
           f.id, f.photo_id, ph.path, f.x, f.y, f.w, f.h, f.quality, f.flags, ph.taken_at
    FROM people p
    JOIN people_summary s ON s.person_id = p.id
    LEFT JOIN face_person c ON c.face_id = p.cover_face_id AND c.person_id = p.id
    LEFT JOIN faces f ON f.id = CASE WHEN c.face_id IS NULL THEN s.best_face ELSE c.face_id END
    LEFT JOIN photos ph ON ph.id = f.photo_id
    WHERE s.face_count > 0{where}
    ORDER BY p.name IS NULL, s.face_count DESC, p.name COLLATE NOCASE, p.id
"""


def _people_summarised(
    db: Database, include_hidden: bool, person_ids: list[int] | None
) -> list[PersonItem]:
    """``load_people`` from the kept summary: one row per person, no per-face work."""
    where, args = "", list(person_ids or [])
    if person_ids is not None:
        where += f" AND p.id IN ({_marks(len(person_ids))})"
    if not include_hidden:
        where += " AND p.hidden = 0"
    out = []
    for r in db.conn.execute(_SUMMARISED_SQL.format(where=where), args):
        pid, name, born = r[0], r[1], r[5]
        cover = None
        if r[7] is not None and r[9] is not None:
            cover = FaceRef(r[7], r[8], r[9], (r[10], r[11], r[12], r[13]), r[14], pid, name,
                            int(r[15] or 0), r[16], born)  # fmt: skip
        out.append(PersonItem(pid, name, bool(r[2]), r[3], r[4], cover, born, r[6]))
    return out


def person_faces(db: Database, person_id: int) -> list[FaceRef]:
    """A person's faces, best first."""
    sql = _FACE_SQL + " WHERE fp.person_id = ? ORDER BY f.quality DESC, f.id"
    return [_face(r) for r in db.conn.execute(sql, (person_id,))]


def faces_by_id(db: Database, face_ids: list[int]) -> dict[int, FaceRef]:
    """Faces by id (missing ids are left out)."""
    if not face_ids:
        return {}
    sql = _FACE_SQL + f" WHERE f.id IN ({','.join('?' * len(face_ids))})"
    return {r[0]: _face(r) for r in db.conn.execute(sql, face_ids)}


def photo_faces(db: Database, photo_id: int) -> list[FaceRef]:
    """Every face of one photo with its person."""
    sql = _FACE_SQL + " WHERE f.photo_id = ? ORDER BY f.idx"
    return [_face(r) for r in db.conn.execute(sql, (photo_id,))]


def photo_path(db: Database, photo_id: int) -> str | None:
    """The path of a photo."""
    row = db.conn.execute("SELECT path FROM photos WHERE id = ?", (photo_id,)).fetchone()
    return str(row[0]) if row else None


def offline_photos(db: Database) -> set[int]:
    """Ids of photos kept while their folder is offline (an unplugged drive, an unreachable NAS,
    an unreadable folder)."""
    return {r[0] for r in db.conn.execute("SELECT id FROM photos WHERE offline = 1")}


def photos_of(db: Database, person_ids: list[int]) -> list[tuple[int, str]]:
    """(photo id, path) of photos showing every one of these people."""
    from faceorganizer.core.store.people import PeopleRepository

    return PeopleRepository(db).photos_with_all(person_ids)


def unsorted_page(
    db: Database,
    offset: int,
    limit: int,
    min_quality: float = 0.0,
    after: tuple[float, int] | None = None,
) -> tuple[list[FaceRef], int | None]:
    """One page of the faces in no person and not ignored (best first, at least
    ``min_quality``), and how many there are in all (counted for the first page only, else
    None). ``after`` (the quality and id of the last face shown) pages by key, so the
    thousandth page costs what the first does (``faces_quality`` index)."""
    where = (
        " WHERE fp.person_id IS NULL AND f.id NOT IN (SELECT face_id FROM ignored_faces)"
        " AND f.quality >= ?"
    )
    total = None
    if after is None and offset == 0:
        total = int(
            db.conn.execute(
                "SELECT count(*) FROM faces f LEFT JOIN face_person fp ON fp.face_id = f.id"
                + where,
                (min_quality,),
            ).fetchone()[0]
        )
    args: list[Any] = [min_quality]
    if after is not None:
        # a range on the quality index, walked best first and stopped at the page's end; the
        # plain "quality < q OR (quality = q AND id > i)" made SQLite fetch every face below
        # q and sort them, a second a page at 200,000 faces (the + keeps it from doing so)
        where += " AND f.quality <= ? AND (+f.quality < ? OR +f.id > ?)"
        args += [after[0], after[0], after[1]]
        offset = 0
    sql = _FACE_SQL + where + " ORDER BY f.quality DESC, f.id LIMIT ? OFFSET ?"
    rows = db.conn.execute(sql, (*args, limit, offset))
    return [_face(r) for r in rows], total


def ignored_faces(db: Database) -> list[FaceRef]:
    """Faces the user ignored."""
    sql = _FACE_SQL + " WHERE f.id IN (SELECT face_id FROM ignored_faces) ORDER BY f.id"
    return [_face(r) for r in db.conn.execute(sql)]


def skipped_photos(db: Database) -> list[tuple[str, str]]:
    """(path, reason) of photos a scan could not read."""
    from faceorganizer.core.store.photos import PhotoRepository

    return PhotoRepository(db).skipped()


def people_faces_and_photos(db: Database) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """person id -> its face ids, and person id -> its photo paths (path order, no repeats)."""
    faces: dict[int, list[int]] = {}
    photos: dict[int, list[str]] = {}
    for pid, fid, path in db.conn.execute(
        "SELECT fp.person_id, fp.face_id, p.path FROM face_person fp "
        "JOIN faces f ON f.id = fp.face_id JOIN photos p ON p.id = f.photo_id "
        "ORDER BY fp.person_id, p.path, f.idx"
    ):
        faces.setdefault(pid, []).append(fid)
        if path not in photos.setdefault(pid, []):
            photos[pid].append(path)
    return faces, photos
