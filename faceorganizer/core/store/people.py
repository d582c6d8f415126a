"""Rows of people, assignments and the user's decisions; snapshots for undo."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from faceorganizer.core.records import FLAG_DOUBTFUL
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.names import name_key
from faceorganizer.core.store.people_summary import FEW_PEOPLE, refresh


def _key(name: str | None) -> str | None:
    return None if name is None else name_key(name)


@dataclass(frozen=True)
class PersonRow:
    """A person (named) or a group (unnamed) with counts."""

    id: int
    name: str | None
    hidden: bool
    cover_face_id: int | None
    face_count: int
    photo_count: int
    confirmed_count: int
    born: str | None = None  # YYYY-MM-DD: faces in photos taken before it are never theirs
    latest: str | None = None  # when their most recent photo was taken (ISO 8601)


@dataclass(frozen=True)
class Assignment:
    """Where a face is, and whether the user put it there."""

    person_id: int
    confirmed: bool


def _marks(n: int) -> str:
    return ",".join("?" * n)


class PeopleRepository:
    """Reads and writes people, assignments, rejections, ignores, cannot-links and history."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.conn = database.conn

    # -- people ---------------------------------------------------------------------------------
    def create(self, name: str | None = None) -> int:
        """A new person (or group when ``name`` is None)."""
        cur = self.conn.execute(
            "INSERT INTO people (name, name_key, created_at) VALUES (?, ?, ?)",
            (name, _key(name), time.time()),
        )
        return int(cur.lastrowid or 0)

    def get(self, person_id: int) -> PersonRow | None:
        """One person with counts."""
        rows = self.list_people(person_ids=[person_id], include_hidden=True, include_empty=True)
        return rows[0] if rows else None

    def by_name(self, name: str) -> PersonRow | None:
        """The person with this name as ``name_key`` compares names (case, invisible characters
        and Unicode normalisation ignored)."""
        row = self.conn.execute(
            "SELECT id FROM people WHERE name_key = ?", (name_key(name),)
        ).fetchone()
        return self.get(int(row[0])) if row else None

    def list_people(
        self,
        *,
        person_ids: list[int] | None = None,
        include_hidden: bool = False,
        include_empty: bool = False,
    ) -> list[PersonRow]:
        """People with face and photo counts: named first, then by size.

        Many people are read from the kept summary (``people_summary``: 20,000 groups in
        milliseconds, not a second); a few, or all while it cannot be brought up to date, are
        counted live. Both say the same."""
        where, args = [], []
        if person_ids is not None:
            where.append(f"p.id IN ({_marks(len(person_ids))})")
            args.extend(person_ids)
        if not include_hidden:
            where.append("p.hidden = 0")
        few = person_ids is not None and len(person_ids) <= FEW_PEOPLE
        if not few and refresh(self.database):
            if not include_empty:
                where.append("s.face_count > 0")
            sql = f"""
                SELECT p.id, p.name, p.hidden, p.cover_face_id, coalesce(s.face_count, 0),
                       coalesce(s.photo_count, 0), coalesce(s.confirmed, 0), p.born, s.latest
                FROM people p LEFT JOIN people_summary s ON s.person_id = p.id
                {"WHERE " + " AND ".join(where) if where else ""}
                ORDER BY p.name IS NULL, coalesce(s.face_count, 0) DESC,
                         p.name COLLATE NOCASE, p.id
            """
            return [
                PersonRow(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7], r[8])
                for r in self.conn.execute(sql, args)
            ]
        sql = f"""
            SELECT p.id, p.name, p.hidden, p.cover_face_id,
                   count(fp.face_id), count(DISTINCT f.photo_id), coalesce(sum(fp.confirmed), 0),
                   p.born, max(ph.taken_at)
            FROM people p
            LEFT JOIN face_person fp ON fp.person_id = p.id
            LEFT JOIN faces f ON f.id = fp.face_id
            LEFT JOIN photos ph ON ph.id = f.photo_id
            {"WHERE " + " AND ".join(where) if where else ""}
            GROUP BY p.id
            {"" if include_empty else "HAVING count(fp.face_id) > 0"}
            ORDER BY p.name IS NULL, count(fp.face_id) DESC, p.name COLLATE NOCASE, p.id
        """
        return [
            PersonRow(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7], r[8])
            for r in self.conn.execute(sql, args)
        ]

    def set_name(self, person_id: int, name: str | None) -> None:
        """Name (or unname) a person."""
        self.conn.execute(
            "UPDATE people SET name = ?, name_key = ? WHERE id = ?", (name, _key(name), person_id)
        )

    def set_hidden(self, person_id: int, hidden: bool) -> None:
        """Hide or show a person."""
        self.conn.execute("UPDATE people SET hidden = ? WHERE id = ?", (int(hidden), person_id))

    def set_born(self, person_id: int, born: str | None) -> None:
        """A person's birth date (YYYY-MM-DD), or None to forget it."""
        self.conn.execute("UPDATE people SET born = ? WHERE id = ?", (born, person_id))

    def born_dates(self) -> dict[int, str]:
        """person id -> birth date, for the people who have one."""
        rows = self.conn.execute("SELECT id, born FROM people WHERE born IS NOT NULL")
        return {int(r[0]): str(r[1]) for r in rows}

    def faces_taken_before(self, day: str) -> list[int]:
        """Faces in photos taken before ``day`` (YYYY-MM-DD, local time of the photo)."""
        rows = self.conn.execute(
            "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.taken_at < ?",
            (day,),
        )
        return [r[0] for r in rows]

    def set_cover(self, person_id: int, face_id: int | None) -> None:
        """The face shown as the person's avatar."""
        self.conn.execute("UPDATE people SET cover_face_id = ? WHERE id = ?", (face_id, person_id))

    def delete(self, person_ids: Iterable[int]) -> None:
        """Remove people (their assignments and rejections go with them)."""
        self.conn.executemany("DELETE FROM people WHERE id = ?", [(i,) for i in person_ids])

    def delete_empty_unnamed(self) -> list[int]:
        """Unnamed groups left with no faces."""
        ids = [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM people WHERE name IS NULL AND id NOT IN "
                "(SELECT DISTINCT person_id FROM face_person)"
            )
        ]
        self.delete(ids)
        return ids

    # -- assignments ----------------------------------------------------------------------------
    def assignments(self) -> dict[int, Assignment]:
        """face id -> assignment, for every assigned face."""
        rows = self.conn.execute("SELECT face_id, person_id, confirmed FROM face_person")
        return {r[0]: Assignment(r[1], bool(r[2])) for r in rows}

    def missing_faces(self, face_ids: Iterable[int]) -> list[int]:
        """Those of ``face_ids`` that are no stored face."""
        wanted = sorted(set(face_ids))
        found: set[int] = set()
        for i in range(0, len(wanted), 500):
            chunk = [f for f in wanted[i : i + 500] if -(2**63) <= f < 2**63]
            marks = ",".join("?" * len(chunk))
            if chunk:
                rows = self.conn.execute(f"SELECT id FROM faces WHERE id IN ({marks})", chunk)
                found.update(r[0] for r in rows)
        return [f for f in wanted if f not in found]

    def faces_of(self, person_id: int) -> list[int]:
        """Face ids of a person."""
        rows = self.conn.execute(
            "SELECT face_id FROM face_person WHERE person_id = ? ORDER BY face_id", (person_id,)
        )
        return [r[0] for r in rows]

    def assign(self, face_ids: Iterable[int], person_id: int, *, confirmed: bool) -> None:
        """Put faces in a person (replacing where they were)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO face_person (face_id, person_id, confirmed) VALUES (?, ?, ?)",
            [(f, person_id, int(confirmed)) for f in face_ids],
        )

    def assign_many(self, rows: Iterable[tuple[int, int, bool]]) -> None:
        """(face, person, confirmed) rows at once."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO face_person (face_id, person_id, confirmed) VALUES (?, ?, ?)",
            [(f, p, int(c)) for f, p, c in rows],
        )

    def unassign(self, face_ids: Iterable[int]) -> None:
        """Take faces out of whatever person they are in."""
        self.conn.executemany("DELETE FROM face_person WHERE face_id = ?", [(f,) for f in face_ids])

    def clear_guesses(self) -> None:
        """Forget every machine guess (confirmed assignments stay)."""
        self.conn.execute("DELETE FROM face_person WHERE confirmed = 0")

    def confirm_person(self, person_id: int) -> None:
        """Mark every face of a person as the user's decision."""
        self.conn.execute("UPDATE face_person SET confirmed = 1 WHERE person_id = ?", (person_id,))

    # -- decisions ------------------------------------------------------------------------------
    def reject(self, face_ids: Iterable[int], person_id: int) -> None:
        """These faces are not this person."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
            [(f, person_id) for f in face_ids],
        )

    def unreject(self, face_ids: Iterable[int], person_id: int) -> None:
        """Forget a rejection (the user put the face back)."""
        self.conn.executemany(
            "DELETE FROM rejections WHERE face_id = ? AND person_id = ?",
            [(f, person_id) for f in face_ids],
        )

    def rejections(self) -> set[tuple[int, int]]:
        """(face, person) pairs the user rejected."""
        return {
            (r[0], r[1]) for r in self.conn.execute("SELECT face_id, person_id FROM rejections")
        }

    def ignore(self, face_ids: Iterable[int]) -> None:
        """Never group or suggest these faces."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO ignored_faces (face_id) VALUES (?)", [(f,) for f in face_ids]
        )

    def unignore(self, face_ids: Iterable[int]) -> None:
        """Let ignored faces be grouped again."""
        self.conn.executemany(
            "DELETE FROM ignored_faces WHERE face_id = ?", [(f,) for f in face_ids]
        )

    def ignored(self) -> set[int]:
        """Ignored face ids."""
        return {r[0] for r in self.conn.execute("SELECT face_id FROM ignored_faces")}

    def add_cannot_links(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Faces that must never share a person."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO cannot_link (face_a, face_b) VALUES (?, ?)",
            [(min(a, b), max(a, b)) for a, b in pairs if a != b],
        )

    def cannot_links(self) -> set[tuple[int, int]]:
        """(a, b) face pairs with a < b."""
        return {(r[0], r[1]) for r in self.conn.execute("SELECT face_a, face_b FROM cannot_link")}

    # -- browse ---------------------------------------------------------------------------------
    def photos_with_all(self, person_ids: list[int]) -> list[tuple[int, str]]:
        """(photo id, path) of photos where every one of these people appears."""
        if not person_ids:
            return []
        sql = f"""
            SELECT p.id, p.path FROM photos p
            JOIN faces f ON f.photo_id = p.id
            JOIN face_person fp ON fp.face_id = f.id
            WHERE fp.person_id IN ({_marks(len(person_ids))})
            GROUP BY p.id HAVING count(DISTINCT fp.person_id) = ?
            ORDER BY coalesce(p.taken_at, ''), p.path
        """
        return [(r[0], r[1]) for r in self.conn.execute(sql, [*person_ids, len(person_ids)])]

    def unsorted_faces(self, *, doubtful: bool = False) -> list[int]:
        """Faces in no person and not ignored (nor ``doubtful`` ones unless asked)."""
        rows = self.conn.execute(
            "SELECT id FROM faces WHERE id NOT IN (SELECT face_id FROM face_person) "
            "AND id NOT IN (SELECT face_id FROM ignored_faces) "
            + ("" if doubtful else f"AND (flags & {FLAG_DOUBTFUL}) = 0 ")
            + "ORDER BY quality DESC"
        )
        return [r[0] for r in rows]

    # -- undo -----------------------------------------------------------------------------------
    def snapshot(self, face_ids: Iterable[int], person_ids: Iterable[int]) -> dict[str, Any]:
        """The rows an operation on these faces and people may touch, as they are now."""
        faces, people = sorted(set(face_ids)), sorted(set(person_ids))
        fm, pm = _marks(len(faces)) or "NULL", _marks(len(people)) or "NULL"
        q = self.conn.execute
        return {
            "faces": faces,
            "people": people,
            "people_rows": [
                list(r)
                for r in q(
                    f"SELECT id, name, hidden, cover_face_id, created_at, born FROM people "
                    f"WHERE id IN ({pm})",
                    people,
                )
            ],
            "face_person": [
                list(r)
                for r in q(
                    f"SELECT face_id, person_id, confirmed FROM face_person "
                    f"WHERE face_id IN ({fm}) OR person_id IN ({pm})",
                    [*faces, *people],
                )
            ],
            "rejections": [
                list(r)
                for r in q(
                    f"SELECT face_id, person_id FROM rejections "
                    f"WHERE face_id IN ({fm}) OR person_id IN ({pm})",
                    [*faces, *people],
                )
            ],
            "ignored": [
                r[0] for r in q(f"SELECT face_id FROM ignored_faces WHERE face_id IN ({fm})", faces)
            ],
            "cannot_link": [
                list(r)
                for r in q(
                    f"SELECT face_a, face_b FROM cannot_link "
                    f"WHERE face_a IN ({fm}) OR face_b IN ({fm})",
                    [*faces, *faces],
                )
            ],
        }

    def restore(self, snap: dict[str, Any], created_people: Iterable[int]) -> None:
        """Put the snapshot's rows back exactly, removing people the operation created."""
        faces, people = snap["faces"], snap["people"]
        fm, pm = _marks(len(faces)) or "NULL", _marks(len(people)) or "NULL"
        q = self.conn.execute
        q(
            f"DELETE FROM face_person WHERE face_id IN ({fm}) OR person_id IN ({pm})",
            [*faces, *people],
        )
        q(
            f"DELETE FROM rejections WHERE face_id IN ({fm}) OR person_id IN ({pm})",
            [*faces, *people],
        )
        q(f"DELETE FROM ignored_faces WHERE face_id IN ({fm})", faces)
        q(f"DELETE FROM cannot_link WHERE face_a IN ({fm}) OR face_b IN ({fm})", [*faces, *faces])
        self.delete(created_people)
        existing = {r[0] for r in q(f"SELECT id FROM people WHERE id IN ({pm})", people)}
        # free the names first so restoring a swap of names cannot hit the unique index
        for row in snap["people_rows"]:
            if row[0] in existing:
                q("UPDATE people SET name = NULL, name_key = NULL WHERE id = ?", (row[0],))
        for pid, name, hidden, cover, created, *born in snap["people_rows"]:
            # snapshots from before migration 0005 hold no birth date: leave it as it is
            q(
                "INSERT INTO people (id, name, name_key, hidden, cover_face_id, created_at, born) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "name_key = excluded.name_key, hidden = excluded.hidden, "
                "cover_face_id = excluded.cover_face_id"
                + (", born = excluded.born" if born else ""),
                (pid, name, _key(name), hidden, cover, created, born[0] if born else None),
            )
        self.conn.executemany(
            "INSERT OR REPLACE INTO face_person (face_id, person_id, confirmed) VALUES (?, ?, ?)",
            snap["face_person"],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
            snap["rejections"],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO ignored_faces (face_id) VALUES (?)",
            [(f,) for f in snap["ignored"]],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO cannot_link (face_a, face_b) VALUES (?, ?)", snap["cannot_link"]
        )

    _FACE_COLUMNS = (
        "id, photo_id, idx, x, y, w, h, landmarks, det_score, quality, size_px, blur, yaw, "
        "norm, flags, pack_id, dim, embedding"
    )

    def face_rows(self, face_ids: Iterable[int]) -> list[list[Any]]:
        """Whole rows of faces (vector as hex), so that Redo can put back a face Undo deleted."""
        ids = sorted(set(face_ids))
        rows = self.conn.execute(
            f"SELECT {self._FACE_COLUMNS} FROM faces WHERE id IN ({_marks(len(ids)) or 'NULL'})",
            ids,
        ).fetchall()
        return [[*r[:-1], bytes(r[-1]).hex()] for r in rows]

    def delete_faces(self, face_ids: Iterable[int]) -> None:
        """Delete faces (their assignments, rejections and links go with them)."""
        self.conn.executemany("DELETE FROM faces WHERE id = ?", [(f,) for f in set(face_ids)])

    def insert_face_rows(self, rows: Iterable[list[Any]]) -> None:
        """Put back faces saved by ``face_rows`` (after the photo's faces if their place is
        taken; left out when the photo is gone)."""
        q = self.conn.execute
        for row in rows:
            photo_id, idx = row[1], row[2]
            if q("SELECT 1 FROM photos WHERE id = ?", (photo_id,)).fetchone() is None:
                continue
            if q("SELECT 1 FROM faces WHERE photo_id = ? AND idx = ?", (photo_id, idx)).fetchone():
                idx = q(
                    "SELECT coalesce(max(idx), -1) + 1 FROM faces WHERE photo_id = ?", (photo_id,)
                ).fetchone()[0]
            values = [*row[:2], idx, *row[3:-1], bytes.fromhex(row[-1])]
            q(
                f"INSERT OR REPLACE INTO faces ({self._FACE_COLUMNS}) "
                f"VALUES ({_marks(len(values))})",
                values,
            )

    def push_history(
        self,
        op: str,
        label: str,
        before: dict[str, Any],
        created: list[int],
        added_faces: list[int] | None = None,
    ) -> int:
        """Record an operation for undo (``added_faces``: faces it stored, which undo deletes)."""
        data: dict[str, Any] = {"snapshot": before, "created": created}
        if added_faces:
            data["added_faces"] = list(added_faces)
        payload = json.dumps(data)
        # A new operation ends what could be redone: the undone ones stay undone for good
        # (undone = 2), else undoing this one would let Redo bring back an older one.
        self.conn.execute("UPDATE history SET undone = 2 WHERE undone = 1")
        cur = self.conn.execute(
            "INSERT INTO history (op, label, before, created_at) VALUES (?, ?, ?, ?)",
            (op, label, payload, time.time()),
        )
        return int(cur.lastrowid or 0)

    def last_history(self) -> tuple[int, str, str, dict[str, Any]] | None:
        """(id, op, label, payload) of the newest operation not yet undone."""
        row = self.conn.execute(
            "SELECT id, op, label, before FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1], row[2], json.loads(row[3])) if row else None

    def mark_undone(self, history_id: int) -> None:
        """An operation was undone."""
        self.conn.execute("UPDATE history SET undone = 1 WHERE id = ?", (history_id,))

    def save_redo(self, history_id: int, after: dict[str, Any]) -> None:
        """Keep, with an undone operation, the state it had left (for Redo)."""
        row = self.conn.execute("SELECT before FROM history WHERE id = ?", (history_id,)).fetchone()
        if row is None:
            return
        payload = json.loads(row[0])
        payload["after"] = after
        self.conn.execute(
            "UPDATE history SET before = ? WHERE id = ?", (json.dumps(payload), history_id)
        )

    def next_redo(self) -> tuple[int, str, str, dict[str, Any]] | None:
        """(id, op, label, payload) of the operation Redo would do again, or None.

        The oldest undone operation newer than every operation still done and undone since the
        last new operation (``push_history`` marks older undone ones ``undone = 2``).
        """
        row = self.conn.execute(
            "SELECT id, op, label, before FROM history WHERE undone = 1 AND id > "
            "coalesce((SELECT max(id) FROM history WHERE undone = 0), 0) ORDER BY id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        payload = json.loads(row[3])
        return (row[0], row[1], row[2], payload) if "after" in payload else None

    def mark_redone(self, history_id: int) -> None:
        """An undone operation was done again."""
        self.conn.execute("UPDATE history SET undone = 0 WHERE id = ?", (history_id,))
