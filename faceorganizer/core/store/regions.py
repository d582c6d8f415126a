"""Queries for face regions in metadata: the photos and faces a name import reads, faces it adds,
and the named faces an XMP export writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from faceorganizer.core.records import NewFace
from faceorganizer.core.store.db import Database

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PhotoFrame:
    """A stored photo's path and displayed size, what regions are placed against."""

    id: int
    path: str
    width: int
    height: int
    orientation: int


def _marks(n: int) -> str:
    return ",".join("?" * n) or "NULL"


def photos_for_import(database: Database, photo_ids: Iterable[int] | None) -> list[PhotoFrame]:
    """Analysed photos (all, or these), in path order."""
    sql = "SELECT id, raw_path, width, height, orientation, path FROM photos WHERE status = 'ok'"
    if photo_ids is None:
        rows = database.conn.execute(sql).fetchall()
    else:
        # in chunks: a scan of 50,000 photos would pass more ids than SQLite takes at once
        ids, rows = list(photo_ids), []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows += database.conn.execute(f"{sql} AND id IN ({_marks(len(chunk))})", chunk)
    rows.sort(key=lambda r: r[5])
    return [
        PhotoFrame(r[0], os.fsdecode(bytes(r[1])), r[2] or 0, r[3] or 0, r[4] or 1) for r in rows
    ]


def face_boxes(database: Database, photo_id: int) -> list[tuple[int, Box]]:
    """(face id, box in displayed pixels) of every face of a photo."""
    return [
        (int(r[0]), (float(r[1]), float(r[2]), float(r[3]), float(r[4])))
        for r in database.conn.execute(
            "SELECT id, x, y, w, h FROM faces WHERE photo_id = ? ORDER BY idx", (photo_id,)
        )
    ]


def add_face(database: Database, photo_id: int, face: NewFace, pack_id: str) -> int:
    """Add one face to a photo after its detected ones (call inside a transaction)."""
    conn = database.conn
    idx = conn.execute(
        "SELECT coalesce(max(idx), -1) + 1 FROM faces WHERE photo_id = ?", (photo_id,)
    ).fetchone()[0]
    emb = np.ascontiguousarray(face.embedding, dtype=np.float32)
    cur = conn.execute(
        """
        INSERT INTO faces (photo_id, idx, x, y, w, h, landmarks, det_score, quality, size_px,
                           blur, yaw, norm, flags, pack_id, dim, embedding)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            photo_id,
            idx,
            *face.box,
            json.dumps(face.landmarks),
            face.det_score,
            face.quality,
            face.size_px,
            face.blur,
            face.yaw,
            face.norm,
            face.flags,
            pack_id,
            emb.shape[0],
            emb.tobytes(),
        ),
    )
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class NamedFace:
    """A user-confirmed face of a named person, with its photo's frame."""

    photo: PhotoFrame
    face_id: int
    name: str
    box: Box  # displayed pixels


def confirmed_named_faces(
    database: Database, person_ids: list[int] | None, face_ids: list[int] | None
) -> list[NamedFace]:
    """Confirmed faces of named people (of these people, these faces), in path order."""
    sql = """
        SELECT p.id, p.raw_path, p.width, p.height, p.orientation,
               f.id, f.x, f.y, f.w, f.h, pe.name
        FROM face_person fp
        JOIN people pe ON pe.id = fp.person_id
        JOIN faces f ON f.id = fp.face_id
        JOIN photos p ON p.id = f.photo_id
        WHERE pe.name IS NOT NULL AND fp.confirmed = 1 AND p.status = 'ok'
    """
    args: list[object] = []
    if person_ids is not None:
        sql += f" AND pe.id IN ({_marks(len(person_ids))})"
        args.extend(person_ids)
    if face_ids is not None:
        sql += f" AND f.id IN ({_marks(len(face_ids))})"
        args.extend(face_ids)
    sql += " ORDER BY p.path, f.idx"
    out = []
    for r in database.conn.execute(sql, args):
        frame = PhotoFrame(r[0], os.fsdecode(bytes(r[1])), r[2] or 0, r[3] or 0, r[4] or 1)
        out.append(NamedFace(frame, r[5], r[10], (r[6], r[7], r[8], r[9])))
    return out


@dataclass(frozen=True)
class FaceOwner:
    """A face of a photo with whom it belongs to (what name elimination needs)."""

    photo_id: int
    face_id: int
    person_id: int | None
    confirmed: bool
    person_name: str | None


def face_owners(database: Database, photo_ids: list[int]) -> list[FaceOwner]:
    """The faces of these photos that are not ignored, with their person (if any)."""
    out: list[FaceOwner] = []
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        rows = database.conn.execute(
            f"""
            SELECT f.photo_id, f.id, fp.person_id, coalesce(fp.confirmed, 0), pe.name
            FROM faces f
            LEFT JOIN face_person fp ON fp.face_id = f.id
            LEFT JOIN people pe ON pe.id = fp.person_id
            WHERE f.photo_id IN ({_marks(len(chunk))})
              AND f.id NOT IN (SELECT face_id FROM ignored_faces)
            ORDER BY f.photo_id, f.idx
            """,
            chunk,
        )
        out.extend(FaceOwner(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows)
    return out
